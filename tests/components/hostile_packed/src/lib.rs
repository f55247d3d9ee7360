//! A `kubequery:table@0.2.0` table whose packed rows lie: each namespace of the page gets a
//! row, but the count claims one more row than the cells hold, and the objects it leaves out
//! are more than the page has. The host must refuse the page before SQL sees a row, and never
//! allocate what the count claims.

wit_bindgen::generate!({ path: "../../../wit/v0.2.0", world: "table-component" });

use kubequery::table::types::{
    ApiResource, Column, ColumnOptions, ColumnType, ObjectError, PageRequest, PageRows, Source, TableSchema,
};

struct HostilePacked;

impl exports::kubequery::table::table::Guest for HostilePacked {
    fn schema() -> TableSchema {
        let column = |name: &str, type_| Column {
            name: name.into(),
            type_,
            description: String::new(),
            options: ColumnOptions::empty(),
            pushdown: None,
        };
        TableSchema {
            name: "hostile_packed".into(),
            description: "Packed rows whose count lies".into(),
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

    fn rows(page: Vec<u8>, _request: PageRequest) -> Result<PageRows, String> {
        // One honest row (name "x", size = page length), then a count of one more.
        let mut cells = vec![3, 1, 0, 0, 0, b'x', 1];
        cells.extend_from_slice(&(page.len() as i64).to_le_bytes());
        let errors = (0..3)
            .map(|index| ObjectError {
                index,
                namespace: String::new(),
                name: format!("phantom-{index}"),
                message: "left out".into(),
            })
            .collect();
        Ok(PageRows { count: 2, cells, errors })
    }
}

export!(HostilePacked);
