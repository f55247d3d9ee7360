//! What every hostile component shares: a valid two-column schema over namespaces, so that
//! each component differs only in how its `rows` misbehaves. Built with the raw bindings,
//! not the SDK's row writer, so that components can break the rules the SDK enforces.

use kubequery_table_sdk::bindings::kubequery::table::types::{
    ApiResource, Column, ColumnOptions, ColumnType, Source, TableSchema,
};
pub use kubequery_table_sdk::bindings::kubequery::table::types::{Cell, Cluster};

/// `name TEXT, size BIGINT`, reading `(group, version, resource, kind)`.
pub fn schema(name: &str, description: &str, reading: (&str, &str, &str, &str)) -> TableSchema {
    let (group, version, resource, kind) = reading;
    let column = |name: &str, type_| Column {
        name: name.into(),
        type_,
        description: String::new(),
        options: ColumnOptions::empty(),
        pushdown: None,
    };
    TableSchema {
        name: name.into(),
        description: description.into(),
        columns: vec![column("name", ColumnType::Text), column("size", ColumnType::Bigint)],
        source: Source::Resource(ApiResource {
            group: group.into(),
            version: version.into(),
            resource: resource.into(),
            kind: kind.into(),
            namespaced: false,
            metadata_only: false,
        }),
    }
}

/// Defines and exports a hostile table whose `rows(page)` is `$rows`; it reads `v1 namespaces`
/// unless `reading: (group, version, resource, kind)` says otherwise.
#[macro_export]
macro_rules! hostile_table {
    ($name:literal, $description:literal, |$page:ident| $rows:block) => {
        $crate::hostile_table!($name, $description, reading: ("", "v1", "namespaces", "Namespace"), |$page| $rows);
    };
    ($name:literal, $description:literal, reading: $reading:expr, |$page:ident| $rows:block) => {
        struct Hostile;

        impl kubequery_table_sdk::bindings::exports::kubequery::table::table::Guest for Hostile {
            fn schema() -> kubequery_table_sdk::bindings::kubequery::table::types::TableSchema {
                $crate::schema($name, $description, $reading)
            }

            fn rows($page: Vec<u8>, _cluster: $crate::Cluster) -> Result<Vec<Vec<$crate::Cell>>, String> $rows
        }

        kubequery_table_sdk::bindings::export_component!(Hostile);
    };
}
