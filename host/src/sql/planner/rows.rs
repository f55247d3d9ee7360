//! The rows one scan yields, as the plan decided: streamed page by page from the source, or
//! read from rows the statement keeps.

use std::sync::Arc;

use super::cache::KeptRows;
use super::constraints::Constraints;
use super::module_error;
use crate::report::table_span;
use crate::schema::{Cell, CellRef};
use crate::sources::Pages;
use crate::wasm::{Pipeline, Rows};

/// A scan converting the source's pages as they come, on every core, in page order.
pub(crate) struct Stream<'t> {
    /// The table, for messages.
    pub(crate) table: &'t str,
    pub(crate) pipeline: Pipeline,
    pub(crate) pages: Pages<'t>,
    /// Whether the source has no more pages.
    pub(crate) pages_done: bool,
    /// The current page's rows, if one was converted.
    pub(crate) rows: Option<Rows>,
    /// The next row of `rows` to look at.
    pub(crate) next: usize,
    /// The row the cursor is on.
    pub(crate) row: Option<usize>,
    pub(crate) constraints: Option<Constraints>,
    /// The hidden `label_selector` column, if the table has one.
    pub(crate) label_selector_column: Option<usize>,
    /// The label selector the source listed the current page with, shown in that column.
    pub(crate) label_selector: Option<Cell>,
}

/// Where a scan's rows come from, and how far it has got.
pub(crate) enum ScanRows<'t> {
    /// Converting the source's pages one at a time.
    Streaming(Box<Stream<'t>>),
    /// Rows kept for the statement, all of them or the positions a lookup found.
    Kept { rows: Arc<KeptRows>, positions: Option<Vec<u32>>, next: usize, current: Option<usize> },
    /// No more rows.
    Done,
}

impl ScanRows<'_> {
    /// Moves to the next row, converting further pages as needed.
    pub(crate) fn advance(&mut self) -> rusqlite::Result<()> {
        match self {
            ScanRows::Streaming(stream) => loop {
                let Stream { table, pipeline, pages, pages_done, rows, next, row, constraints, label_selector, .. } =
                    &mut **stream;
                if let Some(page) = rows.as_ref().filter(|page| *next < page.len()) {
                    let candidate = *next;
                    *next += 1;
                    if constraints.as_ref().is_none_or(|c| c.matches(|column| page.cell(candidate, column))) {
                        *row = Some(candidate);
                        return Ok(());
                    }
                    continue;
                }
                // Keep every worker busy: hand in pages while one is free. Only fetching a page
                // gets a span (the source may log): a row costs none.
                while !*pages_done && pipeline.has_room() {
                    match table_span(table).in_scope(|| pages.next()) {
                        Some(page) => {
                            let page = page.map_err(|e| module_error(format!("table {table}: {e}")))?;
                            pipeline.submit(page).map_err(module_error)?;
                        }
                        None => *pages_done = true,
                    }
                }
                let Some(converted) = pipeline.take() else {
                    *self = ScanRows::Done;
                    return Ok(());
                };
                let converted = converted.map_err(module_error)?;
                // The page before is dropped only now: its rows are read until the next row.
                *rows = Some(converted.rows);
                *next = 0;
                *label_selector = converted.label_selector.as_deref().map(|s| Cell::Text(s.to_string()));
            },
            ScanRows::Kept { rows, positions, next, current } => {
                let position = match positions {
                    Some(positions) => positions.get(*next).map(|p| *p as usize),
                    None => Some(*next).filter(|n| *n < rows.len()),
                };
                *next += 1;
                *current = position;
                if position.is_none() {
                    *self = ScanRows::Done;
                }
                Ok(())
            }
            ScanRows::Done => Ok(()),
        }
    }

    /// Whether every row has been read.
    pub(crate) fn is_done(&self) -> bool {
        matches!(self, ScanRows::Done)
    }

    /// The cell of `column` in the current row; `None` reads as NULL.
    pub(crate) fn cell(&self, column: usize) -> Option<CellRef<'_>> {
        match self {
            ScanRows::Streaming(stream) => match &stream.label_selector {
                Some(value) if stream.label_selector_column == Some(column) => Some(value.borrowed()),
                _ => Some(stream.rows.as_ref()?.cell(stream.row?, column)),
            },
            ScanRows::Kept { rows, current, .. } => rows.cell((*current)?, column),
            ScanRows::Done => None,
        }
    }
}
