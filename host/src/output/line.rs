//! `column = value` lines, names right-aligned, a blank line between rows.

use std::io::{self, Write};

use rusqlite::types::Value;

use crate::sql::ResultSink;

pub(super) struct LineSink<'w> {
    out: Box<dyn Write + 'w>,
    columns: Vec<String>,
    width: usize,
    first: bool,
}

impl<'w> LineSink<'w> {
    pub(super) fn new(out: Box<dyn Write + 'w>) -> Self {
        LineSink { out, columns: Vec::new(), width: 0, first: true }
    }
}

impl ResultSink for LineSink<'_> {
    fn begin(&mut self, columns: &[String]) -> io::Result<()> {
        self.width = columns.iter().map(|c| c.chars().count()).max().unwrap_or(0);
        self.columns = columns.to_vec();
        Ok(())
    }

    fn row(&mut self, values: &[Value]) -> io::Result<()> {
        if !self.first {
            writeln!(self.out)?;
        }
        self.first = false;
        for (column, value) in self.columns.iter().zip(values) {
            writeln!(
                self.out,
                "{column:>width$} = {}",
                super::text(value, false).unwrap_or_default(),
                width = self.width
            )?;
        }
        Ok(())
    }

    fn end(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
