//! The generic resource table: one component that serves every resource no typed table
//! covers — CRDs and built-in APIs alike — as `k8s_<plural>[_<group>]` tables
//! (docs/generic-tables.md). The host gives each such table this component's columns and its
//! own resource; the rows are the same for every kind: the common metadata columns, then
//! `api_version`, `kind`, and `spec`, `status` and the whole object as JSON.
//!
//! It implements `kubequery:table@0.2.1`'s `path-columns-component` world: the host appends
//! the columns of a CRD's `additionalPrinterColumns` to a table's schema and passes their
//! JSONPaths with each page (`rows-with`), which this component evaluates as the API server
//! does ([`jsonpath`]).

mod jsonpath;

use std::borrow::Cow;
use std::cell::RefCell;

use kubequery_table_sdk::bindings::kubequery::table::types::{ColumnType, PageRequest, PageRows, TableSchema};
use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::serde::{self, Deserialize, Deserializer};
use kubequery_table_sdk::{ApiResource, Level, RawValue, Row, Rows, Source, Table, col, log, view};
use serde_json::Value;

use self::bindings::exports::kubequery::table::path_columns::PathColumn;
use self::jsonpath::Path;

/// The `path-columns-component` world of `kubequery:table@0.2.1`, sharing the SDK's types and
/// `log` import (the SDK implements the same release's `table-component` world).
#[allow(missing_docs, clippy::all)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/v0.2.1",
        world: "path-columns-component",
        with: {
            "kubequery:table/types@0.2.1": kubequery_table_sdk::bindings::kubequery::table::types,
            "kubequery:table/host@0.2.1": kubequery_table_sdk::bindings::kubequery::table::host,
        },
    });
}

/// The fields every object has, whatever its kind.
#[view]
struct Fields<'a> {
    api_version: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    metadata: ObjectMeta<'a>,
    spec: Option<&'a RawValue>,
    status: Option<&'a RawValue>,
}

/// One object: its fields, and its whole text for the `object` column.
#[derive(Default)]
struct Object<'a> {
    whole: Option<&'a RawValue>,
    fields: Fields<'a>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Object<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let whole = <&'de RawValue>::deserialize(deserializer)?;
        let fields = serde_json::from_str(whole.get()).map_err(serde::de::Error::custom)?;
        Ok(Object { whole: Some(whole), fields })
    }
}

/// A column the host added, with its path parsed (`None`: the path was not understood, and
/// the column is NULL).
struct Added {
    ty: ColumnType,
    path: Option<Path>,
}

thread_local! {
    /// The columns the host added for the call being served: `Table::rows` takes no state,
    /// and a component serves one call at a time.
    static ADDED: RefCell<Vec<Added>> = const { RefCell::new(Vec::new()) };
}

struct Generic;

impl Generic {
    /// The row of `object`, a `resource` (whose version and kind a List's items may omit).
    fn write(r: &mut Row, object: &Object, resource: Option<&ApiResource>) {
        let fields = &object.fields;
        object_columns(r, &fields.metadata);
        let api_version = fields.api_version.clone().or_else(|| {
            resource.map(|res| {
                if res.group.is_empty() {
                    Cow::Owned(res.version.clone())
                } else {
                    Cow::Owned(format!("{}/{}", res.group, res.version))
                }
            })
        });
        r.text(col("api_version", "apiVersion"), api_version.as_deref());
        let kind = fields.kind.as_deref().or(resource.map(|res| res.kind.as_str()));
        r.text(col("kind", "kind"), kind);
        r.json(col("spec", "spec"), fields.spec);
        r.json(col("status", "status"), fields.status);
        r.json(col("object", "the whole object"), object.whole);
    }
}

impl Table for Generic {
    /// The template's name: the host names each table it serves after its resource.
    const NAME: &'static str = "kubequery_generic";
    const DESCRIPTION: &'static str = "Objects of one resource no typed table covers, one row each.";
    /// A placeholder: the host gives each table it serves its own resource.
    const SOURCE: Source = Source::resource("kubequery.io", "v1", "generic", "Generic").namespaced();
    type Item<'a> = Object<'a>;

    fn describe(row: &mut Row) {
        Self::write(row, &Object::default(), None);
    }

    fn rows(object: &Object, rows: &mut Rows) {
        let resource = rows.resource().cloned();
        ADDED.with_borrow(|added| {
            rows.row_and(|r| Self::write(r, object, resource.as_ref()), |r| write_added(r, added, object.whole))
        });
    }
}

/// The cells of the columns the host added, for `object`, parsed only if one is read.
fn write_added(r: &mut Row, added: &[Added], object: Option<&RawValue>) {
    const ADDED_COLUMN: kubequery_table_sdk::Col = col("added", "a column the host added");
    let mut document: Option<Value> = None;
    for column in added {
        let found = match &column.path {
            Some(path) if r.reads_next() => {
                let root = document.get_or_insert_with(|| {
                    object.and_then(|raw| serde_json::from_str(raw.get()).ok()).unwrap_or(Value::Null)
                });
                path.find(root)
            }
            _ => Vec::new(),
        };
        match column.ty {
            ColumnType::Text => r.string(ADDED_COLUMN, text_of(&found)),
            ColumnType::Integer | ColumnType::Bigint => r.bigint(ADDED_COLUMN, single(&found).and_then(integer_of)),
            ColumnType::Double => r.double(ADDED_COLUMN, single(&found).and_then(double_of)),
        }
    }
}

/// The one value found; several are no number.
fn single<'v>(found: &[&'v Value]) -> Option<&'v Value> {
    match found {
        [value] => Some(value),
        _ => None,
    }
}

/// Strings as they are, other values as JSON; several values separated by spaces, as kubectl
/// prints a JSONPath's results.
fn text_of(found: &[&Value]) -> Option<String> {
    let texts: Vec<Cow<str>> = found
        .iter()
        .filter(|value| !value.is_null())
        .map(|value| match value {
            Value::String(s) => Cow::Borrowed(s.as_str()),
            other => Cow::Owned(other.to_string()),
        })
        .collect();
    (!texts.is_empty()).then(|| texts.join(" "))
}

/// A whole number, a boolean as 0/1, a date-time as Unix seconds, or a string holding a
/// whole number.
fn integer_of(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => {
            n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18).map(|f| f as i64))
        }
        Value::Bool(b) => Some(i64::from(*b)),
        Value::String(s) => kubequery_table_sdk::time::unix_seconds(s).or_else(|| s.trim().parse().ok()),
        _ => None,
    }
}

/// A number, a boolean as 0/1, or a string holding a number.
fn double_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::String(s) => s.trim().parse().ok().filter(|f: &f64| f.is_finite()),
        _ => None,
    }
}

/// Serves one page with `columns` added after the schema's own.
fn serve(page: Vec<u8>, request: PageRequest, columns: Vec<PathColumn>) -> Result<PageRows, String> {
    let added = columns
        .into_iter()
        .map(|column| {
            let path = Path::parse(&column.json_path)
                .map_err(|e| {
                    log(Level::Warn, &format!("column {}: JSONPath not understood, left NULL: {e}", column.name))
                })
                .ok();
            Added { ty: column.type_, path }
        })
        .collect();
    ADDED.set(added);
    let request = kubequery_table_sdk::request_of(request);
    let rows = kubequery_table_sdk::rows_of::<Generic>(&page, &request);
    ADDED.set(Vec::new());
    rows.map(kubequery_table_sdk::page_rows_to_wit).map_err(|e| e.to_string())
}

struct Export;

impl bindings::exports::kubequery::table::table::Guest for Export {
    fn schema() -> TableSchema {
        kubequery_table_sdk::schema_of::<Generic>()
    }

    fn rows(page: Vec<u8>, request: PageRequest) -> Result<PageRows, String> {
        serve(page, request, Vec::new())
    }
}

impl bindings::exports::kubequery::table::path_columns::Guest for Export {
    fn rows_with(page: Vec<u8>, request: PageRequest, columns: Vec<PathColumn>) -> Result<PageRows, String> {
        serve(page, request, columns)
    }
}

bindings::export!(Export with_types_in bindings);
