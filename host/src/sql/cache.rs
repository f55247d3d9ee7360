//! Rows kept for the rest of one statement, for tables the statement scans more than once,
//! and hash indexes over them for equality lookups (the inner side of a join).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rusqlite::types::ValueRef;

use crate::schema::{Cell, ColumnType, Row, Source};
use crate::sources::Page;

/// A comparable form of a value under SQLite's affinity rules, so that a lookup finds every
/// row SQLite's own `=` would accept (SQLite re-checks each row it gets).
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub(crate) enum Key {
    Int(i64),
    Real(u64),
    Text(String),
}

impl Key {
    fn number(value: f64) -> Key {
        if value.fract() == 0.0 && value.abs() < 9.0e15 { Key::Int(value as i64) } else { Key::Real(value.to_bits()) }
    }

    fn text(text: &str, column: ColumnType) -> Key {
        if column != ColumnType::Text {
            if let Ok(v) = text.trim().parse::<i64>() {
                return Key::Int(v);
            }
            if let Ok(v) = text.trim().parse::<f64>() {
                return Key::number(v);
            }
        }
        Key::Text(text.to_string())
    }

    /// The key of a cell in a column of type `column`; NULL equals nothing.
    pub(crate) fn of_cell(cell: &Cell, column: ColumnType) -> Option<Key> {
        match (cell, column) {
            (Cell::Null, _) => None,
            (Cell::Text(s), _) => Some(Key::text(s, column)),
            (Cell::Integer(v), ColumnType::Text) => Some(Key::Text(v.to_string())),
            (Cell::Integer(v), _) => Some(Key::Int(*v)),
            (Cell::Double(v), ColumnType::Text) => Some(Key::Text(format!("{v:?}"))),
            (Cell::Double(v), _) => Some(Key::number(*v)),
        }
    }

    /// The key of a constraint value compared with a column of type `column`.
    pub(crate) fn of_value(value: ValueRef<'_>, column: ColumnType) -> Option<Key> {
        match value {
            ValueRef::Null => None,
            ValueRef::Integer(v) => Key::of_cell(&Cell::Integer(v), column),
            ValueRef::Real(v) => Key::of_cell(&Cell::Double(v), column),
            ValueRef::Text(t) => Some(Key::text(&String::from_utf8_lossy(t), column)),
            ValueRef::Blob(b) => Some(Key::Text(String::from_utf8_lossy(b).into_owned())),
        }
    }
}

type Index = HashMap<Vec<Key>, Vec<u32>>;

#[derive(Default)]
pub(crate) struct TableCache {
    scans: usize,
    rows: Option<Arc<Vec<Row>>>,
    indexes: HashMap<Vec<usize>, Arc<Index>>,
}

/// Per-statement state of every table.
#[derive(Default)]
pub(crate) struct StatementCache {
    tables: HashMap<String, TableCache>,
    /// Tables of the statement (noted while SQLite plans it) by the source they read.
    readers: HashMap<Source, HashSet<String>>,
    /// Complete, unfiltered input of sources that several tables of the statement read.
    pages: HashMap<Source, Arc<Vec<Page>>>,
}

/// How a new scan of a table should run.
pub(crate) enum Plan {
    /// First scan in this statement: stream pages.
    Stream,
    /// Scanned before: collect every row, then call [`StatementCache::store`].
    Materialize,
    /// Rows are already here.
    Cached(Arc<Vec<Row>>),
}

impl StatementCache {
    pub(crate) fn clear(&mut self) {
        self.tables.clear();
        self.readers.clear();
        self.pages.clear();
    }

    /// Records that the statement being planned reads `table`, whose input is `source`.
    pub(crate) fn note_reader(&mut self, source: &Source, table: &str) {
        self.readers.entry(source.clone()).or_default().insert(table.to_string());
    }

    /// Whether another table of this statement reads the same input, so one List serves both.
    pub(crate) fn is_shared(&self, source: &Source) -> bool {
        self.readers.get(source).is_some_and(|tables| tables.len() > 1)
    }

    pub(crate) fn shared_pages(&self, source: &Source) -> Option<Arc<Vec<Page>>> {
        self.pages.get(source).cloned()
    }

    pub(crate) fn store_pages(&mut self, source: &Source, pages: Vec<Page>) -> Arc<Vec<Page>> {
        let pages = Arc::new(pages);
        self.pages.insert(source.clone(), pages.clone());
        pages
    }

    pub(crate) fn plan(&mut self, table: &str) -> Plan {
        let entry = self.tables.entry(table.to_string()).or_default();
        entry.scans += 1;
        match &entry.rows {
            Some(rows) => Plan::Cached(rows.clone()),
            None if entry.scans > 1 => Plan::Materialize,
            None => Plan::Stream,
        }
    }

    pub(crate) fn store(&mut self, table: &str, rows: Vec<Row>) -> Arc<Vec<Row>> {
        let rows = Arc::new(rows);
        self.tables.entry(table.to_string()).or_default().rows = Some(rows.clone());
        rows
    }

    /// Positions of the cached rows of `table` whose `columns` equal `keys`.
    pub(crate) fn lookup(&mut self, table: &str, columns: &[(usize, ColumnType)], keys: &[Key]) -> Vec<u32> {
        let Some(entry) = self.tables.get_mut(table) else {
            return Vec::new();
        };
        let Some(rows) = entry.rows.clone() else {
            return Vec::new();
        };
        let positions: Vec<usize> = columns.iter().map(|(i, _)| *i).collect();
        let index = entry
            .indexes
            .entry(positions)
            .or_insert_with(|| {
                let mut index = Index::new();
                for (n, row) in rows.iter().enumerate() {
                    let key: Option<Vec<Key>> = columns.iter().map(|(i, ty)| Key::of_cell(&row[*i], *ty)).collect();
                    if let (Some(key), Ok(n)) = (key, u32::try_from(n)) {
                        index.entry(key).or_default().push(n);
                    }
                }
                Arc::new(index)
            })
            .clone();
        index.get(keys).cloned().unwrap_or_default()
    }
}
