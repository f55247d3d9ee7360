//! Converting one scan's pages on several cores at once, rows still in page order.
//!
//! A [`Pipeline`] hands page `k` to worker `k mod N`, each a thread with a store of its own
//! (a [`Scan`]), and gives the rows back in the order the pages were handed in. At most `N`
//! pages are in flight, one per worker, so memory stays bounded by `N` pages and their rows,
//! not by the List. Workers start on first use: a one-page scan never makes a second store.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::component::TableComponent;
use super::error::{ScanError, ScanErrorKind};
use super::scan::Scan;
use crate::schema::{ColumnSet, Row};
use crate::sources::Page;

/// The rows of one page, with the label selector its page was listed with.
pub struct ConvertedPage {
    pub rows: Vec<Row>,
    pub label_selector: Option<Arc<str>>,
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
}

impl Pipeline {
    /// A pipeline whose first worker converts in `scan` (reading the columns it reads), and
    /// which starts up to `max_workers - 1` more stores as pages keep coming.
    pub fn new(scan: Scan, max_workers: usize) -> Self {
        Pipeline {
            table: scan.table().clone(),
            columns: scan.columns().clone(),
            first: Some(scan),
            workers: Vec::new(),
            max_workers: max_workers.max(1),
            submitted: 0,
            taken: 0,
        }
    }

    /// Whether another page can be submitted without waiting for rows to be taken.
    pub fn has_room(&self) -> bool {
        self.submitted - self.taken < self.max_workers
    }

    /// Pages submitted whose rows have not been taken.
    pub fn in_flight(&self) -> usize {
        self.submitted - self.taken
    }

    /// Hands `page` to the next worker, starting it if needed. Call only when
    /// [`Pipeline::has_room`].
    pub fn submit(&mut self, page: Page) -> Result<(), ScanError> {
        let index = self.submitted % self.max_workers;
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
        Some(
            worker.rows.recv().unwrap_or_else(|_| {
                Err(ScanError { table: self.table.schema.name.clone(), kind: ScanErrorKind::Stopped })
            }),
        )
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
                let converted = scan
                    .rows(&page.body, &page.cluster)
                    .map(|rows| ConvertedPage { rows, label_selector: page.label_selector.clone() });
                // The pipeline was dropped (the statement stopped early): nothing to do.
                if outbox.send(converted).is_err() {
                    break;
                }
            }
        })
        .map_err(error)?;
    Ok(Worker { pages, rows })
}
