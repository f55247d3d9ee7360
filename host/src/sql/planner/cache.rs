//! Rows kept for the rest of one statement, for tables the statement scans more than once,
//! and hash indexes over them for equality lookups (the inner side of a join).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rusqlite::types::ValueRef;

use crate::schema::{Cell, ColumnType, Row, Source};
use crate::sources::Selection;

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

/// A table's rows kept for the rest of a statement, with only the columns the statement reads:
/// a join's inner table is held whole, and most of its columns usually go unused.
pub(crate) struct KeptRows {
    /// For each schema column, its position in a kept row, if kept.
    positions: Vec<Option<usize>>,
    rows: Vec<Box<[Cell]>>,
}

impl KeptRows {
    /// No rows yet, keeping the columns in SQLite's `columns_used` mask of a `width`-column
    /// table.
    pub(crate) fn new(width: usize, columns_used: u64) -> Self {
        let mut positions = Vec::with_capacity(width);
        let mut kept = 0;
        for i in 0..width {
            // Bit 63 stands for column 63 and every later one.
            if columns_used & (1u64 << i.min(63)) != 0 {
                positions.push(Some(kept));
                kept += 1;
            } else {
                positions.push(None);
            }
        }
        KeptRows { positions, rows: Vec::new() }
    }

    /// Keeps the used columns of `rows` (one page's worth, so unused cells never pile up);
    /// returns the bytes of cells kept.
    pub(crate) fn extend(&mut self, rows: Vec<Row>) -> usize {
        let positions = &self.positions;
        let mut bytes = 0;
        self.rows.extend(rows.into_iter().map(|row| {
            let kept: Box<[Cell]> =
                row.into_iter().zip(positions).filter(|(_, p)| p.is_some()).map(|(cell, _)| cell).collect();
            bytes += kept.iter().map(Cell::size).sum::<usize>() + std::mem::size_of_val(&*kept);
            kept
        }));
        bytes
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// The cell of schema column `column` in row `row`; NULL for columns not kept.
    pub(crate) fn cell(&self, row: usize, column: usize) -> Option<&Cell> {
        let position = (*self.positions.get(column)?)?;
        self.rows.get(row)?.get(position)
    }
}

/// Which objects of a table's input some kept rows hold.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Partition {
    /// Every object.
    All,
    /// The objects of one namespace: what a join's inner side needs when each outer row
    /// asks for one namespace (`c.namespace = p.namespace AND p.namespace = 'web'`).
    Namespace(String),
}

impl Partition {
    /// What to list for this partition.
    pub(crate) fn selection(&self) -> Selection {
        match self {
            Partition::All => Selection::default(),
            Partition::Namespace(namespace) => {
                Selection { namespaces: vec![namespace.clone()], ..Selection::default() }
            }
        }
    }
}

/// Rows kept for one partition of a table, and the hash indexes built over them.
struct Kept {
    rows: Arc<KeptRows>,
    indexes: HashMap<Vec<usize>, Arc<Index>>,
}

#[derive(Default)]
pub(crate) struct TableCache {
    /// SQLite's mask of the columns the statement uses (bit 63: column 63 or later).
    columns_used: u64,
    scans: usize,
    /// Whether some use of the table in the statement names no namespace.
    every_namespace: bool,
    kept: HashMap<Partition, Kept>,
}

impl TableCache {
    /// The kept partition that holds `partition`'s rows: everything, if kept, else itself.
    fn covering(&self, partition: &Partition) -> Option<(&Partition, &Kept)> {
        self.kept.get_key_value(&Partition::All).or_else(|| self.kept.get_key_value(partition))
    }
}

/// Per-statement state of every table.
#[derive(Default)]
pub(crate) struct StatementCache {
    tables: HashMap<String, TableCache>,
    /// Tables of the statement (noted while SQLite plans it) by the source they read.
    readers: HashMap<Source, HashSet<String>>,
    /// Namespaces listed on their own so far, by source.
    namespace_lists: HashMap<Source, usize>,
}

/// How a new scan of a table should run.
pub(crate) enum Plan {
    /// First scan in this statement: stream pages.
    Stream,
    /// Scanned before: collect every row, then call [`StatementCache::store`].
    Materialize,
    /// Rows are already here, in this partition.
    Cached(Partition, Arc<KeptRows>),
}

impl StatementCache {
    pub(crate) fn clear(&mut self) {
        self.tables.clear();
        self.readers.clear();
        self.namespace_lists.clear();
    }

    /// Records that the statement being planned reads `table`, whose input is `source`.
    pub(crate) fn note_reader(&mut self, source: &Source, table: &str) {
        self.readers.entry(source.clone()).or_default().insert(table.to_string());
    }

    /// Records a use of `table` in the statement: the columns it reads, and whether it names
    /// one namespace. SQLite asks about each use once per plan it considers, with the
    /// constraints that plan could use: when one of them names no namespace (the table is
    /// not joined on it, or is the outer side of the join), the use may need them all.
    pub(crate) fn note_use(&mut self, table: &str, columns_used: u64, namespace_constrained: bool) {
        let entry = self.tables.entry(table.to_string()).or_default();
        entry.columns_used |= columns_used;
        entry.every_namespace |= !namespace_constrained;
    }

    /// Whether some use of `table` in the statement may need every namespace.
    pub(crate) fn may_need_every_namespace(&self, table: &str) -> bool {
        self.tables.get(table).is_none_or(|t| t.every_namespace)
    }

    /// Whether another table of this statement reads the same input, so one List serves both.
    pub(crate) fn is_shared(&self, source: &Source) -> bool {
        self.readers.get(source).is_some_and(|tables| tables.len() > 1)
    }

    /// The tables of the statement reading `source`, sorted.
    pub(crate) fn readers_of(&self, source: &Source) -> Vec<String> {
        let mut readers: Vec<String> =
            self.readers.get(source).map(|n| n.iter().cloned().collect()).unwrap_or_default();
        readers.sort();
        readers
    }

    /// The kept partition of `table` holding `partition`'s rows (everything, or that
    /// partition), with its rows, if a scan kept them.
    pub(crate) fn kept(&self, table: &str, partition: &Partition) -> Option<(Partition, Arc<KeptRows>)> {
        let (covering, kept) = self.tables.get(table)?.covering(partition)?;
        Some((covering.clone(), kept.rows.clone()))
    }

    /// How many namespaces of `source` were listed on their own in this statement.
    pub(crate) fn namespace_lists(&self, source: &Source) -> usize {
        self.namespace_lists.get(source).copied().unwrap_or(0)
    }

    /// Counts a list of `partition` of `source`, when it is one namespace.
    pub(crate) fn count_namespace_list(&mut self, source: &Source, partition: &Partition) {
        if matches!(partition, Partition::Namespace(_)) {
            *self.namespace_lists.entry(source.clone()).or_default() += 1;
        }
    }

    /// How to run a scan of `table` that needs `partition`. A `constrained` scan (equality
    /// constraints) in a statement of several tables is the inner side of a join, which
    /// SQLite repeats once per outer row: it is materialized at once, since streaming would
    /// convert the whole List for the first outer row anyway and again for the second.
    pub(crate) fn plan(&mut self, table: &str, constrained: bool, partition: &Partition) -> Plan {
        let joined = constrained && self.readers.values().map(HashSet::len).sum::<usize>() > 1;
        let entry = self.tables.entry(table.to_string()).or_default();
        entry.scans += 1;
        match entry.covering(partition) {
            Some((covering, kept)) => Plan::Cached(covering.clone(), kept.rows.clone()),
            None if entry.scans > 1 || joined => Plan::Materialize,
            None => Plan::Stream,
        }
    }

    /// An empty [`KeptRows`] for `table`, `width` columns wide, keeping what the statement
    /// reads of it.
    pub(crate) fn keeper(&mut self, table: &str, width: usize) -> KeptRows {
        KeptRows::new(width, self.tables.entry(table.to_string()).or_default().columns_used)
    }

    /// Keeps `rows`, the objects of `partition`, for the rest of the statement.
    pub(crate) fn store(&mut self, table: &str, partition: Partition, rows: KeptRows) {
        let kept = Kept { rows: Arc::new(rows), indexes: HashMap::new() };
        self.tables.entry(table.to_string()).or_default().kept.insert(partition, kept);
    }

    /// Positions of the kept rows of `table`'s `partition` whose `columns` equal `keys`.
    pub(crate) fn lookup(
        &mut self,
        table: &str,
        partition: &Partition,
        columns: &[(usize, ColumnType)],
        keys: &[Key],
    ) -> Vec<u32> {
        let Some(kept) = self.tables.get_mut(table).and_then(|t| t.kept.get_mut(partition)) else {
            return Vec::new();
        };
        let rows = kept.rows.clone();
        let positions: Vec<usize> = columns.iter().map(|(i, _)| *i).collect();
        let index = kept
            .indexes
            .entry(positions)
            .or_insert_with(|| {
                let mut index = Index::new();
                for n in 0..rows.len() {
                    let key: Option<Vec<Key>> = columns
                        .iter()
                        .map(|(i, ty)| Key::of_cell(rows.cell(n, *i).unwrap_or(&Cell::Null), *ty))
                        .collect();
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
