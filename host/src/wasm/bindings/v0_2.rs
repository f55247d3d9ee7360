//! Bindings for components built against `kubequery:table@0.2.x` (wit/v0.2.0): the host
//! names the columns the statement reads and the resource the page lists; rows come back
//! packed in one buffer (read by `wasm::packed`), with the objects the table left out.

use wasmtime::Store;

use crate::schema::{self, ColumnSet};
use crate::wasm::sandbox::Sandbox;

/// The generated bindings, in a module of their own so that the world's `TableComponent`
/// does not shadow the host's `wasm::TableComponent` here.
mod generated {
    wasmtime::component::bindgen!({
        path: "../wit/v0.2.0",
        world: "table-component",
    });
}

use self::generated::kubequery::table::types::{ApiResource, Cluster, PageRequest};

super::common!();

/// The `kubequery:table` releases these bindings load: `0.2.x`.
pub(crate) const VERSION: &str = "0.2";

/// What `rows` returned: `count` rows of packed cells, and the objects left out.
pub(crate) struct PageRows {
    pub(crate) count: u32,
    pub(crate) cells: Vec<u8>,
    pub(crate) skipped: Vec<crate::wasm::SkippedObject>,
}

/// Calls `rows` for the `columns` the statement reads; the outer error is a trap, the inner
/// one the table's own error.
pub(crate) fn rows(
    instance: &Instance,
    store: &mut Store<Sandbox>,
    page: &[u8],
    cluster: &schema::Cluster,
    source: &schema::Source,
    columns: &ColumnSet,
) -> wasmtime::Result<Result<PageRows, String>> {
    let request = PageRequest {
        cluster: Cluster { name: cluster.name.clone(), uid: cluster.uid.clone() },
        columns: columns.positions().filter_map(|c| u32::try_from(c).ok()).collect(),
        resource: match source {
            schema::Source::Resource(r) => Some(ApiResource {
                group: r.group.clone(),
                version: r.version.clone(),
                resource: r.resource.clone(),
                kind: r.kind.clone(),
                namespaced: r.namespaced,
                metadata_only: r.metadata_only,
            }),
            schema::Source::Path(_) | schema::Source::Discovery => None,
        },
    };
    let result = instance.kubequery_table_table().call_rows(store, page, &request)?;
    Ok(result.map(|rows| PageRows {
        count: rows.count,
        cells: rows.cells,
        skipped: rows
            .errors
            .into_iter()
            .map(|e| crate::wasm::SkippedObject {
                index: e.index,
                namespace: e.namespace,
                name: e.name,
                message: e.message,
            })
            .collect(),
    }))
}
