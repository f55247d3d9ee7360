//! One kubequery table as an osquery table plugin.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use osquery_rust_ng::plugin::{ColumnDef, ColumnOptions, ColumnType, ReadOnlyTable};
use osquery_rust_ng::{ExtensionPluginRequest, ExtensionResponse, ExtensionStatus, PackedRows};
use thiserror::Error;

use super::calls::{CallLimits, Calls};
use super::context::{ContextError, parse_context};
use crate::budget::{BudgetError, Bytes, Lease, Stop, Wait};
use crate::schema::{self, CellRef, ColumnSet};
use crate::sources::{DataSource, PAGES_AHEAD, Selection, SourceError};
use crate::wasm::{Rows, ScanError, TableComponent};

/// osqueryd's Thrift transport refuses messages over 100 MiB; keep a margin for framing.
pub const MAX_RESPONSE_BYTES: usize = 96 << 20;

/// Reservation of a call of a table no call of which has run yet: what a call of 10 000
/// typical pods holds at most (measured: 115 MiB), less what a full page adds later.
const FIRST_RESERVATION: u64 = 96 << 20;
/// What converting a page may add, as a multiple of the page's size: the rows the component
/// hands back until they are packed, and its memory growth past what earlier scans needed.
const CONVERSION_FACTOR: u64 = 3;
/// What a call holds that is not counted page by page: its thread, its connections' buffers,
/// the copies a page goes through on its way in.
const CALL_OVERHEAD: u64 = 8 << 20;
/// Pages a scan holds at once: the one converted, the ones read ahead, the one downloading.
const PAGES_HELD: u64 = PAGES_AHEAD as u64 + 2;

pub struct OsqueryTable {
    table: Arc<TableComponent>,
    source: Arc<dyn DataSource>,
    calls: Arc<Calls>,
    /// Column names, shared by every row of every answer.
    names: Arc<[String]>,
}

/// Why a `generate` call returns no rows; the status message osqueryd logs.
#[derive(Debug, Error)]
enum CallError {
    #[error(transparent)]
    Context(#[from] ContextError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error(transparent)]
    Budget(#[from] BudgetError),
    #[error("the call took longer than {} s (--call-timeout); narrow the query or raise the timeout", .0.as_secs())]
    Deadline(std::time::Duration),
    #[error("internal error while generating rows (see the extension log)")]
    Panicked,
    #[error(
        "the result exceeds osquery's extension message limit ({limit}) after {rows} rows; narrow the query \
         (for example WHERE namespace = '…') or select from it in smaller parts"
    )]
    TooBig { rows: usize, limit: Bytes },
}

impl From<Stop> for CallError {
    fn from(stop: Stop) -> Self {
        match stop {
            Stop::HungUp => CallError::Budget(BudgetError::HungUp),
            Stop::Deadline(after) => CallError::Deadline(after),
        }
    }
}

impl OsqueryTable {
    pub fn new(table: Arc<TableComponent>, source: Arc<dyn DataSource>, calls: Arc<Calls>) -> Self {
        let names = table.schema.columns.iter().map(|c| c.name.clone()).collect();
        OsqueryTable { table, source, calls, names }
    }

    fn limits(&self) -> &CallLimits {
        &self.calls.limits
    }

    /// Answers one `generate` call: admitted against the memory budget, and admitted again
    /// (keeping its place in line) each time an older call needs the memory first.
    fn answer(&self, request: &ExtensionPluginRequest) -> Result<PackedRows, CallError> {
        let schema = &self.table.schema;
        let context = parse_context(request.get("context").map(String::as_str))?;
        let constraints = context.constraints;
        let columns = context.columns_used.map_or_else(
            || ColumnSet::all(schema.columns.len()),
            |mask| ColumnSet::from_sqlite_mask(mask, schema.columns.len()),
        );
        // osquery names constrained columns; a name the table lacks narrows nothing.
        let selection = Selection::from_constraints(constraints.iter().filter_map(|c| {
            Some((schema.columns.iter().find(|column| column.name == c.column)?, c.values.as_slice()))
        }));
        // A narrowed call is usually far smaller than a full one; each kind learns its own size.
        let kind = if selection.is_everything() { schema.name.clone() } else { format!("{} (narrowed)", schema.name) };
        let wait = Wait::new(self.limits().call_timeout, osquery_rust_ng::caller_hung_up);
        let budget = &self.calls.budget;
        let ticket = budget.ticket();
        let mut need = budget.learned(&kind).unwrap_or(FIRST_RESERVATION);
        loop {
            let mut lease = budget.admit(&ticket, need, &wait)?;
            tracing::debug!(
                "admitted with {}; scans hold {}, resident {}",
                Bytes(need),
                Bytes(budget.used()),
                crate::budget::resident_bytes().unwrap_or(Bytes(0))
            );
            match self.scan(&selection, &columns, &kind, &mut lease, need, &wait) {
                Err(CallError::Budget(BudgetError::Preempted)) => {
                    tracing::debug!("gave way to an older call after {}", Bytes(lease.peak()));
                    need = need.max(lease.peak()).max(budget.learned(&kind).unwrap_or(0));
                }
                Ok(mut rows) => {
                    budget.learn(&kind, lease.peak());
                    tracing::debug!(
                        "{} rows, {} on the wire, held at most {}",
                        rows.len(),
                        Bytes(rows.wire_bytes() as u64),
                        Bytes(lease.peak())
                    );
                    // The rows stay counted until osqueryd has them.
                    rows.keep_alive(lease);
                    return Ok(rows);
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// One scan of a call of `kind`, holding at least `floor` bytes of the budget (what the
    /// call was admitted with).
    fn scan(
        &self,
        selection: &Selection,
        columns: &ColumnSet,
        kind: &str,
        lease: &mut Lease,
        floor: u64,
        wait: &Wait,
    ) -> Result<PackedRows, CallError> {
        let schema = &self.table.schema;
        let mut scan = self.table.scan()?;
        scan.read_columns(columns.clone());
        let label_selector_column = schema.label_selector_column();
        let mut out = PackedRows::new(self.names.clone());
        let mut largest_page = 0u64;
        // A component's memory grows to what its biggest page needs, mostly on the first page:
        // expect what the last scan of the table reached.
        let component_kind = format!("{} (component memory)", schema.name);
        let component = self.calls.budget.learned(&component_kind).unwrap_or(0);
        for page in self.source.pages(&schema.name, &schema.source, selection) {
            wait.check()?;
            let page = page?;
            let size = page.body.len() as u64;
            largest_page = largest_page.max(size);
            let held = |out: &PackedRows, scan: &crate::wasm::Scan| {
                out.heap_bytes() as u64
                    + component.max(scan.memory_bytes() as u64)
                    + largest_page * PAGES_HELD
                    + CALL_OVERHEAD
            };
            lease.reserve(floor.max(held(&out, &scan) + size * CONVERSION_FACTOR), wait)?;
            // The source applied the page's label selector: its rows show it.
            let label_selector = label_selector_column.zip(page.label_selector.as_deref());
            let rows = scan.page_rows(&page)?;
            for row in 0..rows.len() {
                self.pack(&mut out, &rows, row, label_selector)?;
            }
            lease.set(floor.max(held(&out, &scan)));
            self.calls.budget.expect_at_least(kind, lease.peak());
            self.calls.budget.expect_at_least(&component_kind, scan.memory_bytes() as u64);
        }
        Ok(out)
    }

    /// Adds row `row` of `rows` as osquery wants it: every value a string, NULL left out, and
    /// INTEGER only when the value fits the 32 bits osquery keeps (a wider value would
    /// silently wrap).
    fn pack(
        &self,
        out: &mut PackedRows,
        rows: &Rows,
        row: usize,
        label_selector: Option<(usize, &str)>,
    ) -> Result<(), CallError> {
        let schema = &self.table.schema;
        let limit = self.limits().max_response;
        let too_big = |out: &PackedRows| CallError::TooBig { rows: out.len(), limit: Bytes(limit as u64) };
        for (index, column) in schema.columns.iter().enumerate() {
            let number: String;
            let value = match (label_selector, rows.cell(row, index)) {
                (Some((at, selector)), _) if at == index => selector,
                (_, CellRef::Null) => continue,
                (_, CellRef::Integer(v)) if column.ty == schema::ColumnType::Integer && i32::try_from(v).is_err() => {
                    tracing::debug!("{} = {v} does not fit osquery's INTEGER; sent as NULL", column.name);
                    continue;
                }
                (_, CellRef::Integer(v)) => {
                    number = v.to_string();
                    &number
                }
                (_, CellRef::Double(v)) => {
                    number = v.to_string();
                    &number
                }
                (_, CellRef::Text(v)) => v,
            };
            out.push_cell(index, value).map_err(|_| too_big(out))?;
        }
        out.end_row().map_err(|_| too_big(out))?;
        if out.wire_bytes() > limit {
            return Err(too_big(out));
        }
        Ok(())
    }
}

impl ReadOnlyTable for OsqueryTable {
    fn name(&self) -> String {
        self.table.schema.name.clone()
    }

    fn columns(&self) -> Vec<ColumnDef> {
        self.table
            .schema
            .columns
            .iter()
            .map(|c| {
                let ty = match c.ty {
                    schema::ColumnType::Text => ColumnType::Text,
                    schema::ColumnType::Integer => ColumnType::Integer,
                    schema::ColumnType::BigInt => ColumnType::BigInt,
                    schema::ColumnType::Double => ColumnType::Double,
                };
                let mut options = ColumnOptions::DEFAULT;
                if c.options.index {
                    options |= ColumnOptions::INDEX;
                }
                if c.options.required {
                    options |= ColumnOptions::REQUIRED;
                }
                if c.options.hidden {
                    // A HIDDEN-only column gets no constraints from osqueryd; INDEX restores them.
                    options |= ColumnOptions::HIDDEN | ColumnOptions::INDEX;
                }
                ColumnDef::new(&c.name, ty, options)
            })
            .collect()
    }

    fn generate(&self, request: ExtensionPluginRequest) -> ExtensionResponse {
        let name = &self.table.schema.name;
        // Whatever this call logs, down to each cluster's requests, is about this table.
        let _span = crate::report::table_span(name).entered();
        let result =
            catch_unwind(AssertUnwindSafe(|| self.answer(&request))).unwrap_or_else(|_| Err(CallError::Panicked));
        match result {
            Ok(rows) => ExtensionResponse::with_packed_rows(ExtensionStatus::new(0, "OK".to_string(), None), rows),
            Err(CallError::Budget(BudgetError::HungUp)) => {
                tracing::info!("the caller hung up; the call was stopped and its memory freed");
                failure(&format!("table {name}: the caller hung up"))
            }
            Err(error) => {
                tracing::warn!("{error}");
                failure(&format!("table {name}: {error}"))
            }
        }
    }

    fn shutdown(&self) {}
}

fn failure(message: &str) -> ExtensionResponse {
    ExtensionResponse::new(ExtensionStatus::new(1, format!("kubequery: {message}"), None), Vec::<BTreeMap<_, _>>::new())
}
