//! One table scan: a fresh store and instance, fed page after page.

use std::sync::Arc;

use wasmtime::Store;

use super::Limits;
use super::bindings::{v0_1, v0_2};
use super::component::{Bindings, TableComponent};
use super::error::{MAX_MESSAGE, ScanError, ScanErrorKind};
use super::packed::Rows;
use super::sandbox::Sandbox;
use super::validate::check_row;
use crate::report::BoxError;
use crate::schema::{Cell, Cluster, ColumnSet, Row};
use crate::text::printable;

enum Instance {
    V0_1(v0_1::Instance),
    V0_2(v0_2::Running),
}

/// An object a table left out of its rows (a `kubequery:table@0.2` `object-error`): the scan
/// goes on without it, and the host warns about it by table, namespace and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedObject {
    /// Its position in the page's items.
    pub index: u32,
    pub namespace: String,
    pub name: String,
    /// Why the table left it out.
    pub message: String,
}

/// Skipped objects warned about one by one per page; the rest are counted.
const MAX_SKIPPED_WARNINGS: usize = 10;

/// A running scan of one table. Nothing survives from one scan to the next: each has its own
/// store, memory and WASI context. After any failure the scan is over (a trapped store can
/// never be entered again); the next scan starts clean.
pub struct Scan {
    table: Arc<TableComponent>,
    store: Store<Sandbox>,
    instance: Instance,
    /// The columns the statement reads: all until [`Scan::read_columns`] says otherwise.
    columns: ColumnSet,
    stopped: bool,
    /// Whether rows of unchanged objects are reused (`wasm::reuse`); off once the table told
    /// object rows that did not add up.
    pub(super) reuses: bool,
}

/// One call's rows, the objects the table left out, and where each item's rows end when the
/// table said (`object-rows`).
pub(super) struct Converted {
    pub(super) rows: Rows,
    pub(super) skipped: Vec<SkippedObject>,
    pub(super) ends: Option<Vec<u32>>,
}

impl TableComponent {
    /// Starts a scan.
    pub fn scan(self: &Arc<Self>) -> Result<Scan, ScanError> {
        let bindings = self.bindings().map_err(|e| self.error(ScanErrorKind::Load(Box::new(e))))?;
        let mut store = self.new_store();
        let instance = match bindings {
            Bindings::V0_1(pre) => pre.instantiate(&mut store).map(Instance::V0_1),
            Bindings::V0_2(pre, extensions) => v0_2::instantiate(pre, extensions, &mut store).map(Instance::V0_2),
        }
        .map_err(|e| self.error(ScanErrorKind::Instantiate(e.into())))?;
        let columns = ColumnSet::all(self.schema.columns.len());
        Ok(Scan { table: self.clone(), store, instance, columns, stopped: false, reuses: true })
    }

    fn error(&self, kind: ScanErrorKind) -> ScanError {
        ScanError { table: self.schema.name.clone(), kind }
    }
}

impl Scan {
    /// The table being scanned.
    pub fn table(&self) -> &Arc<TableComponent> {
        &self.table
    }

    /// Whether rows of unchanged objects are reused ([`Scan::page_rows`]): the table tells
    /// which rows came from which object, and what it told added up so far.
    pub fn reuses_rows(&self) -> bool {
        self.reuses && self.table.tells_object_rows()
    }

    /// The columns read from each page.
    pub fn columns(&self) -> &ColumnSet {
        &self.columns
    }

    /// Reads only `columns` from the following pages: a `kubequery:table@0.2` component does
    /// not compute the others, which come back NULL; a 0.1 component computes every column.
    pub fn read_columns(&mut self, columns: ColumnSet) {
        self.columns = columns;
    }

    /// Converts one page into rows, each checked against the schema.
    pub fn rows(&mut self, page: &[u8], cluster: &Cluster) -> Result<Rows, ScanError> {
        self.convert(page, cluster, false).map(|converted| converted.rows)
    }

    /// Converts one page into rows, each checked against the schema, asking the table where
    /// each item's rows end when `by_object`.
    pub(super) fn convert(&mut self, page: &[u8], cluster: &Cluster, by_object: bool) -> Result<Converted, ScanError> {
        if self.stopped {
            return Err(self.table.error(ScanErrorKind::Stopped));
        }
        // The last line of the Secret guarantee: whatever a source did, a page a table must not
        // see never enters the sandbox.
        if let Err(refusal) = crate::secrets::check_page(&self.table.schema.source, page) {
            self.stopped = true;
            return Err(self.table.error(ScanErrorKind::Refused(refusal)));
        }
        // What the component logs is about this table.
        let _span = crate::report::table_span(&self.table.schema.name).entered();
        self.store.set_epoch_deadline(super::component::deadline_ticks(&self.table.limits));
        let outcome = match &self.instance {
            Instance::V0_1(instance) => {
                let result = v0_1::rows(instance, &mut self.store, page, cluster);
                self.outcome(result).and_then(|rows| self.checked(rows))
            }
            Instance::V0_2(instance) => {
                let schema = &self.table.schema;
                let added = &self.table.path_columns;
                let columns = &self.columns;
                let result =
                    v0_2::rows(instance, &mut self.store, page, cluster, &schema.source, columns, added, by_object);
                self.outcome(result).and_then(|rows| self.unpacked(rows))
            }
        };
        outcome.map_err(|kind| {
            self.stopped = true;
            self.table.error(kind)
        })
    }

    /// What a call returned, or why it failed: the table's own error, or a trap explained.
    fn outcome<T>(&mut self, result: wasmtime::Result<Result<T, String>>) -> Result<T, ScanErrorKind> {
        let stderr = self.store.data_mut().flush_stderr();
        match result {
            Ok(Ok(rows)) => Ok(rows),
            Ok(Err(message)) => Err(ScanErrorKind::Table(printable(&message, MAX_MESSAGE))),
            Err(trap) => Err(classify(trap, self.store.data(), &self.table.limits, &stderr)),
        }
    }

    /// Bytes of linear memory the component holds now (it never shrinks during a scan).
    pub fn memory_bytes(&self) -> usize {
        self.store.data().limiter.memory_bytes()
    }

    /// Packed rows read and checked, and the objects the table left out reported.
    fn unpacked(&self, rows: v0_2::PageRows) -> Result<Converted, ScanErrorKind> {
        let limits = &self.table.limits;
        let count = rows.count as usize + rows.skipped.len();
        if count > limits.rows_per_page {
            return Err(ScanErrorKind::TooManyRows { rows: count, limit: limits.rows_per_page });
        }
        let bytes = rows.cells.len() + rows.skipped.iter().map(|s| s.message.len()).sum::<usize>();
        if bytes > limits.bytes_per_page {
            return Err(ScanErrorKind::TooManyBytes { bytes, limit: limits.bytes_per_page });
        }
        let unpacked = Rows::unpack(rows.cells, rows.count as usize, &self.table.schema, &self.columns)
            .map_err(ScanErrorKind::Packed)?;
        self.warn_skipped(&rows.skipped);
        Ok(Converted { rows: unpacked, skipped: rows.skipped, ends: rows.ends })
    }

    /// Warns about each object the table left out (up to a bound per page), by its namespace
    /// and name, with the table's reason.
    pub(super) fn warn_skipped(&self, skipped: &[SkippedObject]) {
        let kind = match &self.table.schema.source {
            crate::schema::Source::Resource(r) => r.kind.as_str(),
            _ => "object",
        };
        for object in skipped.iter().take(MAX_SKIPPED_WARNINGS) {
            let name = match (object.namespace.as_str(), object.name.as_str()) {
                ("", "") => format!("item {} of the page", object.index),
                ("", name) => printable(name, 256),
                (namespace, name) => format!("{}/{}", printable(namespace, 256), printable(name, 256)),
            };
            tracing::warn!("skipped {kind} {name}: {}", printable(&object.message, MAX_MESSAGE));
        }
        if skipped.len() > MAX_SKIPPED_WARNINGS {
            tracing::warn!("skipped {} more {kind} objects of the same page", skipped.len() - MAX_SKIPPED_WARNINGS);
        }
    }

    /// A 0.1 component's rows checked, and packed like a 0.2 component's.
    fn checked(&self, rows: Vec<Row>) -> Result<Converted, ScanErrorKind> {
        let limits = &self.table.limits;
        if rows.len() > limits.rows_per_page {
            return Err(ScanErrorKind::TooManyRows { rows: rows.len(), limit: limits.rows_per_page });
        }
        let bytes: usize = rows.iter().flatten().map(Cell::size).sum();
        if bytes > limits.bytes_per_page {
            return Err(ScanErrorKind::TooManyBytes { bytes, limit: limits.bytes_per_page });
        }
        for (index, row) in rows.iter().enumerate() {
            check_row(&self.table.schema, row).map_err(|source| ScanErrorKind::InvalidRow { row: index, source })?;
        }
        Ok(Converted { rows: Rows::pack(rows, &self.columns), skipped: Vec::new(), ends: None })
    }
}

/// Why a call into a component (`rows`, or `schema` while loading) trapped: a limit the
/// sandbox enforced, a wait, a deadline, a Rust panic (its message, from stderr), or the trap
/// itself with the tail of stderr.
pub(crate) fn classify(trap: wasmtime::Error, sandbox: &Sandbox, limits: &Limits, stderr: &str) -> ScanErrorKind {
    if sandbox.limiter.refused {
        return ScanErrorKind::Memory(sandbox.limiter.limit);
    }
    if trap.chain().any(<dyn std::error::Error + 'static>::is::<super::no_wait::WouldWait>) {
        return ScanErrorKind::Waited;
    }
    if matches!(trap.downcast_ref::<wasmtime::Trap>(), Some(wasmtime::Trap::Interrupt)) {
        return ScanErrorKind::Deadline(limits.deadline_per_page);
    }
    // A Rust guest's panic message is the most useful part of its stderr: its place and the
    // start of its message (stderr is captured up to a bound, so a long one is cut anyway).
    let detail: Vec<&str> = super::sandbox::meaningful_lines(stderr).collect();
    let detail = detail.join(" ");
    if let Some(at) = detail.find("panicked at ") {
        return ScanErrorKind::Panic(printable(&detail[at + "panicked at ".len()..], 1024));
    }
    // A trap's own message, without the wasm backtrace wasmtime wraps it in.
    let cause: BoxError = match trap.downcast_ref::<wasmtime::Trap>() {
        Some(trap) => Box::new(*trap),
        None => trap.into(),
    };
    let stderr = (!detail.is_empty()).then(|| printable(tail(&detail, 1024), 1024));
    ScanErrorKind::Trap { cause, stderr }
}

fn tail(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}
