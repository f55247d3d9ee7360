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
//!   `kubequery:table@0.2.2`: rows packed into one buffer, only the columns the statement
//!   reads computed, an object that does not parse reported alone instead of failing its
//!   page, and where each object's rows end, so that the host can reuse the rows of objects
//!   that have not changed. Built with the `wit-0-1` feature, the same table implements `kubequery:table@0.1.0`
//!   instead, for hosts older than 0.2.
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
pub mod packed;
pub mod pod;
mod row;
mod schema;
pub mod time;
pub mod uuid;
pub mod volume;

pub use list::PageError;
pub use row::{Request, Row, Rows};
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

/// Bindings generated from `wit/v0.2.2`'s `object-rows-component` world (0.2.0's
/// `table-component` and the `object-rows` interface), for tables that need the raw interface.
#[cfg(not(feature = "wit-0-1"))]
#[allow(missing_docs, clippy::all)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/v0.2.2",
        world: "object-rows-component",
        pub_export_macro: true,
        export_macro_name: "export_component",
        default_bindings_module: "kubequery_table_sdk::bindings",
    });
}

/// Bindings generated from `wit/v0.1.0` (the `wit-0-1` feature), for tables that need the
/// raw interface.
#[cfg(feature = "wit-0-1")]
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

/// The WIT release the component implements: `0.2.2`, or `0.1.0` with the `wit-0-1` feature.
pub const WIT_VERSION: &str = if cfg!(feature = "wit-0-1") { "0.1.0" } else { "0.2.2" };

pub use bindings::kubequery::table::host::log;
pub use bindings::kubequery::table::types::{ApiResource, Cluster, Level};

/// An object of the page the table left out, and why (`object-error` in the WIT).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectError {
    /// Position of the object in the page's `items`.
    pub index: u32,
    /// Its namespace, or empty.
    pub namespace: String,
    /// Its name, or empty.
    pub name: String,
    /// Why it was left out.
    pub message: String,
}

/// The rows of one page (`page-rows` in the WIT): `count` rows of packed cells (see
/// [`packed`]) and the objects left out.
#[derive(Debug, Default)]
pub struct PageRows {
    /// Number of rows.
    pub count: u32,
    /// The rows' cells, packed.
    pub cells: Vec<u8>,
    /// Objects left out, each with why.
    pub errors: Vec<ObjectError>,
    /// The row count after each item of the page (`object-rows` in the WIT): item `i`'s rows
    /// are rows `ends[i-1]..ends[i]`.
    pub ends: Vec<u32>,
}

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
    ///
    /// An item that does not parse as [`Table::Item`] is left out with [`Rows::skip`], so
    /// that one malformed object (a CRD object written by a buggy controller) costs its own
    /// row, not the page's. The whole List is parsed in one pass first; only a page with a
    /// bad item is parsed again item by item. Each item's rows end with
    /// [`Rows::end_object`]; a table that overrides this must mark them too, or its rows
    /// are never kept per object.
    fn page(page: &[u8], rows: &mut Rows) -> Result<(), PageError> {
        let parse_error = |e| PageError::parse(Self::SOURCE, e);
        if !Self::SOURCE.lists_objects() {
            Self::rows(&serde_json::from_slice(page).map_err(parse_error)?, rows);
            rows.end_object();
            return Ok(());
        }
        match serde_json::from_slice::<list::List<Self::Item<'_>>>(page) {
            Ok(list) => list.items.iter().for_each(|item| {
                Self::rows(item, rows);
                rows.end_object();
            }),
            Err(whole) => {
                // Not even a List of JSON values: the page itself is broken.
                let list: list::List<&RawValue> = serde_json::from_slice(page).map_err(|_| parse_error(whole))?;
                for (index, object) in list.items.iter().enumerate() {
                    match serde_json::from_str::<Self::Item<'_>>(object.get()) {
                        Ok(item) => Self::rows(&item, rows),
                        Err(e) => {
                            rows.skip(index, object, format_args!("not a valid {}: {e}", Self::SOURCE.describe()))
                        }
                    }
                    rows.end_object();
                }
            }
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
pub fn rows_of<T: Table>(page: &[u8], request: &Request) -> Result<PageRows, PageError> {
    let mut rows = Rows::new::<T>(request);
    T::page(page, &mut rows)?;
    let (cells, count, errors, ends) = rows.into_parts();
    Ok(PageRows { count, cells, errors, ends })
}

/// The request of a `kubequery:table@0.2` call, in the SDK's terms.
#[cfg(not(feature = "wit-0-1"))]
#[doc(hidden)]
pub fn request_of(request: bindings::kubequery::table::types::PageRequest) -> Request {
    let columns = packed::ColumnSet::from_positions(request.columns.iter().map(|&c| c as usize));
    Request { cluster: request.cluster, columns, resource: request.resource }
}

/// The rows of a `kubequery:table@0.2` call.
#[cfg(not(feature = "wit-0-1"))]
#[doc(hidden)]
pub fn page_rows_to_wit(rows: PageRows) -> bindings::kubequery::table::types::PageRows {
    rows_by_object_to_wit(rows).rows
}

/// The rows of a `kubequery:table@0.2.2` `object-rows` call.
#[cfg(not(feature = "wit-0-1"))]
#[doc(hidden)]
pub fn rows_by_object_to_wit(rows: PageRows) -> bindings::exports::kubequery::table::object_rows::ObjectPageRows {
    use bindings::kubequery::table::types as wit;
    let errors = rows
        .errors
        .into_iter()
        .map(|e| wit::ObjectError { index: e.index, namespace: e.namespace, name: e.name, message: e.message })
        .collect();
    let page_rows = wit::PageRows { count: rows.count, cells: rows.cells, errors };
    bindings::exports::kubequery::table::object_rows::ObjectPageRows { rows: page_rows, ends: rows.ends }
}

/// Runs `T` over one page for a `kubequery:table@0.1` host: every column, one lifted value
/// per cell. 0.1 has no per-object errors, so a left-out object is logged as a warning.
#[cfg(feature = "wit-0-1")]
#[doc(hidden)]
pub fn rows_v0_1<T: Table>(
    page: &[u8],
    cluster: Cluster,
) -> Result<Vec<Vec<bindings::kubequery::table::types::Cell>>, String> {
    use bindings::kubequery::table::types::Cell;
    let width = Row::columns_of::<T>().len();
    let resource = match T::SOURCE.to_wit() {
        bindings::kubequery::table::types::Source::Resource(r) => Some(r),
        _ => None,
    };
    let request = Request { cluster, columns: packed::ColumnSet::all(width), resource };
    let rows = rows_of::<T>(page, &request).map_err(|e| e.to_string())?;
    for e in &rows.errors {
        log(Level::Warn, &format!("skipped {}/{} (item {}): {}", e.namespace, e.name, e.index, e.message));
    }
    let mut cells = packed::Cells::new(&rows.cells);
    let mut out = Vec::with_capacity(rows.count as usize);
    for _ in 0..rows.count {
        let row = (0..width)
            .map(|_| match cells.next() {
                Some(packed::Cell::Null) | None => Cell::Null,
                Some(packed::Cell::Integer(v)) => Cell::Integer(v),
                Some(packed::Cell::Double(v)) => Cell::Double(v),
                Some(packed::Cell::Text(s)) => Cell::Text(s.to_string()),
            })
            .collect();
        out.push(row);
    }
    Ok(out)
}

/// Exports a [`Table`] as the component's `kubequery:table/table` implementation (and
/// `object-rows`) of `kubequery:table@0.2.2`, or `table` of `@0.1.0` when the SDK is built
/// with the `wit-0-1` feature.
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
            use $crate::bindings::kubequery::table::types as wit;

            struct KubequeryTableExport;

            impl $crate::bindings::exports::kubequery::table::table::Guest for KubequeryTableExport {
                fn schema() -> wit::TableSchema {
                    $crate::schema_of::<super::KubequeryTable>()
                }

                $crate::__export_rows!();
            }

            $crate::__export_object_rows!(KubequeryTableExport);

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
                request: &$crate::Request,
            ) -> ::std::result::Result<$crate::PageRows, ::std::string::String> {
                $crate::rows_of::<super::KubequeryTable>(page, request).map_err(|e| e.to_string())
            }
        }
    };
}

/// The `rows` export of `kubequery:table@0.2.2`, inside [`export_table!`].
#[cfg(not(feature = "wit-0-1"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __export_rows {
    () => {
        fn rows(
            page: ::std::vec::Vec<u8>,
            request: wit::PageRequest,
        ) -> ::std::result::Result<wit::PageRows, ::std::string::String> {
            let request = $crate::request_of(request);
            $crate::rows_of::<super::KubequeryTable>(&page, &request)
                .map($crate::page_rows_to_wit)
                .map_err(|e| e.to_string())
        }
    };
}

/// The `object-rows` export of `kubequery:table@0.2.2`, inside [`export_table!`].
#[cfg(not(feature = "wit-0-1"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __export_object_rows {
    ($export:ident) => {
        impl $crate::bindings::exports::kubequery::table::object_rows::Guest for $export {
            fn rows_by_object(
                page: ::std::vec::Vec<u8>,
                request: wit::PageRequest,
            ) -> ::std::result::Result<
                $crate::bindings::exports::kubequery::table::object_rows::ObjectPageRows,
                ::std::string::String,
            > {
                let request = $crate::request_of(request);
                $crate::rows_of::<super::KubequeryTable>(&page, &request)
                    .map($crate::rows_by_object_to_wit)
                    .map_err(|e| e.to_string())
            }
        }
    };
}

/// 0.1.0 has no `object-rows`.
#[cfg(feature = "wit-0-1")]
#[doc(hidden)]
#[macro_export]
macro_rules! __export_object_rows {
    ($export:ident) => {};
}

/// The `rows` export of `kubequery:table@0.1.0` (the `wit-0-1` feature), inside
/// [`export_table!`].
#[cfg(feature = "wit-0-1")]
#[doc(hidden)]
#[macro_export]
macro_rules! __export_rows {
    () => {
        fn rows(
            page: ::std::vec::Vec<u8>,
            cluster: wit::Cluster,
        ) -> ::std::result::Result<::std::vec::Vec<::std::vec::Vec<wit::Cell>>, ::std::string::String> {
            $crate::rows_v0_1::<super::KubequeryTable>(&page, cluster)
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

#[cfg(test)]
mod page_tests {
    use std::borrow::Cow;

    use super::packed::{Cell, Cells, ColumnSet};
    use super::{ObjectTable, RawValue, Request, Row, Source, col, rows_of, view};
    use crate::Cluster;

    #[view]
    struct Widget<'a> {
        name: Cow<'a, str>,
        size: Option<i64>,
        spec: Option<&'a RawValue>,
    }

    struct Widgets;

    impl ObjectTable for Widgets {
        const NAME: &'static str = "widgets";
        const DESCRIPTION: &'static str = "Widgets.";
        const SOURCE: Source = Source::resource("example.com", "v1", "widgets", "Widget");
        type Item<'a> = Widget<'a>;

        fn write(r: &mut Row, w: &Widget) {
            // Describing the columns reads every one; a row reads what the request names.
            let name = r.reads_next().then_some(w.name.as_ref());
            r.text(col("name", "name"), name);
            r.bigint(col("size", "size"), w.size);
            r.json(col("spec", "spec"), w.spec);
        }
    }

    fn request(columns: &[usize]) -> Request {
        let cluster = Cluster { name: "c".into(), uid: "u".into() };
        Request { cluster, columns: ColumnSet::from_positions(columns.iter().copied()), resource: None }
    }

    const PAGE: &str = r#"{"items":[{"name":"a","size":1,"spec":{ "x": 1 }},{"name":"b","size":"big"},{"name":"c"}]}"#;

    #[test]
    fn unread_columns_are_null_and_read_ones_full() {
        // Columns: name, size, spec, label_selector. Reading name and spec only.
        let rows = rows_of::<Widgets>(br#"{"items":[{"name":"a","size":1,"spec":{ "x": 1 }}]}"#, &request(&[0, 2]))
            .expect("valid page");
        assert_eq!(rows.count, 1);
        let cells: Vec<Cell> = Cells::new(&rows.cells).collect();
        assert_eq!(cells, [Cell::Text("a"), Cell::Null, Cell::Text(r#"{"x":1}"#), Cell::Null]);
        // `reads_next` said no for the name when only the size is read.
        let rows = rows_of::<Widgets>(br#"{"items":[{"name":"a","size":1}]}"#, &request(&[1])).expect("valid");
        assert_eq!(Cells::new(&rows.cells).collect::<Vec<_>>(), [Cell::Null, Cell::Integer(1), Cell::Null, Cell::Null]);
        assert_eq!(super::Row::columns_of::<Widgets>().len(), 4, "describing reads every column");
    }

    #[test]
    fn a_malformed_object_is_reported_alone() {
        let rows = rows_of::<Widgets>(PAGE.as_bytes(), &request(&[0, 1])).expect("the page itself is valid");
        assert_eq!(rows.count, 2, "a and c");
        let names: Vec<Cell> = Cells::new(&rows.cells).step_by(4).collect();
        assert_eq!(names, [Cell::Text("a"), Cell::Text("c")]);
        assert_eq!(rows.errors.len(), 1);
        let error = &rows.errors[0];
        assert_eq!((error.index, error.name.as_str(), error.namespace.as_str()), (1, "", ""));
        assert!(error.message.starts_with("not a valid example.com/v1 Widget: invalid type"), "{}", error.message);
    }

    #[test]
    fn a_page_that_is_not_a_list_still_fails_whole() {
        let error = rows_of::<Widgets>(b"[1, 2", &request(&[0])).err().expect("not JSON");
        assert!(error.to_string().starts_with("page is not a valid example.com/v1 Widget list"), "{error}");
    }
}
