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
//! use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
//! use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, view};
//!
//! #[view]
//! struct ConfigMap<'a> {
//!     metadata: ObjectMeta<'a>,
//!     binary_data: Option<&'a RawValue>,
//! }
//!
//! struct ConfigMaps;
//! impl ObjectTable for ConfigMaps {
//!     const NAME: &'static str = "kubernetes_config_maps";
//!     const DESCRIPTION: &'static str = "ConfigMaps (metadata only).";
//!     const SOURCE: Source = Source::resource("", "v1", "configmaps", "ConfigMap").namespaced();
//!     type Item<'a> = ConfigMap<'a>;
//!     fn write(r: &mut Row, cm: &ConfigMap) {
//!         object_columns(r, &cm.metadata); // uid, cluster, name, namespace, labels, …
//!         r.json(col("binary_data", "binaryData"), cm.binary_data);
//!     }
//! }
//!
//! kubequery_table_sdk::export_table!(ConfigMaps);
//! ```
//!
//! Tables with several rows per object (containers, volumes, rules) implement [`Table`]
//! directly. Every table listing a resource ends with the hidden `label_selector` column,
//! which the SDK adds.

// `#[view]` expands to paths under `::kubequery_table_sdk`, which must resolve here too.
extern crate self as kubequery_table_sdk;

pub mod container;
pub mod json;
pub mod list;
pub mod meta;
pub mod pod;
mod row;
mod schema;
pub mod time;
pub mod uuid;
pub mod volume;

pub use list::PageError;
pub use row::{Row, Rows};
pub use schema::{Col, Pushdown, Source, col};
pub use serde_json::value::RawValue;

/// Makes a struct a borrowing serde view of Kubernetes JSON, with the attributes every view
/// needs written for you:
///
/// - `Deserialize` and `Default`, with fields in `camelCase` (`#[serde(rename = "podIP")]`
///   where Kubernetes spells a field otherwise; an explicit `rename_all` wins);
/// - strings (`Cow<'a, str>`) and sub-documents (`&'a RawValue`) borrowed from the page
///   rather than copied, for every field with a lifetime;
/// - a field that is not an `Option` reads `null` or a missing value as its default, since
///   the API server writes `null` for nil slices and maps.
///
/// ```ignore
/// #[view]
/// struct Status<'a> {
///     phase: Option<Cow<'a, str>>,           // missing or null: None
///     conditions: Option<&'a RawValue>,      // the JSON text, borrowed
///     #[serde(rename = "podIP")]
///     pod_ip: Option<Cow<'a, str>>,
///     container_statuses: Vec<ContainerStatus<'a>>, // missing or null: empty
/// }
/// ```
pub use kubequery_table_sdk_macros::view;

// What `#[view]` derives with, so that a table needs no serde dependency of its own.
#[doc(hidden)]
pub use serde;

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
    /// One item of the List page, as a borrowing serde view (see [`view`]).
    type Item<'a>: serde::Deserialize<'a>;

    /// Writes one row built from empty inputs. Its column calls define the schema, so it
    /// must make the same calls, in the same order, as [`Table::rows`] does for every row.
    fn describe(row: &mut Row);

    /// Appends the rows of one item.
    fn rows(item: &Self::Item<'_>, rows: &mut Rows);

    /// Converts one page. The default parses what [`Table::SOURCE`] serves — a List
    /// (`{"items": [...]}`) of a resource, whose every item goes to [`Table::rows`], or the one
    /// document of a path or of discovery, which is the item — so few tables override it.
    fn page(page: &[u8], rows: &mut Rows) -> Result<(), PageError> {
        let parse_error = |e| PageError::parse(Self::SOURCE, e);
        if Self::SOURCE.lists_objects() {
            let list: list::List<Self::Item<'_>> = serde_json::from_slice(page).map_err(parse_error)?;
            for item in &list.items {
                Self::rows(item, rows);
            }
        } else {
            Self::rows(&serde_json::from_slice(page).map_err(parse_error)?, rows);
        }
        Ok(())
    }
}

/// A table with one row per object: the common case, written as a single `write` function
/// that both declares the columns (called with an empty object) and fills them.
pub trait ObjectTable {
    /// SQL table name, e.g. `kubernetes_config_maps`.
    const NAME: &'static str;
    /// One line saying what a row is.
    const DESCRIPTION: &'static str;
    /// What the host fetches for this table.
    const SOURCE: Source;
    /// One object of the List page, as a borrowing serde view (see [`view`]). `Default` is
    /// the empty object `write` declares the columns with.
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
        columns: Row::columns_of::<T>(),
        source: T::SOURCE.to_wit(),
    }
}

/// Runs `T` over one page.
pub fn rows_of<T: Table>(page: &[u8], cluster: &Cluster) -> Result<Vec<Vec<Cell>>, PageError> {
    let mut rows = Rows::new::<T>(cluster);
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
                    $crate::rows_of::<super::KubequeryTable>(&page, &cluster).map_err(|e| e.to_string())
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
                $crate::rows_of::<super::KubequeryTable>(page, cluster).map_err(|e| e.to_string())
            }
        }
    };
}

#[cfg(test)]
mod view_tests {
    use std::borrow::Cow;

    use super::{RawValue, view};

    #[view]
    struct Pod<'a> {
        spec: Spec<'a>,
        status: Status<'a>,
    }

    #[view]
    struct Spec<'a> {
        node_name: Option<Cow<'a, str>>,
        host_network: bool,
        volumes: Vec<&'a RawValue>,
    }

    #[view]
    struct Status<'a> {
        #[serde(rename = "podIP")]
        pod_ip: Option<Cow<'a, str>>,
        container_statuses: Vec<Name<'a>>,
    }

    #[view]
    struct Name<'a> {
        name: Cow<'a, str>,
    }

    #[view]
    #[serde(rename_all = "snake_case")]
    struct SnakeCase {
        restart_count: i64,
    }

    #[test]
    fn fields_are_camel_case_and_renames_hold() {
        let pod: Pod = serde_json::from_str(
            r#"{"spec":{"nodeName":"n1","hostNetwork":true},"status":{"podIP":"10.0.0.1","containerStatuses":[{"name":"app"}]}}"#,
        )
        .expect("parses");
        assert_eq!(pod.spec.node_name.as_deref(), Some("n1"));
        assert!(pod.spec.host_network);
        assert_eq!(pod.status.pod_ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(pod.status.container_statuses[0].name, "app");
    }

    #[test]
    fn missing_and_null_read_as_default() {
        for doc in ["{}", r#"{"spec":null,"status":null}"#, r#"{"spec":{"hostNetwork":null,"volumes":null}}"#] {
            let pod: Pod = serde_json::from_str(doc).expect(doc);
            assert!(!pod.spec.host_network && pod.spec.volumes.is_empty() && pod.spec.node_name.is_none(), "{doc}");
            assert!(pod.status.container_statuses.is_empty(), "{doc}");
        }
    }

    #[test]
    fn strings_and_documents_are_borrowed_from_the_page() {
        let page = r#"{"spec":{"nodeName":"n1","volumes":[{"name":"v"}]}}"#;
        let pod: Pod = serde_json::from_str(page).expect("parses");
        assert!(matches!(pod.spec.node_name, Some(Cow::Borrowed("n1"))));
        let volume = pod.spec.volumes[0].get();
        assert!(page.as_bytes().as_ptr_range().contains(&volume.as_ptr()), "the document points into the page");
        let status: Status = serde_json::from_str(r#"{"containerStatuses":[{"name":"app"}]}"#).expect("parses");
        assert!(matches!(status.container_statuses[0].name, Cow::Borrowed("app")));
    }

    #[test]
    fn escaped_strings_are_decoded_and_null_strings_are_empty() {
        let status: Status =
            serde_json::from_str(r#"{"podIP":"a\"b\u003c","containerStatuses":[{"name":null},{}]}"#).expect("parses");
        assert_eq!(status.pod_ip.as_deref(), Some("a\"b<"));
        assert!(status.container_statuses.iter().all(|c| c.name.is_empty()));
    }

    #[test]
    fn an_explicit_rename_all_wins() {
        let row: SnakeCase = serde_json::from_str(r#"{"restart_count":3}"#).expect("parses");
        assert_eq!(row.restart_count, 3);
    }
}
