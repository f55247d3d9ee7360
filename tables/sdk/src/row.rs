//! Writing rows. The same calls that fill a row declare the table's columns, so a table
//! cannot return a row that disagrees with its schema.
//!
//! Rows are written straight into the packed buffer `kubequery:table@0.2` returns (see
//! [`crate::packed`]), and a column the statement does not read is written as NULL without
//! computing its value: its closure never runs, so no JSON is compacted and no string copied.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::bindings::kubequery::table::types::{ApiResource, Cluster, Column, ColumnType};
use crate::packed::{self, ColumnSet};
use crate::{Col, ObjectError, Source, Table, json, time};

/// One cell's value, borrowed from the object where it can be.
enum Value<'v> {
    Null,
    Integer(i64),
    Double(f64),
    Text(&'v str),
    /// A JSON sub-document, compacted into the buffer.
    Json(&'v RawValue),
}

enum Sink<'a> {
    /// Cells packed into the page's buffer, one per column; `next` is the column being written.
    Packed { cells: &'a mut Vec<u8>, read: &'a ColumnSet, next: usize },
    /// The columns being declared.
    Columns(&'a mut Vec<Column>),
}

/// Writes one row, one method call per column, in schema order.
///
/// Empty strings, missing fields and JSON `null` all become SQL NULL, as in kubequery.
pub struct Row<'a> {
    sink: Sink<'a>,
    cluster: &'a Cluster,
    source: Source,
}

impl<'a> Row<'a> {
    /// The columns of `T`: those its [`Table::describe`] declares, then the hidden
    /// `label_selector` column every table listing a resource has.
    pub(crate) fn columns_of<T: Table>() -> Vec<Column> {
        let mut columns = Vec::new();
        let cluster = Cluster { name: String::new(), uid: String::new() };
        let mut row = Row { sink: Sink::Columns(&mut columns), cluster: &cluster, source: T::SOURCE };
        T::describe(&mut row);
        row.finish();
        columns
    }

    /// The cluster the page came from.
    pub fn cluster(&self) -> &'a Cluster {
        self.cluster
    }

    /// Whether the table's objects live in namespaces ([`Source::namespaced`]), so that
    /// shared column groups can add a `namespace` column.
    pub fn namespaced(&self) -> bool {
        self.source.is_namespaced()
    }

    /// Whether the statement reads the next column this row will write. The column methods
    /// already skip the work of a column nobody reads; this is for work done before the call,
    /// such as deriving a value several columns share.
    pub fn reads_next(&self) -> bool {
        match &self.sink {
            Sink::Packed { read, next, .. } => read.contains(*next),
            Sink::Columns(_) => true,
        }
    }

    /// Ends the row with the hidden `label_selector` column: `WHERE label_selector =
    /// 'app=web,tier!=db'` lists only matching objects. The host fills the column with the
    /// scan's selector, so that SQLite's re-check of the constraint holds; the table writes
    /// nothing there.
    fn finish(&mut self) {
        if self.source.lists_objects() {
            self.text(crate::schema::LABEL_SELECTOR, None);
        }
    }

    fn put<'v>(&mut self, col: Col, ty: ColumnType, is_json: bool, value: impl FnOnce() -> Value<'v>) {
        match &mut self.sink {
            Sink::Packed { cells, read, next } => {
                let value = if read.contains(*next) { value() } else { Value::Null };
                *next += 1;
                match value {
                    Value::Null => packed::null(cells),
                    Value::Integer(v) => packed::integer(cells, v),
                    Value::Double(v) => packed::double(cells, v),
                    Value::Text(s) => packed::text(cells, s),
                    Value::Json(raw) => packed::text_with(cells, |out| json::compact_into(raw, out)),
                }
            }
            Sink::Columns(columns) => columns.push(col.to_wit(ty, is_json)),
        }
    }

    /// A TEXT column; `None` and `""` are NULL.
    pub fn text(&mut self, col: Col, value: Option<&str>) {
        self.put(col, ColumnType::Text, false, || match value {
            Some(s) if !s.is_empty() => Value::Text(s),
            _ => Value::Null,
        });
    }

    /// A TEXT column from an owned value; `None` and `""` are NULL.
    pub fn string(&mut self, col: Col, value: Option<String>) {
        self.text(col, value.as_deref());
    }

    /// A JSON TEXT column holding the sub-document as compact JSON; missing or `null` is NULL.
    pub fn json(&mut self, col: Col, value: Option<&RawValue>) {
        self.put(col, ColumnType::Text, true, || match value {
            Some(raw) if raw.get() != "null" => Value::Json(raw),
            _ => Value::Null,
        });
    }

    /// A JSON TEXT column that is never NULL: `absent` stands in for a missing value (Go's
    /// encoding of a zero struct, which kubequery always emitted).
    pub fn json_or(&mut self, col: Col, value: Option<&RawValue>, absent: &'static str) {
        self.put(col, ColumnType::Text, true, || match value {
            Some(raw) if raw.get() != "null" => Value::Json(raw),
            _ => Value::Text(absent),
        });
    }

    /// An INTEGER column (osquery INTEGER is 32-bit; use [`Row::bigint`] for wider values).
    pub fn integer(&mut self, col: Col, value: Option<i64>) {
        self.put(col, ColumnType::Integer, false, || value.map_or(Value::Null, Value::Integer));
    }

    /// A BIGINT column.
    pub fn bigint(&mut self, col: Col, value: Option<i64>) {
        self.put(col, ColumnType::Bigint, false, || value.map_or(Value::Null, Value::Integer));
    }

    /// A boolean as INTEGER 0/1.
    pub fn boolean(&mut self, col: Col, value: Option<bool>) {
        self.put(col, ColumnType::Integer, false, || value.map_or(Value::Null, |b| Value::Integer(i64::from(b))));
    }

    /// An RFC 3339 timestamp as BIGINT Unix seconds; missing or unparsable is NULL.
    pub fn timestamp(&mut self, col: Col, value: Option<&str>) {
        self.put(col, ColumnType::Bigint, false, || {
            value.and_then(time::unix_seconds).map_or(Value::Null, Value::Integer)
        });
    }

    /// A DOUBLE column.
    pub fn double(&mut self, col: Col, value: Option<f64>) {
        self.put(col, ColumnType::Double, false, || value.map_or(Value::Null, Value::Double));
    }
}

/// What the host asks of one page: the cluster it came from and the columns the statement
/// reads.
pub struct Request {
    /// The cluster the page came from.
    pub cluster: Cluster,
    /// The columns the statement reads.
    pub columns: ColumnSet,
    /// The resource the page lists; `None` for a path or discovery.
    pub resource: Option<ApiResource>,
}

/// The rows of one page, packed, and the objects left out.
pub struct Rows<'a> {
    cells: Vec<u8>,
    count: u32,
    errors: Vec<ObjectError>,
    /// The row count after each object, as [`Rows::end_object`] marked them.
    ends: Vec<u32>,
    request: &'a Request,
    source: Source,
}

impl<'a> Rows<'a> {
    /// The rows of a page for table `T`.
    pub(crate) fn new<T: Table>(request: &'a Request) -> Self {
        Rows { cells: Vec::new(), count: 0, errors: Vec::new(), ends: Vec::new(), request, source: T::SOURCE }
    }

    /// Appends one row written by `write`.
    pub fn row(&mut self, write: impl FnOnce(&mut Row)) {
        self.row_and(write, |_| {});
    }

    /// Appends one row written by `write`, then the cells `more` writes after the table's own
    /// columns: the columns a host appended to the schema at run time (`path-columns` in the
    /// WIT), written with the same methods, whose [`Col`] only the schema would read.
    pub fn row_and(&mut self, write: impl FnOnce(&mut Row), more: impl FnOnce(&mut Row)) {
        let mut row = Row {
            sink: Sink::Packed { cells: &mut self.cells, read: &self.request.columns, next: 0 },
            cluster: &self.request.cluster,
            source: self.source,
        };
        write(&mut row);
        row.finish();
        more(&mut row);
        self.count += 1;
    }

    /// Leaves out the object at `index` of the page's items, saying why. The host reports it
    /// by the object's namespace and name, read from `object` where it can be.
    pub fn skip(&mut self, index: usize, object: &RawValue, why: impl std::fmt::Display) {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Identity {
            metadata: Metadata,
        }
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Metadata {
            namespace: Option<String>,
            name: Option<String>,
        }
        let identity: Identity = serde_json::from_str(object.get()).unwrap_or_default();
        self.errors.push(ObjectError {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            namespace: identity.metadata.namespace.unwrap_or_default(),
            name: identity.metadata.name.unwrap_or_default(),
            message: why.to_string(),
        });
    }

    /// Marks the end of one object's rows: every row appended since the last mark came from
    /// it. [`Table::page`](crate::Table::page) marks each item it converts or leaves out, so
    /// that the host can keep each object's rows apart (`object-rows` in the WIT).
    pub fn end_object(&mut self) {
        self.ends.push(self.count);
    }

    /// The cluster the page came from.
    pub fn cluster(&self) -> &Cluster {
        &self.request.cluster
    }

    /// The resource the page lists, as the host requested it (its version included); `None`
    /// for a path or discovery. A table reading several resources or versions tells them
    /// apart by it.
    pub fn resource(&self) -> Option<&ApiResource> {
        self.request.resource.as_ref()
    }

    /// The packed cells, the row count, the objects left out and the end of each object's
    /// rows.
    pub(crate) fn into_parts(self) -> (Vec<u8>, u32, Vec<ObjectError>, Vec<u32>) {
        (self.cells, self.count, self.errors, self.ends)
    }
}
