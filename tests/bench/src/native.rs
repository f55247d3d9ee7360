//! The built-in tables compiled natively, from the components' own source (see build.rs).

use kubequery_table_sdk::bindings::kubequery::table::types::TableSchema;
use kubequery_table_sdk::packed::ColumnSet;
use kubequery_table_sdk::{Cluster, PageRows, Request};

/// A table's schema: what a component's `schema` export returns.
pub type Schema = fn() -> TableSchema;
/// One page in, rows out: what a component's `rows` export does.
pub type Convert = fn(&[u8], &Request) -> Result<PageRows, String>;

include!(concat!(env!("OUT_DIR"), "/native_tables.rs"));

/// The native conversion of `table`.
pub fn convert(table: &str) -> Option<Convert> {
    NATIVE.iter().find(|(name, ..)| *name == table).map(|(.., convert)| *convert)
}

/// A request for the `columns` of `table` (every column when `None`), as the host makes it.
pub fn request(table: &str, columns: Option<&[&str]>) -> Option<Request> {
    let (_, schema, _) = NATIVE.iter().find(|(name, ..)| *name == table)?;
    let schema = schema();
    let read =
        schema.columns.iter().enumerate().filter(|(_, c)| columns.is_none_or(|names| names.contains(&c.name.as_str())));
    let columns = ColumnSet::from_positions(read.map(|(i, _)| i));
    let cluster = Cluster { name: "bench".into(), uid: "uid".into() };
    Some(Request { cluster, columns, resource: None })
}
