//! The planner: how each scan of a statement runs, and the input the statement's tables share.
//!
//! SQLite plans a statement first (`xBestIndex` for every use of every table, where the
//! planner notes which tables read which input, which columns are used and whether each use
//! names a namespace, and [`choose`] picks the equality constraints, or a lone `LIMIT`, and
//! marks the values that come from another table's row), then runs it (`xFilter`, where
//! [`Planner::scan`] decides per scan):
//!
//! - a scan with a label selector streams with its selection, since the source applies the
//!   selector and the rows must carry it back;
//! - when several tables of the statement read the same input (pods and pod containers) and
//!   every use of each names the same one namespace, that namespace is listed once and the
//!   rows of every reader kept;
//! - a join's inner side (a scan with values from an outer row), or a table's repeated scan,
//!   keeps the table's rows — only the columns the statement reads — and looks them up
//!   through a hash index on the constrained columns. It keeps the namespace the scan names,
//!   if it names one: the outer side runs namespace by namespace, so namespaces read least
//!   recently are dropped beyond a window (16 MiB by default), and a join holds one
//!   namespace of its inner side at a time instead of the whole cluster. A table whose
//!   dropped namespaces are needed again more than [`cache::MAX_RELISTS`] times is kept
//!   whole instead;
//! - every other scan, the outer side of a join included, streams: it is never held;
//! - constraints on pushdown columns, and a `LIMIT`, narrow the request
//!   ([`Constraints::selection`]); what a statement keeps is capped
//!   ([`crate::sql::MAX_KEPT_BYTES`] by default), and a statement that would keep more fails
//!   with a message saying how to narrow it.

mod cache;
mod constraints;
mod rows;

pub(crate) use constraints::{Constraints, choose};
pub(crate) use rows::ScanRows;
use rows::Stream;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use cache::{KeptRows, Partition, Plan, StatementCache};
use rusqlite::Error;

use crate::report::table_span;
use crate::schema::Source;
use crate::sources::DataSource;
use crate::wasm::{Pipeline, TableComponent};

/// Plans the scans of one connection's statements, one statement at a time.
pub(crate) struct Planner {
    source: Arc<dyn DataSource>,
    tables: std::sync::RwLock<HashMap<String, Arc<TableComponent>>>,
    statement: Mutex<StatementCache>,
    /// Bytes of rows one statement may keep for its joins.
    pub(crate) max_kept_bytes: AtomicUsize,
    /// Bytes of namespaces kept for joins' inner sides before the least recently read is
    /// dropped.
    pub(crate) namespace_window_bytes: AtomicUsize,
    /// Bytes kept by the running statement.
    kept_bytes: AtomicUsize,
    /// Stores, each on a thread of its own, that convert one streamed scan's pages at once.
    pub(crate) conversion_workers: AtomicUsize,
}

/// One conversion worker per core, up to four: past that, a List's pages arrive slower than
/// they convert, and each worker's store holds tens of MB.
fn default_conversion_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// An error SQLite reports for the virtual table. By value, so that `map_err(module_error)`
/// takes any error.
#[allow(clippy::needless_pass_by_value)]
pub(crate) fn module_error(message: impl ToString) -> Error {
    Error::ModuleError(message.to_string())
}

impl Planner {
    pub(crate) fn new(source: Arc<dyn DataSource>, tables: &[Arc<TableComponent>]) -> Self {
        let tables = tables.iter().map(|t| (t.schema.name.clone(), t.clone())).collect();
        Planner {
            source,
            tables: std::sync::RwLock::new(tables),
            statement: Mutex::default(),
            max_kept_bytes: AtomicUsize::new(super::MAX_KEPT_BYTES),
            namespace_window_bytes: AtomicUsize::new(cache::NAMESPACE_WINDOW_BYTES),
            kept_bytes: AtomicUsize::new(0),
            conversion_workers: AtomicUsize::new(default_conversion_workers()),
        }
    }

    /// Plans the scans of `table` too (a generic resource table registered on first use).
    pub(crate) fn add_table(&self, table: Arc<TableComponent>) {
        self.tables.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(table.schema.name.clone(), table);
    }

    /// Forgets the previous statement: called before SQLite plans the next one.
    pub(crate) fn begin_statement(&self) {
        self.kept_bytes.store(0, Ordering::Relaxed);
        self.statement().clear();
    }

    /// Notes, while SQLite plans the statement, that it reads `table`, these columns of it
    /// (SQLite's `colUsed` mask), and whether this use names one namespace.
    pub(crate) fn note_use(&self, table: &TableComponent, columns_used: u64, namespace_constrained: bool) {
        let mut statement = self.statement();
        statement.note_reader(&table.schema.source, &table.schema.name);
        statement.note_use(&table.schema.name, columns_used, namespace_constrained);
    }

    /// Starts one scan of `table` with `constraints`, positioned on its first row.
    pub(crate) fn scan<'t>(
        &'t self,
        table: &'t Arc<TableComponent>,
        constraints: Option<Constraints>,
    ) -> rusqlite::Result<ScanRows<'t>> {
        let name = table.schema.name.as_str();
        let source = &table.schema.source;
        // What the source logs while it starts (or reuses) the List is about this table.
        let _span = table_span(name).entered();
        let selection = constraints.as_ref().map(|c| c.selection(&table.schema)).unwrap_or_default();
        let namespace = match (source, selection.namespaces.as_slice()) {
            (Source::Resource(resource), [namespace]) if resource.namespaced => Some(namespace.as_str()),
            _ => None,
        };
        let joined = constraints.as_ref().is_some_and(Constraints::has_outer_values);
        let shared = self.statement().shared_partition(source, namespace);
        let (plan, partition) = if !selection.label_selectors.is_empty() {
            (Plan::Stream, Partition::All)
        } else if let Some(partition) = shared {
            let (covering, rows) = self.shared_rows(source, name, &partition)?;
            (Plan::Cached(covering, rows), partition)
        } else {
            let mut statement = self.statement();
            let partition = statement.partition(name, namespace);
            (statement.plan(name, joined, &partition), partition)
        };
        let (partition, kept) = match plan {
            Plan::Stream => {
                let mut scan = table.scan().map_err(module_error)?;
                scan.read_columns(self.statement().columns_read(name, table.schema.columns.len()));
                let mut rows = ScanRows::Streaming(Box::new(Stream {
                    table: name,
                    pipeline: Pipeline::new(scan, self.conversion_workers.load(Ordering::Relaxed)),
                    pages_done: false,
                    pages: self.source.pages(name, source, &selection),
                    rows: None,
                    next: 0,
                    row: None,
                    constraints,
                    label_selector_column: table.schema.label_selector_column(),
                    label_selector: None,
                }));
                rows.advance()?;
                return Ok(rows);
            }
            Plan::Cached(partition, rows) => (partition, rows),
            Plan::Materialize => self.keep(source, &[name.to_string()], name, &partition)?,
        };
        let positions = match &constraints {
            Some(c) => {
                let (mut positions, mut indexed) = (Vec::new(), 0);
                {
                    let mut statement = self.statement();
                    for keys in c.combinations() {
                        let (found, built) = statement.lookup(name, &partition, &c.columns, &keys);
                        positions.extend(found);
                        indexed += built;
                    }
                }
                self.count_kept(name, indexed)?;
                positions.sort_unstable();
                positions.dedup();
                Some(positions)
            }
            None => None,
        };
        let mut rows = ScanRows::Kept { rows: kept, positions, next: 0, current: None };
        rows.advance()?;
        Ok(rows)
    }

    /// The kept rows of `table` for `partition`, which reads `source` like other tables of
    /// the statement do: the List is fetched once and kept for all of them.
    fn shared_rows(
        &self,
        source: &Source,
        table: &str,
        partition: &Partition,
    ) -> rusqlite::Result<(Partition, Arc<KeptRows>)> {
        if let Some(kept) = self.statement().kept(table, partition) {
            return Ok(kept);
        }
        let readers = self.statement().readers_of(source);
        self.keep(source, &readers, table, partition)
    }

    /// Fetches `partition` of the List of `source` once and keeps the rows of every table in
    /// `readers` (of which `table` is one) for the rest of the statement. Each page is
    /// converted by every reader before the next is fetched, so no raw page outlives its
    /// conversion, and each table keeps only the columns the statement reads.
    fn keep(
        &self,
        source: &Source,
        readers: &[String],
        table: &str,
        partition: &Partition,
    ) -> rusqlite::Result<(Partition, Arc<KeptRows>)> {
        let _span = table_span(table).entered();
        let mut converting = Vec::with_capacity(readers.len());
        for name in readers {
            let component = self
                .tables
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(name)
                .cloned()
                .ok_or_else(|| module_error(format!("no table {name}")))?;
            let width = component.schema.columns.len();
            let (idle, columns) = {
                let mut statement = self.statement();
                (statement.take_idle_scan(name), statement.columns_read(name, width))
            };
            let kept = KeptRows::new(width, &columns);
            // A table kept namespace by namespace converts them all in one store, as one scan
            // of several pages would: a fresh store per namespace would fault its memory in
            // again each time.
            let mut scan = match idle {
                Some(scan) => scan,
                None => component.scan().map_err(module_error)?,
            };
            scan.read_columns(columns);
            converting.push((name, scan, kept, 0));
        }
        let parallel = self.conversion_workers.load(Ordering::Relaxed) > 1;
        for page in self.source.pages(table, source, &partition.selection()) {
            let page = page.map_err(|e| module_error(format!("table {table}: {e}")))?;
            // Every reader converts the page in its own store: on threads of their own when
            // there are several readers and more than one worker is allowed.
            let converted: Vec<_> = if parallel && converting.len() > 1 {
                std::thread::scope(|threads| {
                    let running: Vec<_> = converting
                        .iter_mut()
                        .map(|(name, scan, ..)| {
                            let page = &page;
                            let span = table_span(name);
                            threads.spawn(move || span.in_scope(|| scan.page_rows(page)))
                        })
                        .collect();
                    running
                        .into_iter()
                        .map(|t| t.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                        .collect()
                })
            } else {
                converting.iter_mut().map(|(_, scan, ..)| scan.page_rows(&page)).collect()
            };
            for ((_, _, kept, kept_bytes), rows) in converting.iter_mut().zip(converted) {
                let bytes = kept.extend(&rows.map_err(module_error)?);
                *kept_bytes += bytes;
                self.count_kept(table, bytes)?;
            }
        }
        let mut statement = self.statement();
        for (name, scan, mut kept, bytes) in converting {
            kept.shrink();
            statement.store(name, partition.clone(), kept, bytes);
            statement.keep_idle_scan(name, scan);
        }
        let dropped = statement.make_room(partition, self.namespace_window_bytes.load(Ordering::Relaxed));
        let held = self.kept_bytes.fetch_sub(dropped, Ordering::Relaxed) - dropped;
        tracing::debug!(
            "kept {partition:?} of {source} for {readers:?}; dropped {} KiB; the statement holds {} KiB",
            dropped >> 10,
            held >> 10
        );
        statement.kept(table, partition).ok_or_else(|| module_error(format!("table {table} does not read {source}")))
    }

    /// Counts `bytes` more kept by the statement (rows of `table`, or an index over them),
    /// failing once the statement keeps more than its cap.
    fn count_kept(&self, table: &str, bytes: usize) -> rusqlite::Result<()> {
        let total = self.kept_bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let limit = self.max_kept_bytes.load(Ordering::Relaxed);
        if total > limit {
            return Err(module_error(format!(
                "table {table}: the statement keeps more than {} MiB of rows for its joins; \
                 narrow it with WHERE (namespace = …, name = …) or join fewer tables",
                limit >> 20
            )));
        }
        Ok(())
    }

    fn statement(&self) -> MutexGuard<'_, StatementCache> {
        // The statement's state holds no invariant a panic could break; keep serving.
        self.statement.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
