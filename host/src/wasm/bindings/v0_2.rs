//! Bindings for components built against `kubequery:table@0.2.x` (wit/v0.2.2, whose
//! `table-component` world is 0.2.0's; wasmtime matches 0.2.0, 0.2.1 and 0.2.2 names alike):
//! the host names the columns the statement reads and the resource the page lists; rows come
//! back packed in one buffer (read by `wasm::packed`), with the objects the table left out. A
//! component that also exports 0.2.1's `path-columns` takes columns the host adds to its
//! schema at run time (the generic tables' printer columns); one that exports 0.2.2's
//! `object-rows` says where each object's rows end, so that they can be reused.

use wasmtime::Store;

use crate::schema::{self, ColumnSet};
use crate::wasm::sandbox::Sandbox;

/// The generated bindings, in a module of their own so that the world's `TableComponent`
/// does not shadow the host's `wasm::TableComponent` here.
mod generated {
    wasmtime::component::bindgen!({
        path: "../wit/v0.2.2",
        world: "table-component",
    });
}

/// The `path-columns` interface (0.2.1), over the same types.
mod path_columns {
    wasmtime::component::bindgen!({
        path: "../wit/v0.2.2",
        world: "path-columns-component",
        with: {
            "kubequery:table/types": super::generated::kubequery::table::types,
            "kubequery:table/host": super::generated::kubequery::table::host,
        },
    });
}

/// The `object-rows` interface (0.2.2), over the same types.
mod object_rows {
    wasmtime::component::bindgen!({
        path: "../wit/v0.2.2",
        world: "object-rows-component",
        with: {
            "kubequery:table/types": super::generated::kubequery::table::types,
            "kubequery:table/host": super::generated::kubequery::table::host,
        },
    });
}

use self::generated::kubequery::table::types::{ApiResource, Cluster, PageRequest};
use self::object_rows::exports::kubequery::table::object_rows::{
    Guest as ObjectRowsGuest, GuestIndices as ObjectRowsIndices,
};
use self::path_columns::exports::kubequery::table::path_columns::{
    Guest as PathColumnsGuest, GuestIndices, PathColumn,
};

super::common!();

/// The `kubequery:table` releases these bindings load: `0.2.x`.
pub(crate) const VERSION: &str = "0.2";

/// What `rows` returned: `count` rows of packed cells, and the objects left out.
pub(crate) struct PageRows {
    pub(crate) count: u32,
    pub(crate) cells: Vec<u8>,
    pub(crate) skipped: Vec<crate::wasm::SkippedObject>,
    /// Where each item's rows end, when asked for and the component says (`object-rows`).
    pub(crate) ends: Option<Vec<u32>>,
}

/// Where a component's optional exports are: `path-columns` (0.2.1) and `object-rows`
/// (0.2.2).
#[derive(Default)]
pub(crate) struct Extensions {
    path_columns: Option<GuestIndices>,
    object_rows: Option<ObjectRowsIndices>,
}

impl Extensions {
    /// The optional exports the component has.
    pub(crate) fn of(pre: &Pre) -> Self {
        Extensions {
            path_columns: GuestIndices::new(pre.instance_pre()).ok(),
            object_rows: ObjectRowsIndices::new(pre.instance_pre()).ok(),
        }
    }

    /// Whether it takes columns the host adds (`path-columns`).
    pub(crate) fn path_columns(&self) -> bool {
        self.path_columns.is_some()
    }

    /// Whether it says which rows came from which object (`object-rows`).
    pub(crate) fn object_rows(&self) -> bool {
        self.object_rows.is_some()
    }
}

/// An instance, with the optional exports the component has.
pub(crate) struct Running {
    world: Instance,
    path_columns: Option<PathColumnsGuest>,
    object_rows: Option<ObjectRowsGuest>,
}

/// Instantiates the component, finding its optional exports with `extensions`.
pub(crate) fn instantiate(pre: &Pre, extensions: &Extensions, store: &mut Store<Sandbox>) -> wasmtime::Result<Running> {
    let instance = pre.instance_pre().instantiate(&mut *store)?;
    let world = Instance::new(&mut *store, &instance)?;
    let path_columns = extensions.path_columns.as_ref().map(|i| i.load(&mut *store, &instance)).transpose()?;
    let object_rows = extensions.object_rows.as_ref().map(|i| i.load(&mut *store, &instance)).transpose()?;
    Ok(Running { world, path_columns, object_rows })
}

/// Calls `rows` for the `columns` the statement reads (`rows-with`, when the host added
/// `added` columns to the schema; `rows-by-object` when `by_object` and the component has
/// it); the outer error is a trap, the inner one the table's own error.
#[allow(clippy::too_many_arguments)]
pub(crate) fn rows(
    running: &Running,
    store: &mut Store<Sandbox>,
    page: &[u8],
    cluster: &schema::Cluster,
    source: &schema::Source,
    columns: &ColumnSet,
    added: &[schema::PathColumn],
    by_object: bool,
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
    let mut ends = None;
    let result = match (&running.path_columns, &running.object_rows) {
        (Some(path_columns), _) if !added.is_empty() => {
            let added: Vec<PathColumn> = added
                .iter()
                .map(|column| PathColumn {
                    name: column.name.clone(),
                    type_: column_type(column.ty),
                    json_path: column.json_path.clone(),
                })
                .collect();
            path_columns.call_rows_with(store, page, &request, &added)?
        }
        (_, Some(object_rows)) if by_object && added.is_empty() => {
            object_rows.call_rows_by_object(store, page, &request)?.map(|by_object| {
                ends = Some(by_object.ends);
                by_object.rows
            })
        }
        _ => running.world.kubequery_table_table().call_rows(store, page, &request)?,
    };
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
        ends,
    }))
}

fn column_type(ty: schema::ColumnType) -> self::generated::kubequery::table::types::ColumnType {
    use self::generated::kubequery::table::types::ColumnType;
    match ty {
        schema::ColumnType::Text => ColumnType::Text,
        schema::ColumnType::Integer => ColumnType::Integer,
        schema::ColumnType::BigInt => ColumnType::Bigint,
        schema::ColumnType::Double => ColumnType::Double,
    }
}
