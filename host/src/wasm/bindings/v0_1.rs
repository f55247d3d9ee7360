//! Bindings for components built against `kubequery:table@0.1.x` (wit/v0.1.0): rows come
//! back as one lifted value per cell, every column computed.

use wasmtime::Store;

use crate::schema;
use crate::wasm::sandbox::Sandbox;

/// The generated bindings, in a module of their own so that the world's `TableComponent`
/// does not shadow the host's `wasm::TableComponent` here.
mod generated {
    wasmtime::component::bindgen!({
        path: "../wit/v0.1.0",
        world: "table-component",
    });
}

use self::generated::kubequery::table::types::Cell;

super::common!();

/// The `kubequery:table` releases these bindings load: `0.1.x`.
pub(crate) const VERSION: &str = "0.1";

/// Calls `rows`; the outer error is a trap, the inner one the table's own error.
pub(crate) fn rows(
    instance: &Instance,
    store: &mut Store<Sandbox>,
    page: &[u8],
    cluster: &schema::Cluster,
) -> wasmtime::Result<Result<Vec<schema::Row>, String>> {
    let cluster =
        self::generated::kubequery::table::types::Cluster { name: cluster.name.clone(), uid: cluster.uid.clone() };
    let result = instance.kubequery_table_table().call_rows(store, page, &cluster)?;
    Ok(result.map(|rows| rows.into_iter().map(|row| row.into_iter().map(schema::Cell::from).collect()).collect()))
}

impl From<Cell> for schema::Cell {
    fn from(cell: Cell) -> Self {
        match cell {
            Cell::Null => schema::Cell::Null,
            Cell::Integer(v) => schema::Cell::Integer(v),
            Cell::Double(v) => schema::Cell::Double(v),
            Cell::Text(v) => schema::Cell::Text(v),
        }
    }
}
