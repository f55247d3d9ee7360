//! The built-in tables compiled natively, from the components' own source (see build.rs).

use kubequery_table_sdk::{Cell, Cluster};

/// One page in, rows out: what a component's `rows` export does.
pub type Convert = fn(&[u8], &Cluster) -> Result<Vec<Vec<Cell>>, String>;

include!(concat!(env!("OUT_DIR"), "/native_tables.rs"));

/// The native conversion of `table`.
pub fn convert(table: &str) -> Option<Convert> {
    NATIVE.iter().find(|(name, _)| *name == table).map(|(_, convert)| *convert)
}
