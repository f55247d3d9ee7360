//! Converting one scan's pages on several cores at once, rows still in page order.
//!
//! A [`Pipeline`] hands page `k` to worker `k mod N`, each a thread with a store of its own
//! (a [`Scan`]), and gives the rows back in the order the pages were handed in. At most `N`
//! pages are in flight, one per worker, so memory stays bounded by `N` pages and their rows,
//! not by the List. Workers start on first use: a one-page scan never makes a second store.
//! And a store is only added while the stores together would stay under
//! [`MAX_STORES_BYTES`], judged by what the first page took: a table of large objects whose
//! every column is read keeps one store rather than doubling its memory.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::component::TableComponent;
use super::error::{ScanError, ScanErrorKind};
use super::packed::Rows;
use super::scan::Scan;
use crate::schema::ColumnSet;
use crate::sources::Page;

/// Linear memory the stores of one pipeline may hold together before it stops adding
/// workers.
pub const MAX_STORES_BYTES: usize = 160 << 20;

/// The rows of one page, with the label selector its page was listed with.
pub struct ConvertedPage {
    pub rows: Rows,
    pub label_selector: Option<Arc<str>>,
    /// Linear memory of the store that converted it, afterwards.
    pub store_bytes: usize,
}

struct Worker {
    pages: SyncSender<Page>,
    rows: Receiver<Result<ConvertedPage, ScanError>>,
}

/// Converts pages of one table on up to `workers` stores in parallel.
pub struct Pipeline {
    table: Arc<TableComponent>,
    columns: ColumnSet,
    /// The store the first worker takes (a scan the caller already made), if not yet started.
    first: Option<Scan>,
    workers: Vec<Worker>,
    max_workers: usize,
    submitted: usize,
    taken: usize,
    /// The most linear memory a store has needed so far.
    largest_store: usize,
    /// Linear memory the stores may hold together before no more are added.
    store_budget: usize,
}

impl Pipeline {
    /// A pipeline whose first worker converts in `scan` (reading the columns it reads), and
    /// which starts up to `max_workers - 1` more stores as pages keep coming, while they fit
    /// in [`MAX_STORES_BYTES`].
    pub fn new(scan: Scan, max_workers: usize) -> Self {
        Pipeline::with_store_budget(scan, max_workers, MAX_STORES_BYTES)
    }

    /// [`Pipeline::new`] with another budget for the stores' memory together.
    pub fn with_store_budget(scan: Scan, max_workers: usize, store_budget: usize) -> Self {
        Pipeline {
            table: scan.table().clone(),
            columns: scan.columns().clone(),
            first: Some(scan),
            workers: Vec::new(),
            max_workers: max_workers.max(1),
            submitted: 0,
            taken: 0,
            largest_store: 0,
            store_budget,
        }
    }

    /// Stores started so far.
    pub fn stores(&self) -> usize {
        self.workers.len()
    }

    /// Whether another page can be submitted without waiting for rows to be taken. A second
    /// store waits for the first page's rows, which say how much memory a store needs.
    pub fn has_room(&self) -> bool {
        let sizing_first_store = self.submitted == 1 && self.taken == 0 && self.max_workers > 1;
        self.submitted - self.taken < self.max_workers && !sizing_first_store
    }

    /// Hands `page` to the next worker, starting it if needed. Call only when
    /// [`Pipeline::has_room`].
    pub fn submit(&mut self, page: Page) -> Result<(), ScanError> {
        let mut index = self.submitted % self.max_workers;
        if index == self.workers.len() && index > 0 && self.largest_store.saturating_mul(index + 1) > self.store_budget
        {
            // No more stores: from here on, page `k` goes to worker `k mod index`, which is
            // where every page so far went too (page `k < index` went to worker `k`).
            self.max_workers = index;
            index = self.submitted % self.max_workers;
            tracing::debug!(
                "converting on {} store(s): each needs up to {} MiB",
                self.max_workers,
                self.largest_store >> 20
            );
        }
        if index == self.workers.len() {
            let scan = if let Some(scan) = self.first.take() {
                scan
            } else {
                let mut scan = self.table.scan()?;
                scan.read_columns(self.columns.clone());
                scan
            };
            self.workers.push(start(scan)?);
        }
        // A worker gone (its thread ended) shows up as an error when its rows are taken.
        let _ = self.workers[index].pages.send(page);
        self.submitted += 1;
        Ok(())
    }

    /// The rows of the oldest page submitted, waiting for them; `None` when none is in flight.
    pub fn take(&mut self) -> Option<Result<ConvertedPage, ScanError>> {
        if self.taken == self.submitted {
            return None;
        }
        let worker = &self.workers[self.taken % self.max_workers];
        self.taken += 1;
        let converted = worker
            .rows
            .recv()
            .unwrap_or_else(|_| Err(ScanError { table: self.table.schema.name.clone(), kind: ScanErrorKind::Stopped }));
        if let Ok(page) = &converted {
            self.largest_store = self.largest_store.max(page.store_bytes);
        }
        Some(converted)
    }
}

/// Starts a worker thread converting pages in `scan`.
fn start(mut scan: Scan) -> Result<Worker, ScanError> {
    let (pages, inbox) = sync_channel::<Page>(1);
    let (outbox, rows) = sync_channel(1);
    let table = scan.table().schema.name.clone();
    let error = |e| ScanError { table: table.clone(), kind: ScanErrorKind::Thread(e) };
    let name = table.clone();
    std::thread::Builder::new()
        .name(format!("convert {table}"))
        .spawn(move || {
            let table = name;
            let _span = crate::report::table_span(&table).entered();
            for page in inbox {
                let converted = scan.page_rows(&page).map(|rows| ConvertedPage {
                    rows,
                    label_selector: page.label_selector.clone(),
                    store_bytes: scan.memory_bytes(),
                });
                // The pipeline was dropped (the statement stopped early): nothing to do.
                if outbox.send(converted).is_err() {
                    break;
                }
            }
        })
        .map_err(error)?;
    Ok(Worker { pages, rows })
}
