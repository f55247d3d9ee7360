//! Rows kept for the rest of one statement, for tables the statement scans more than once,
//! and hash indexes over them for equality lookups (the inner side of a join).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rusqlite::types::ValueRef;

use crate::schema::{CellRef, ColumnSet, ColumnType, Source};
use crate::sources::Selection;
use crate::wasm::{Rows, Scan};

/// Bytes of namespaces a statement keeps for its joins' inner sides, by default, before it
/// drops the one read least recently. An outer side runs namespace by namespace (the API
/// lists objects in namespace order), so a join needs one namespace's rows at a time.
pub(crate) const NAMESPACE_WINDOW_BYTES: usize = 16 << 20;

/// Namespaces of a table listed again after being dropped, beyond which the table's rows are
/// kept whole: the outer side does not run namespace by namespace, and listing a namespace
/// per outer row would cost more than holding everything.
pub(crate) const MAX_RELISTS: usize = 8;

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
    pub(crate) fn of_cell(cell: CellRef<'_>, column: ColumnType) -> Option<Key> {
        match (cell, column) {
            (CellRef::Null, _) => None,
            (CellRef::Text(s), _) => Some(Key::text(s, column)),
            (CellRef::Integer(v), ColumnType::Text) => Some(Key::Text(v.to_string())),
            (CellRef::Integer(v), _) => Some(Key::Int(v)),
            (CellRef::Double(v), ColumnType::Text) => Some(Key::Text(format!("{v:?}"))),
            (CellRef::Double(v), _) => Some(Key::number(v)),
        }
    }

    /// The key of a constraint value compared with a column of type `column`.
    pub(crate) fn of_value(value: ValueRef<'_>, column: ColumnType) -> Option<Key> {
        match value {
            ValueRef::Null => None,
            ValueRef::Integer(v) => Key::of_cell(CellRef::Integer(v), column),
            ValueRef::Real(v) => Key::of_cell(CellRef::Double(v), column),
            ValueRef::Text(t) => Some(Key::text(&String::from_utf8_lossy(t), column)),
            ValueRef::Blob(b) => Some(Key::Text(String::from_utf8_lossy(b).into_owned())),
        }
    }
}

type Index = HashMap<Vec<Key>, Vec<u32>>;

/// A kept cell: its text lives in [`KeptRows::text`].
#[derive(Clone, Copy)]
enum Stored {
    Null,
    Integer(i64),
    Double(f64),
    /// Bytes `start..start + len` of the text arena (a value is at most a page's bytes,
    /// far below 4 GiB).
    Text {
        start: usize,
        len: u32,
    },
}

/// A table's rows kept for the rest of a statement, with only the columns the statement reads:
/// a join's inner table is held whole, and most of its columns usually go unused. Their text
/// is copied into one arena, so that no kept value pins the heap a page's rows were built in
/// (kept strings scattered among freed ones would hold several times their size resident).
pub(crate) struct KeptRows {
    /// For each schema column, its position in a kept row, if kept.
    positions: Vec<Option<usize>>,
    /// Cells per kept row.
    width: usize,
    rows: usize,
    cells: Vec<Stored>,
    text: String,
}

impl KeptRows {
    /// No rows yet, keeping the columns of a `width`-column table that are in `read`.
    pub(crate) fn new(width: usize, read: &ColumnSet) -> Self {
        let mut positions = Vec::with_capacity(width);
        let mut kept = 0;
        for i in 0..width {
            if read.contains(i) {
                positions.push(Some(kept));
                kept += 1;
            } else {
                positions.push(None);
            }
        }
        KeptRows { positions, width: kept, rows: 0, cells: Vec::new(), text: String::new() }
    }

    /// Keeps the used columns of `rows` (one page's worth); returns the bytes kept.
    pub(crate) fn extend(&mut self, rows: &Rows) -> usize {
        let (cells, text) = (self.cells.len(), self.text.len());
        let kept: Vec<usize> = (0..self.positions.len()).filter(|&c| self.positions[c].is_some()).collect();
        self.rows += rows.len();
        for row in 0..rows.len() {
            for &column in &kept {
                self.cells.push(match rows.cell(row, column) {
                    CellRef::Null => Stored::Null,
                    CellRef::Integer(v) => Stored::Integer(v),
                    CellRef::Double(v) => Stored::Double(v),
                    CellRef::Text(value) => {
                        let start = self.text.len();
                        self.text.push_str(value);
                        Stored::Text { start, len: u32::try_from(value.len()).unwrap_or(u32::MAX) }
                    }
                });
            }
        }
        (self.cells.len() - cells) * std::mem::size_of::<Stored>() + self.text.len() - text
    }

    /// Gives back the arenas' spare capacity once every row is kept.
    pub(crate) fn shrink(&mut self) {
        self.cells.shrink_to_fit();
        self.text.shrink_to_fit();
    }

    pub(crate) fn len(&self) -> usize {
        self.rows
    }

    /// The cell of schema column `column` in row `row`; NULL for columns not kept.
    pub(crate) fn cell(&self, row: usize, column: usize) -> Option<CellRef<'_>> {
        let position = (*self.positions.get(column)?)?;
        let stored = self.cells.get(row.checked_mul(self.width)? + position)?;
        Some(match *stored {
            Stored::Null => CellRef::Null,
            Stored::Integer(v) => CellRef::Integer(v),
            Stored::Double(v) => CellRef::Double(v),
            Stored::Text { start, len } => CellRef::Text(self.text.get(start..start + len as usize)?),
        })
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
    /// Bytes of the rows' cells, as counted against the statement's limit.
    bytes: usize,
    /// When a scan last read these rows, in the statement's ticks: the namespace read least
    /// recently is dropped first.
    last_used: u64,
}

#[derive(Default)]
pub(crate) struct TableCache {
    /// SQLite's mask of the columns the statement uses (bit 63: column 63 or later).
    columns_used: u64,
    scans: usize,
    /// Whether some use of the table in the statement names no namespace.
    every_namespace: bool,
    kept: HashMap<Partition, Kept>,
    /// Namespaces whose rows were kept, then dropped to make room.
    dropped: HashSet<String>,
    /// Namespaces listed again after being dropped.
    relists: usize,
}

impl TableCache {
    /// The kept partition that holds `partition`'s rows (everything, if kept, else itself),
    /// marked as read at `tick`.
    fn covering(&mut self, partition: &Partition, tick: u64) -> Option<(Partition, Arc<KeptRows>)> {
        let key = if self.kept.contains_key(&Partition::All) { Partition::All } else { partition.clone() };
        let kept = self.kept.get_mut(&key)?;
        kept.last_used = tick;
        Some((key, kept.rows.clone()))
    }
}

/// Per-statement state of every table.
#[derive(Default)]
pub(crate) struct StatementCache {
    tables: HashMap<String, TableCache>,
    /// Tables of the statement (noted while SQLite plans it) by the source they read.
    readers: HashMap<Source, HashSet<String>>,
    /// Counts reads of kept rows, for least-recently-used order.
    tick: u64,
    /// The store each kept table converted its last partition in, for its next one.
    idle_scans: HashMap<String, Scan>,
}

/// How a new scan of a table should run.
pub(crate) enum Plan {
    /// First scan in this statement: stream pages.
    Stream,
    /// Scanned before, or a join's inner side: collect the partition's rows, then call
    /// [`StatementCache::store`].
    Materialize,
    /// Rows are already here, in this partition.
    Cached(Partition, Arc<KeptRows>),
}

impl StatementCache {
    pub(crate) fn clear(&mut self) {
        *self = StatementCache::default();
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

    /// The one `namespace` of `source` that every table of the statement reading it needs,
    /// if there is one: its List is then fetched once and kept for all of them.
    pub(crate) fn shared_partition(&self, source: &Source, namespace: Option<&str>) -> Option<Partition> {
        let readers = self.readers.get(source).filter(|tables| tables.len() > 1)?;
        let every_use_names_one = readers.iter().all(|t| self.tables.get(t).is_some_and(|t| !t.every_namespace));
        Some(Partition::Namespace(namespace.filter(|_| every_use_names_one)?.to_string()))
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
    pub(crate) fn kept(&mut self, table: &str, partition: &Partition) -> Option<(Partition, Arc<KeptRows>)> {
        self.tick += 1;
        self.tables.get_mut(table)?.covering(partition, self.tick)
    }

    /// The part of its input a kept scan of `table` that needs `namespace` (or every object)
    /// keeps: that namespace, unless namespaces of the table were listed again after being
    /// dropped more than [`MAX_RELISTS`] times (the outer side does not run namespace by
    /// namespace), then everything.
    pub(crate) fn partition(&self, table: &str, namespace: Option<&str>) -> Partition {
        match namespace {
            Some(namespace) if self.tables.get(table).is_none_or(|t| t.relists <= MAX_RELISTS) => {
                Partition::Namespace(namespace.to_string())
            }
            _ => Partition::All,
        }
    }

    /// How to run a scan of `table` that needs `partition`. A `joined` scan (a join's inner
    /// side, which SQLite repeats once per outer row) in a statement of several tables is
    /// materialized at once, since streaming would convert the whole List for the first outer
    /// row and again for the second; so is a table's second scan.
    pub(crate) fn plan(&mut self, table: &str, joined: bool, partition: &Partition) -> Plan {
        let joined = joined && self.readers.values().map(HashSet::len).sum::<usize>() > 1;
        let scans = {
            let entry = self.tables.entry(table.to_string()).or_default();
            entry.scans += 1;
            entry.scans
        };
        match self.kept(table, partition) {
            Some((covering, rows)) => Plan::Cached(covering, rows),
            None if scans > 1 || joined => Plan::Materialize,
            None => Plan::Stream,
        }
    }

    /// The columns of `table` (`width` columns wide) the statement reads, in any of its uses.
    pub(crate) fn columns_read(&mut self, table: &str, width: usize) -> ColumnSet {
        ColumnSet::from_sqlite_mask(self.tables.entry(table.to_string()).or_default().columns_used, width)
    }

    /// The store `table` converted its last kept partition in, if any.
    pub(crate) fn take_idle_scan(&mut self, table: &str) -> Option<Scan> {
        self.idle_scans.remove(table)
    }

    /// Keeps `scan`, which converted a partition of `table` without failing, for the table's
    /// next partition in this statement.
    pub(crate) fn keep_idle_scan(&mut self, table: &str, scan: Scan) {
        self.idle_scans.insert(table.to_string(), scan);
    }

    /// Keeps `rows` (`bytes` of cells), the objects of `partition`, for the rest of the
    /// statement, or until dropped by [`StatementCache::make_room`].
    pub(crate) fn store(&mut self, table: &str, partition: Partition, rows: KeptRows, bytes: usize) {
        self.tick += 1;
        let entry = self.tables.entry(table.to_string()).or_default();
        if let Partition::Namespace(namespace) = &partition
            && entry.dropped.remove(namespace)
        {
            entry.relists += 1;
        }
        let kept = Kept { rows: Arc::new(rows), indexes: HashMap::new(), bytes, last_used: self.tick };
        entry.kept.insert(partition, kept);
    }

    /// Drops the kept namespaces read least recently until those kept hold no more than
    /// `window` bytes, sparing `partition` (just stored); returns the bytes dropped. Rows a
    /// running scan reads stay alive until it ends.
    pub(crate) fn make_room(&mut self, partition: &Partition, window: usize) -> usize {
        let mut namespaces: Vec<(u64, usize, String, Partition)> = self
            .tables
            .iter()
            .flat_map(|(table, cache)| {
                cache
                    .kept
                    .iter()
                    .filter(|(p, _)| matches!(p, Partition::Namespace(_)))
                    .map(|(p, kept)| (kept.last_used, kept.bytes, table.clone(), p.clone()))
            })
            .collect();
        let mut held: usize = namespaces.iter().map(|(_, bytes, ..)| bytes).sum();
        namespaces.sort_unstable_by_key(|(last_used, ..)| *last_used);
        let mut dropped = 0;
        for (_, bytes, table, victim) in namespaces {
            if held <= window {
                break;
            }
            if &victim == partition {
                continue;
            }
            if let (Some(cache), Partition::Namespace(namespace)) = (self.tables.get_mut(&table), &victim) {
                cache.kept.remove(&victim);
                cache.dropped.insert(namespace.clone());
            }
            held -= bytes;
            dropped += bytes;
        }
        dropped
    }

    /// Positions of the kept rows of `table`'s `partition` whose `columns` equal `keys`, and
    /// the bytes of the hash index this lookup built (0 when it existed), which count
    /// towards the partition's bytes.
    pub(crate) fn lookup(
        &mut self,
        table: &str,
        partition: &Partition,
        columns: &[(usize, ColumnType)],
        keys: &[Key],
    ) -> (Vec<u32>, usize) {
        let Some(kept) = self.tables.get_mut(table).and_then(|t| t.kept.get_mut(partition)) else {
            return (Vec::new(), 0);
        };
        let rows = &kept.rows;
        let positions: Vec<usize> = columns.iter().map(|(i, _)| *i).collect();
        let mut built = 0;
        let index = kept
            .indexes
            .entry(positions)
            .or_insert_with(|| {
                let mut index = Index::new();
                for n in 0..rows.len() {
                    let key: Option<Vec<Key>> = columns
                        .iter()
                        .map(|(i, ty)| Key::of_cell(rows.cell(n, *i).unwrap_or(CellRef::Null), *ty))
                        .collect();
                    if let (Some(key), Ok(n)) = (key, u32::try_from(n)) {
                        index.entry(key).or_default().push(n);
                    }
                }
                built = index_bytes(&index);
                Arc::new(index)
            })
            .clone();
        kept.bytes += built;
        (index.get(keys).cloned().unwrap_or_default(), built)
    }
}

/// About what `index` holds in memory: its table's slots, each key's values and text, and
/// each list of positions.
fn index_bytes(index: &Index) -> usize {
    let slot = std::mem::size_of::<(Vec<Key>, Vec<u32>)>() + 1;
    index.capacity() * slot
        + index
            .iter()
            .map(|(key, positions)| {
                key.iter()
                    .map(|k| std::mem::size_of::<Key>() + if let Key::Text(text) = k { text.capacity() } else { 0 })
                    .sum::<usize>()
                    + positions.capacity() * std::mem::size_of::<u32>()
            })
            .sum::<usize>()
}
