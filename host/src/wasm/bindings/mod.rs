//! The host's bindings, one module per `kubequery:table` release it loads, each converting
//! its generated types into the host's own (`crate::schema`).
//!
//! A release's generated types are distinct Rust types even where the WIT is unchanged, so
//! what every release shares (linking, `schema()`, the `log` import, schema conversions) is
//! written once, in [`common!`], and expanded in each module.

pub(crate) mod v0_1;
pub(crate) mod v0_2;

/// What every release shares: its instantiation recipe (`Pre`), `schema()`, table schemas
/// converted in, and the `host` interface (`log`). Expanded inside a version's module, next to
/// its `generated` bindings.
macro_rules! common {
    () => {
        use self::generated::{TableComponent as World, TableComponentPre as WorldPre};

        pub(crate) type Pre = WorldPre<crate::wasm::sandbox::Sandbox>;
        pub(crate) type Instance = World;

        /// Links the component with the host's `log` and type-checks it once.
        pub(crate) fn pre(
            linker: &mut wasmtime::component::Linker<crate::wasm::sandbox::Sandbox>,
            component: &wasmtime::component::Component,
        ) -> wasmtime::Result<Pre> {
            World::add_to_linker::<crate::wasm::sandbox::Sandbox, wasmtime::component::HasSelf<_>>(linker, |s| s)?;
            WorldPre::new(linker.instantiate_pre(component)?)
        }

        /// Calls `schema()`.
        pub(crate) fn schema(
            instance: &Instance,
            store: &mut wasmtime::Store<crate::wasm::sandbox::Sandbox>,
        ) -> wasmtime::Result<crate::schema::TableSchema> {
            Ok(instance.kubequery_table_table().call_schema(store)?.into())
        }

        impl self::generated::kubequery::table::types::Host for crate::wasm::sandbox::Sandbox {}

        impl self::generated::kubequery::table::host::Host for crate::wasm::sandbox::Sandbox {
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

        impl From<self::generated::kubequery::table::types::TableSchema> for crate::schema::TableSchema {
            fn from(s: self::generated::kubequery::table::types::TableSchema) -> Self {
                use self::generated::kubequery::table::types::Source;
                use crate::schema;
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

        impl From<self::generated::kubequery::table::types::Column> for crate::schema::Column {
            fn from(c: self::generated::kubequery::table::types::Column) -> Self {
                use self::generated::kubequery::table::types::{ColumnOptions as O, ColumnType, Pushdown};
                use crate::schema;
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
    };
}

use common;
