//! Write kubequery tables as WebAssembly components.
//!
//! A table is a pure function from one raw Kubernetes List page to rows. This crate gives a
//! table everything but its own columns:
//!
//! - typed, borrowing views of Kubernetes objects ([`meta`], [`pod`], [`container`]) that parse
//!   only what a table reads and borrow strings and JSON sub-documents straight from the page;
//! - a [`Row`] writer whose column calls define both the schema and the cells, so the two can
//!   never drift apart;
//! - kubequery's value rules (timestamps as Unix seconds, booleans as 0/1, JSON as compact
//!   text, empty as NULL) and its shared column groups, written once;
//! - [`export_table!`], which turns a [`Table`] into a component implementing
//!   `kubequery:table@0.1.0`.
//!
//! ```ignore
//! use kubequery_table_sdk::meta::{ObjectMeta, Scope, object_columns};
//! use kubequery_table_sdk::{ObjectTable, Row, Source};
//!
//! #[derive(serde::Deserialize, Default)]
//! struct ConfigMap<'a> {
//!     #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
//!     metadata: ObjectMeta<'a>,
//! }
//!
//! struct ConfigMaps;
//! impl ObjectTable for ConfigMaps {
//!     const NAME: &'static str = "kubernetes_config_maps";
//!     const DESCRIPTION: &'static str = "ConfigMaps (metadata only).";
//!     const SOURCE: Source = Source::resource("", "v1", "configmaps", "ConfigMap").namespaced();
//!     type Item<'a> = ConfigMap<'a>;
//!     fn write(r: &mut Row, cm: &ConfigMap) {
//!         object_columns(r, &cm.metadata, Scope::Namespaced);
//!     }
//! }
//!
//! kubequery_table_sdk::export_table!(ConfigMaps);
//! ```
//!
//! Tables with several rows per object (containers, volumes, rules) implement [`Table`]
//! directly.

pub mod admission;
pub mod batch;
pub mod container;
pub mod json;
pub mod list;
pub mod meta;
pub mod pod;
pub mod rbac;
mod row;
mod schema;
pub mod time;
pub mod uuid;
pub mod volume;
pub mod workload;

pub use row::{Row, Rows};
pub use schema::{Col, Pushdown, Source, col};
pub use serde_json::value::RawValue;

/// Bindings generated from `wit/v0.1.0`, for tables that need the raw interface.
#[allow(missing_docs, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/v0.1.0",
        world: "table-component",
        pub_export_macro: true,
        export_macro_name: "export_component",
        default_bindings_module: "kubequery_table_sdk::bindings",
    });
}

pub use bindings::kubequery::table::host::log;
pub use bindings::kubequery::table::types::{Cell, Cluster, Level};

/// A kubequery table: what it reads, and how one input object becomes rows.
pub trait Table {
    /// SQL table name, e.g. `kubernetes_pods`.
    const NAME: &'static str;
    /// One line saying what a row is.
    const DESCRIPTION: &'static str;
    /// What the host fetches for this table.
    const SOURCE: Source;
    /// One item of the List page, as a borrowing serde view.
    type Item<'a>: serde::Deserialize<'a>;

    /// Writes one row built from empty inputs. Its column calls define the schema, so it
    /// must make the same calls, in the same order, as [`Table::rows`] does for every row.
    fn describe(row: &mut Row);

    /// Appends the rows of one item.
    fn rows(item: &Self::Item<'_>, rows: &mut Rows);

    /// Converts one page. The default parses a List (`{"items": [...]}`) and calls
    /// [`Table::rows`] for each item; tables reading a fixed path override it.
    fn page(page: &[u8], rows: &mut Rows) -> Result<(), String> {
        let list: list::List<Self::Item<'_>> =
            serde_json::from_slice(page).map_err(|e| list::page_error(Self::SOURCE, &e))?;
        for item in &list.items {
            Self::rows(item, rows);
        }
        Ok(())
    }
}

/// A table with one row per object: the common case, written as a single `write` function
/// that both declares the columns (called with an empty object) and fills them.
pub trait ObjectTable {
    const NAME: &'static str;
    const DESCRIPTION: &'static str;
    const SOURCE: Source;
    type Item<'a>: serde::Deserialize<'a> + Default;

    /// Writes the row of one object.
    fn write(row: &mut Row, item: &Self::Item<'_>);
}

impl<T: ObjectTable> Table for T {
    const NAME: &'static str = T::NAME;
    const DESCRIPTION: &'static str = T::DESCRIPTION;
    const SOURCE: Source = T::SOURCE;
    type Item<'a> = T::Item<'a>;

    fn describe(row: &mut Row) {
        T::write(row, &Default::default());
    }

    fn rows(item: &Self::Item<'_>, rows: &mut Rows) {
        rows.row(|r| T::write(r, item));
    }
}

/// The schema of `T`, as the host sees it.
pub fn schema_of<T: Table>() -> bindings::kubequery::table::types::TableSchema {
    bindings::kubequery::table::types::TableSchema {
        name: T::NAME.to_string(),
        description: T::DESCRIPTION.to_string(),
        columns: Row::columns_of(T::describe),
        source: T::SOURCE.to_wit(),
    }
}

/// Runs `T` over one page.
pub fn rows_of<T: Table>(page: &[u8], cluster: &Cluster) -> Result<Vec<Vec<Cell>>, String> {
    let width = Row::columns_of(T::describe).len();
    let mut rows = Rows::new(cluster, width);
    T::page(page, &mut rows)?;
    Ok(rows.into_inner())
}

/// Exports a [`Table`] as the component's `kubequery:table/table` implementation.
///
/// Built for another target than wasm32, the crate instead exposes the same two functions as
/// `kubequery_native::{schema, rows}`, so that the benchmark can run the very same table code
/// natively beside the component.
#[macro_export]
macro_rules! export_table {
    ($table:ty) => {
        type KubequeryTable = $table;

        #[cfg(target_arch = "wasm32")]
        mod kubequery_export {
            struct KubequeryTableExport;

            impl $crate::bindings::exports::kubequery::table::table::Guest for KubequeryTableExport {
                fn schema() -> $crate::bindings::kubequery::table::types::TableSchema {
                    $crate::schema_of::<super::KubequeryTable>()
                }

                fn rows(
                    page: ::std::vec::Vec<u8>,
                    cluster: $crate::Cluster,
                ) -> ::std::result::Result<::std::vec::Vec<::std::vec::Vec<$crate::Cell>>, ::std::string::String>
                {
                    $crate::rows_of::<super::KubequeryTable>(&page, &cluster)
                }
            }

            $crate::bindings::export_component!(KubequeryTableExport);
        }

        #[cfg(not(target_arch = "wasm32"))]
        #[doc(hidden)]
        pub mod kubequery_native {
            pub fn schema() -> $crate::bindings::kubequery::table::types::TableSchema {
                $crate::schema_of::<super::KubequeryTable>()
            }

            pub fn rows(
                page: &[u8],
                cluster: &$crate::Cluster,
            ) -> ::std::result::Result<::std::vec::Vec<::std::vec::Vec<$crate::Cell>>, ::std::string::String> {
                $crate::rows_of::<super::KubequeryTable>(page, cluster)
            }
        }
    };
}
