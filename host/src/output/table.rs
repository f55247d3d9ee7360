//! Bordered, aligned columns. The whole result is buffered to size the columns.

use std::io::{self, Write};

use rusqlite::types::Value;
use unicode_width::UnicodeWidthStr;

use crate::sql::ResultSink;

pub(super) struct TableSink<'w> {
    out: Box<dyn Write + 'w>,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl<'w> TableSink<'w> {
    pub(super) fn new(out: Box<dyn Write + 'w>) -> Self {
        TableSink { out, columns: Vec::new(), rows: Vec::new() }
    }
}

impl ResultSink for TableSink<'_> {
    fn begin(&mut self, columns: &[String]) -> io::Result<()> {
        self.columns = columns.to_vec();
        self.rows.clear();
        Ok(())
    }

    fn row(&mut self, values: &[Value]) -> io::Result<()> {
        // Newlines would break the grid: they are escaped with every other control character.
        self.rows.push(values.iter().map(|v| super::text(v, false).unwrap_or_default()).collect());
        Ok(())
    }

    fn end(&mut self) -> io::Result<()> {
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.width()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.width());
            }
        }
        let rule: String = widths.iter().map(|w| format!("+{}", "-".repeat(w + 2))).collect::<String>() + "+";
        let line = |cells: &[String]| -> String {
            let mut text = String::new();
            for (cell, width) in cells.iter().zip(&widths) {
                text.push_str("| ");
                text.push_str(cell);
                text.push_str(&" ".repeat(width - cell.width() + 1));
            }
            text + "|"
        };
        writeln!(self.out, "{rule}")?;
        writeln!(self.out, "{}", line(&self.columns))?;
        writeln!(self.out, "{rule}")?;
        for row in &self.rows {
            writeln!(self.out, "{}", line(row))?;
        }
        if !self.rows.is_empty() {
            writeln!(self.out, "{rule}")?;
        }
        self.rows.clear();
        self.out.flush()
    }
}
