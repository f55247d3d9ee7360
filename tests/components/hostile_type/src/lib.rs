//! Returns an integer in a TEXT column.

use kubequery_table_sdk::bindings::exports::kubequery::table::table::Guest;
use kubequery_table_sdk::bindings::kubequery::table::types::{
    ApiResource, Cell, Cluster, Column, ColumnOptions, ColumnType, Source, TableSchema,
};

struct Hostile;

impl Guest for Hostile {
    fn schema() -> TableSchema {
        let column = |name: &str, type_| Column {
            name: name.into(),
            type_,
            description: String::new(),
            options: ColumnOptions::empty(),
            pushdown: None,
        };
        TableSchema {
            name: "hostile_type".into(),
            description: "Returns an integer in a TEXT column.".into(),
            columns: vec![column("name", ColumnType::Text), column("size", ColumnType::Bigint)],
            source: Source::Resource(ApiResource {
                group: String::new(),
                version: "v1".into(),
                resource: "namespaces".into(),
                kind: "Namespace".into(),
                namespaced: false,
                metadata_only: false,
            }),
        }
    }

    fn rows(page: Vec<u8>, _cluster: Cluster) -> Result<Vec<Vec<Cell>>, String> {
        Ok(vec![vec![Cell::Integer(page.len() as i64), Cell::Integer(1)]])
    }
}

kubequery_table_sdk::bindings::export_component!(Hostile);
