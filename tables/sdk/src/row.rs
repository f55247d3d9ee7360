//! Writing rows. The same calls that fill a row declare the table's columns, so a table
//! cannot return a row that disagrees with its schema.

use serde_json::value::RawValue;

use crate::bindings::kubequery::table::types::{Cell, Cluster, Column, ColumnType};
use crate::{Col, Source, Table, json, time};

enum Sink<'a> {
    Cells(&'a mut Vec<Cell>),
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

    /// Ends the row with the hidden `label_selector` column: `WHERE label_selector =
    /// 'app=web,tier!=db'` lists only matching objects. The host fills the column with the
    /// scan's selector, so that SQLite's re-check of the constraint holds; the table writes
    /// nothing there.
    fn finish(&mut self) {
        if self.source.lists_objects() {
            self.text(crate::schema::LABEL_SELECTOR, None);
        }
    }

    fn put(&mut self, col: Col, ty: ColumnType, is_json: bool, cell: impl FnOnce() -> Cell) {
        match &mut self.sink {
            Sink::Cells(cells) => cells.push(cell()),
            Sink::Columns(columns) => columns.push(col.to_wit(ty, is_json)),
        }
    }

    /// A TEXT column; `None` and `""` are NULL.
    pub fn text(&mut self, col: Col, value: Option<&str>) {
        self.put(col, ColumnType::Text, false, || match value {
            Some(s) if !s.is_empty() => Cell::Text(s.to_string()),
            _ => Cell::Null,
        });
    }

    /// A TEXT column from an owned value; `None` and `""` are NULL.
    pub fn string(&mut self, col: Col, value: Option<String>) {
        self.put(col, ColumnType::Text, false, || match value {
            Some(s) if !s.is_empty() => Cell::Text(s),
            _ => Cell::Null,
        });
    }

    /// A JSON TEXT column holding the sub-document as compact JSON; missing or `null` is NULL.
    pub fn json(&mut self, col: Col, value: Option<&RawValue>) {
        self.put(col, ColumnType::Text, true, || match value.map(json::compact) {
            Some(text) if text != "null" => Cell::Text(text),
            _ => Cell::Null,
        });
    }

    /// A JSON TEXT column that is never NULL: `absent` stands in for a missing value (Go's
    /// encoding of a zero struct, which kubequery always emitted).
    pub fn json_or(&mut self, col: Col, value: Option<&RawValue>, absent: &'static str) {
        self.put(col, ColumnType::Text, true, || match value.map(json::compact) {
            Some(text) if text != "null" => Cell::Text(text),
            _ => Cell::Text(absent.to_string()),
        });
    }

    /// An INTEGER column (osquery INTEGER is 32-bit; use [`Row::bigint`] for wider values).
    pub fn integer(&mut self, col: Col, value: Option<i64>) {
        self.put(col, ColumnType::Integer, false, || value.map_or(Cell::Null, Cell::Integer));
    }

    /// A BIGINT column.
    pub fn bigint(&mut self, col: Col, value: Option<i64>) {
        self.put(col, ColumnType::Bigint, false, || value.map_or(Cell::Null, Cell::Integer));
    }

    /// A boolean as INTEGER 0/1.
    pub fn boolean(&mut self, col: Col, value: Option<bool>) {
        self.put(col, ColumnType::Integer, false, || value.map_or(Cell::Null, |b| Cell::Integer(i64::from(b))));
    }

    /// An RFC 3339 timestamp as BIGINT Unix seconds; missing or unparsable is NULL.
    pub fn timestamp(&mut self, col: Col, value: Option<&str>) {
        self.put(col, ColumnType::Bigint, false, || {
            value.and_then(time::unix_seconds).map_or(Cell::Null, Cell::Integer)
        });
    }

    /// A DOUBLE column.
    pub fn double(&mut self, col: Col, value: Option<f64>) {
        self.put(col, ColumnType::Double, false, || value.map_or(Cell::Null, Cell::Double));
    }
}

/// The rows of one page.
pub struct Rows<'a> {
    rows: Vec<Vec<Cell>>,
    cluster: &'a Cluster,
    source: Source,
    width: usize,
}

impl<'a> Rows<'a> {
    /// The rows of a page for table `T`.
    pub(crate) fn new<T: Table>(cluster: &'a Cluster) -> Self {
        Rows { rows: Vec::new(), cluster, source: T::SOURCE, width: Row::columns_of::<T>().len() }
    }

    /// Appends one row written by `write`.
    pub fn row(&mut self, write: impl FnOnce(&mut Row)) {
        let mut cells = Vec::with_capacity(self.width);
        let mut row = Row { sink: Sink::Cells(&mut cells), cluster: self.cluster, source: self.source };
        write(&mut row);
        row.finish();
        self.rows.push(cells);
    }

    /// The cluster the page came from.
    pub fn cluster(&self) -> &Cluster {
        self.cluster
    }

    pub(crate) fn into_inner(self) -> Vec<Vec<Cell>> {
        self.rows
    }
}
