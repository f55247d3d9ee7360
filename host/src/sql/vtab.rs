//! The SQLite virtual table behind every kubequery table.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::os::raw::c_int;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use fallible_streaming_iterator::FallibleStreamingIterator;
use rusqlite::vtab::{
    Context, Filters, IndexConstraintOp, IndexInfo, Module, VTab, VTabConnection, VTabCursor, sqlite3_vtab,
    sqlite3_vtab_cursor,
};
use rusqlite::{Connection, Error};

use super::cache::{KeptRows, Key, Plan, StatementCache};
use crate::schema::{Cell, ColumnType, Pushdown, Row, Source, TableSchema};
use crate::sources::{DataSource, Pages, Selection};
use crate::wasm::{Scan, TableComponent};

/// What every virtual table of one connection shares.
pub(crate) struct Shared {
    source: Arc<dyn DataSource>,
    tables: HashMap<String, Arc<TableComponent>>,
    cache: Mutex<StatementCache>,
    /// Bytes of rows one statement may keep for its joins.
    pub(crate) max_kept_bytes: AtomicUsize,
    /// Bytes kept by the running statement.
    kept_bytes: AtomicUsize,
}

impl Shared {
    pub(crate) fn new(source: Arc<dyn DataSource>, tables: &[Arc<TableComponent>]) -> Self {
        let tables = tables.iter().map(|t| (t.schema.name.clone(), t.clone())).collect();
        Shared {
            source,
            tables,
            cache: Mutex::default(),
            max_kept_bytes: AtomicUsize::new(super::MAX_KEPT_BYTES),
            kept_bytes: AtomicUsize::new(0),
        }
    }

    /// The kept rows of `table`, which reads `source` like other tables of the statement do:
    /// the List is fetched once and kept for all of them.
    fn shared_rows(&self, source: &Source, table: &str) -> rusqlite::Result<Arc<KeptRows>> {
        if let Some(rows) = self.cache().kept(table) {
            return Ok(rows);
        }
        let readers = self.cache().readers_of(source);
        self.keep(source, &readers, table)
    }

    /// Fetches the List of `source` once and keeps the rows of every table in `readers` (of
    /// which `table` is one) for the rest of the statement. Each page is converted by every
    /// reader before the next is fetched, so no raw page outlives its conversion, and each
    /// table keeps only the columns the statement reads.
    fn keep(&self, source: &Source, readers: &[String], table: &str) -> rusqlite::Result<Arc<KeptRows>> {
        let mut converting = Vec::with_capacity(readers.len());
        for name in readers {
            let component = self.tables.get(name).ok_or_else(|| module_error(format!("no table {name}")))?;
            let kept = self.cache().keeper(name, component.schema.columns.len());
            converting.push((name, component.scan().map_err(module_error)?, kept));
        }
        for page in self.source.pages(table, source, &Selection::default()) {
            let page = page.map_err(|e| module_error(format!("table {table}: {e}")))?;
            for (_, scan, kept) in &mut converting {
                let bytes = kept.extend(scan.rows(&page.body, &page.cluster).map_err(module_error)?);
                let total = self.kept_bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
                let limit = self.max_kept_bytes.load(Ordering::Relaxed);
                if total > limit {
                    return Err(module_error(format!(
                        "table {table}: the statement keeps more than {} MiB of rows for its joins; \
                         narrow it with WHERE (namespace = …, name = …) or join fewer tables",
                        limit >> 20
                    )));
                }
            }
        }
        let mut cache = self.cache();
        for (name, _, kept) in converting {
            cache.store(name, kept);
        }
        cache.kept(table).ok_or_else(|| module_error(format!("table {table} does not read {source}")))
    }

    pub(crate) fn begin_statement(&self) {
        self.kept_bytes.store(0, Ordering::Relaxed);
        self.cache().clear();
    }

    fn cache(&self) -> MutexGuard<'_, StatementCache> {
        // The cache holds no invariant a panic could break; keep serving.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

type Aux = (Arc<TableComponent>, Arc<Shared>);

pub(crate) fn register(conn: &Connection, table: Arc<TableComponent>, shared: Arc<Shared>) -> rusqlite::Result<()> {
    const MODULE: Module<'static, KubeTable> = Module::eponymous_only_module();
    let name = table.schema.name.clone();
    conn.create_module(name.as_str(), &MODULE, Some((table, shared)))
}

/// The `CREATE TABLE` statement that declares a table's columns and osquery types to SQLite.
pub fn declaration(schema: &TableSchema) -> String {
    let columns: Vec<String> = schema
        .columns
        .iter()
        .map(|c| format!("\"{}\" {}{}", c.name, c.ty.sql_name(), if c.options.hidden { " HIDDEN" } else { "" }))
        .collect();
    format!("CREATE TABLE x({})", columns.join(", "))
}

#[repr(C)]
pub(crate) struct KubeTable {
    base: sqlite3_vtab,
    table: Arc<TableComponent>,
    shared: Arc<Shared>,
}

fn module_error(message: impl ToString) -> Error {
    Error::ModuleError(message.to_string())
}

// SAFETY: `KubeTable` is `#[repr(C)]` with the `sqlite3_vtab` SQLite expects as its first
// field, which is what rusqlite's `VTab` contract asks for.
unsafe impl<'vtab> VTab<'vtab> for KubeTable {
    type Aux = Aux;
    type Cursor = KubeCursor<'vtab>;

    fn connect(
        _db: &mut VTabConnection,
        aux: Option<&Aux>,
        _module: &[u8],
        _database: &[u8],
        _table: &[u8],
        _args: &[&[u8]],
    ) -> rusqlite::Result<(Cow<'static, CStr>, Self)> {
        let (table, shared) = aux.ok_or_else(|| module_error("kubequery table registered without its component"))?;
        let sql = CString::new(declaration(&table.schema)).map_err(module_error)?;
        Ok((Cow::Owned(sql), KubeTable { base: sqlite3_vtab::default(), table: table.clone(), shared: shared.clone() }))
    }

    /// Takes every usable equality constraint (SQLite still re-checks them), so that joins
    /// look rows up instead of rescanning.
    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        {
            let mut cache = self.shared.cache();
            cache.note_reader(&self.table.schema.source, &self.table.schema.name);
            cache.note_columns(&self.table.schema.name, info.col_used());
        }
        let candidates: Vec<(usize, c_int)> = info
            .constraints()
            .enumerate()
            .filter(|(_, c)| c.is_usable() && c.operator() == IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_EQ)
            .map(|(i, c)| (i, c.column()))
            .collect();
        let mut used: Vec<String> = Vec::new();
        let mut columns: Vec<c_int> = Vec::new();
        for (i, column) in candidates {
            let binary = info.collation(i).map(|c| c.eq_ignore_ascii_case("BINARY")).unwrap_or(false);
            if !binary || column < 0 || columns.contains(&column) {
                continue;
            }
            columns.push(column);
            // `IN (…)` arrives as one list rather than one xFilter per value, so that the
            // source can fetch every value in one scan; repeated xFilter calls then only come
            // from joins.
            let whole_list = info.is_in_constraint(i)? && info.set_in_constraint(i, true)?;
            used.push(if whole_list { format!("{column}:in") } else { column.to_string() });
            let mut usage = info.constraint_usage(i);
            usage.set_argv_index(c_int::try_from(used.len()).map_err(module_error)?);
        }
        if used.is_empty() {
            info.set_estimated_cost(1_000_000.0);
            info.set_estimated_rows(100_000);
        } else {
            info.set_idx_str(&used.join(","));
            info.set_estimated_cost(10.0);
            info.set_estimated_rows(10);
        }
        Ok(true)
    }

    fn open(&'vtab mut self) -> rusqlite::Result<KubeCursor<'vtab>> {
        Ok(KubeCursor { base: sqlite3_vtab_cursor::default(), vtab: self, state: State::Done, rowid: 0 })
    }
}

/// Equality constraints passed to a scan: column positions and types, and for each column
/// the accepted keys (several for `IN`).
struct Wanted {
    columns: Vec<(usize, ColumnType)>,
    keys: Vec<Vec<Key>>,
    /// Columns whose constraint the source applies (label selectors): not checked per row.
    applied_by_source: Vec<usize>,
}

impl Wanted {
    /// What the source may narrow its request to: text values of pushdown columns.
    fn selection(&self, schema: &TableSchema) -> Selection {
        let values: Vec<(&str, Vec<String>)> = self
            .columns
            .iter()
            .zip(&self.keys)
            .filter_map(|((i, _), keys)| {
                let texts: Option<Vec<String>> = keys
                    .iter()
                    .map(|key| match key {
                        Key::Text(text) => Some(text.clone()),
                        _ => None,
                    })
                    .collect();
                Some((schema.columns[*i].name.as_str(), texts?))
            })
            .collect();
        Selection::from_constraints(schema, values.iter().map(|(c, v)| (*c, v.as_slice())))
    }

    fn matches(&self, row: &Row) -> bool {
        self.columns.iter().zip(&self.keys).all(|((i, ty), keys)| {
            self.applied_by_source.contains(i) || Key::of_cell(&row[*i], *ty).is_some_and(|key| keys.contains(&key))
        })
    }

    /// Every combination of accepted keys, for hash lookups.
    fn combinations(&self) -> Vec<Vec<Key>> {
        let mut out: Vec<Vec<Key>> = vec![Vec::new()];
        for keys in &self.keys {
            out = out
                .into_iter()
                .flat_map(|prefix| keys.iter().map(move |k| [prefix.clone(), vec![k.clone()]].concat()))
                .collect();
        }
        out
    }
}

enum State<'vtab> {
    Streaming {
        scan: Scan<'vtab>,
        pages: Pages<'vtab>,
        rows: std::vec::IntoIter<Row>,
        row: Option<Row>,
        wanted: Option<Wanted>,
        /// The label selector the source applied, shown in the hidden `label_selector` column.
        label_selector: Option<(usize, String)>,
    },
    Cached {
        rows: Arc<KeptRows>,
        positions: Option<Vec<u32>>,
        next: usize,
        current: Option<usize>,
    },
    Done,
}

#[repr(C)]
pub(crate) struct KubeCursor<'vtab> {
    base: sqlite3_vtab_cursor,
    vtab: &'vtab KubeTable,
    state: State<'vtab>,
    rowid: i64,
}

impl<'vtab> KubeCursor<'vtab> {
    fn wanted(&self, idx_str: Option<&str>, args: &Filters<'_>) -> rusqlite::Result<Option<Wanted>> {
        let Some(list) = idx_str.filter(|s| !s.is_empty()) else { return Ok(None) };
        let schema = &self.vtab.table.schema;
        let mut wanted = Wanted { columns: Vec::new(), keys: Vec::new(), applied_by_source: Vec::new() };
        for (n, entry) in list.split(',').enumerate() {
            let (column, whole_list) = match entry.strip_suffix(":in") {
                Some(column) => (column, true),
                None => (entry, false),
            };
            let column: usize = column.parse().map_err(module_error)?;
            let spec = schema.columns.get(column).ok_or_else(|| module_error("constraint on an unknown column"))?;
            let mut keys = Vec::new();
            if whole_list {
                let mut values = args.in_values(n)?;
                while let Some(value) = values.next()? {
                    keys.extend(Key::of_value(value.get_raw(), spec.ty));
                }
            } else {
                let value = args.iter().nth(n).ok_or_else(|| module_error("missing constraint value"))?;
                // `= NULL` matches nothing: no key.
                keys.extend(Key::of_value(value, spec.ty));
            }
            if spec.pushdown == Some(Pushdown::LabelSelector) {
                wanted.applied_by_source.push(column);
            }
            wanted.columns.push((column, spec.ty));
            wanted.keys.push(keys);
        }
        Ok(Some(wanted))
    }

    /// The source's pages for this table, narrowed by `selection`.
    fn pages(&self, selection: &Selection) -> Pages<'vtab> {
        let vtab: &'vtab KubeTable = self.vtab;
        vtab.shared.source.pages(&vtab.table.schema.name, &vtab.table.schema.source, selection)
    }

    /// Moves to the next row, converting further pages as needed.
    fn advance(&mut self) -> rusqlite::Result<()> {
        self.rowid += 1;
        match &mut self.state {
            State::Streaming { scan, pages, rows, row, wanted, .. } => loop {
                if let Some(next) = rows.next() {
                    if wanted.as_ref().is_none_or(|w| w.matches(&next)) {
                        *row = Some(next);
                        return Ok(());
                    }
                    continue;
                }
                match pages.next() {
                    Some(page) => {
                        let table = &self.vtab.table.schema.name;
                        let page = page.map_err(|e| module_error(format!("table {table}: {e}")))?;
                        *rows = scan.rows(&page.body, &page.cluster).map_err(module_error)?.into_iter();
                    }
                    None => {
                        self.state = State::Done;
                        return Ok(());
                    }
                }
            },
            State::Cached { rows, positions, next, current } => {
                let position = match positions {
                    Some(positions) => positions.get(*next).map(|p| *p as usize),
                    None => Some(*next).filter(|n| *n < rows.len()),
                };
                *next += 1;
                *current = position;
                if position.is_none() {
                    self.state = State::Done;
                }
                Ok(())
            }
            State::Done => Ok(()),
        }
    }

    /// The cell of `column` in the current row.
    fn cell(&self, column: usize) -> Option<&Cell> {
        match &self.state {
            State::Streaming { row, .. } => row.as_ref()?.get(column),
            State::Cached { rows, current, .. } => rows.cell((*current)?, column),
            State::Done => None,
        }
    }
}

// SAFETY: `KubeCursor` is `#[repr(C)]` with the `sqlite3_vtab_cursor` SQLite expects as its
// first field, which is what rusqlite's `VTabCursor` contract asks for.
unsafe impl<'vtab> VTabCursor for KubeCursor<'vtab> {
    fn filter(&mut self, _idx_num: c_int, idx_str: Option<&str>, args: &Filters<'_>) -> rusqlite::Result<()> {
        let wanted = self.wanted(idx_str, args)?;
        let vtab: &'vtab KubeTable = self.vtab;
        let table = &vtab.table;
        let name = table.schema.name.as_str();
        // A label selector is applied by the source and echoed by the host, so such a scan
        // always streams with its selection instead of sharing cached rows.
        let selection = wanted.as_ref().map(|w| w.selection(&table.schema)).unwrap_or_default();
        let shared = self.vtab.shared.cache().is_shared(&table.schema.source);
        let plan = if !selection.label_selectors.is_empty() {
            Plan::Stream
        } else if shared {
            Plan::Cached(self.vtab.shared.shared_rows(&table.schema.source, name)?)
        } else {
            self.vtab.shared.cache().plan(name, wanted.is_some())
        };
        let rows = match plan {
            Plan::Stream => {
                let scan = table.scan().map_err(module_error)?;
                let pages = self.pages(&selection);
                let label_selector = selection.label_selector_echo(&table.schema);
                self.state =
                    State::Streaming { scan, pages, rows: Vec::new().into_iter(), row: None, wanted, label_selector };
                self.rowid = 0;
                return self.advance();
            }
            Plan::Cached(rows) => rows,
            Plan::Materialize => self.vtab.shared.keep(&table.schema.source, &[name.to_string()], name)?,
        };
        let positions = wanted.as_ref().map(|w| {
            let mut cache = self.vtab.shared.cache();
            let mut positions: Vec<u32> =
                w.combinations().iter().flat_map(|keys| cache.lookup(name, &w.columns, keys)).collect();
            positions.sort_unstable();
            positions.dedup();
            positions
        });
        self.state = State::Cached { rows, positions, next: 0, current: None };
        self.rowid = 0;
        self.advance()
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.advance()
    }

    fn eof(&self) -> bool {
        matches!(self.state, State::Done)
    }

    fn column(&self, ctx: &mut Context, i: c_int) -> rusqlite::Result<()> {
        let index = usize::try_from(i).ok();
        if let State::Streaming { label_selector: Some((column, value)), .. } = &self.state
            && index == Some(*column)
        {
            return ctx.set_result(value.as_str());
        }
        let cell = index.and_then(|i| self.cell(i));
        match cell {
            None | Some(Cell::Null) => ctx.set_result(rusqlite::types::Null),
            Some(Cell::Integer(v)) => ctx.set_result(v),
            Some(Cell::Double(v)) => ctx.set_result(v),
            Some(Cell::Text(s)) => ctx.set_result(s.as_str()),
        }
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(self.rowid)
    }
}
