//! Bindings for components built against `kubequery:table@0.1.x` (wit/v0.1.0), and their
//! conversion to the host's own types.

use wasmtime::Store;
use wasmtime::component::{Component, HasSelf, Linker};

use super::sandbox::Sandbox;
use crate::schema;

/// The generated bindings, in a module of their own so that the world's `TableComponent`
/// does not shadow the host's `wasm::TableComponent` here.
mod generated {
    wasmtime::component::bindgen!({
        path: "../wit/v0.1.0",
        world: "table-component",
    });
}

use self::generated::kubequery::table::types::{Cell, Column, ColumnType, Pushdown, Source, TableSchema};
use self::generated::{TableComponent as World, TableComponentPre as WorldPre};

/// The `kubequery:table` releases these bindings load: `0.1.x`.
pub(crate) const VERSION: &str = "0.1";

pub(crate) type Pre = WorldPre<Sandbox>;
pub(crate) type Instance = World;

pub(crate) fn pre(linker: &mut Linker<Sandbox>, component: &Component) -> wasmtime::Result<Pre> {
    World::add_to_linker::<Sandbox, HasSelf<Sandbox>>(linker, |s| s)?;
    WorldPre::new(linker.instantiate_pre(component)?)
}

pub(crate) fn schema(instance: &Instance, store: &mut Store<Sandbox>) -> wasmtime::Result<schema::TableSchema> {
    Ok(instance.kubequery_table_table().call_schema(store)?.into())
}

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

impl self::generated::kubequery::table::types::Host for Sandbox {}

impl self::generated::kubequery::table::host::Host for Sandbox {
    fn log(&mut self, level: self::generated::kubequery::table::types::Level, message: String) {
        use self::generated::kubequery::table::types::Level;
        let level = match level {
            Level::Trace => tracing::Level::TRACE,
            Level::Debug => tracing::Level::DEBUG,
            Level::Info => tracing::Level::INFO,
            Level::Warn => tracing::Level::WARN,
            Level::Error => tracing::Level::ERROR,
        };
        self.forward_log(level, &message);
    }
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

impl From<TableSchema> for schema::TableSchema {
    fn from(s: TableSchema) -> Self {
        schema::TableSchema {
            name: s.name,
            description: s.description,
            columns: s.columns.into_iter().map(Into::into).collect(),
            source: match s.source {
                Source::Resource(r) => schema::Source::Resource(schema::ApiResource {
                    group: r.group,
                    version: r.version,
                    resource: r.resource,
                    kind: r.kind,
                    namespaced: r.namespaced,
                    metadata_only: r.metadata_only,
                }),
                Source::Path(path) => schema::Source::Path(path),
                Source::Discovery => schema::Source::Discovery,
            },
        }
    }
}

impl From<Column> for schema::Column {
    fn from(c: Column) -> Self {
        use self::generated::kubequery::table::types::ColumnOptions as O;
        schema::Column {
            name: c.name,
            ty: match c.type_ {
                ColumnType::Text => schema::ColumnType::Text,
                ColumnType::Integer => schema::ColumnType::Integer,
                ColumnType::Bigint => schema::ColumnType::BigInt,
                ColumnType::Double => schema::ColumnType::Double,
            },
            description: c.description,
            options: schema::ColumnOptions {
                index: c.options.contains(O::INDEX),
                required: c.options.contains(O::REQUIRED),
                hidden: c.options.contains(O::HIDDEN),
                json: c.options.contains(O::JSON),
            },
            pushdown: c.pushdown.map(|p| match p {
                Pushdown::Namespace => schema::Pushdown::Namespace,
                Pushdown::Name => schema::Pushdown::Name,
                Pushdown::FieldSelector(path) => schema::Pushdown::FieldSelector(path),
                Pushdown::LabelSelector => schema::Pushdown::LabelSelector,
            }),
        }
    }
}
