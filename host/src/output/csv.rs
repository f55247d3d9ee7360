//! RFC 4180 CSV, a header line per statement.

use std::io::{self, Write};

use rusqlite::types::Value;

use crate::sql::ResultSink;

pub(super) struct CsvSink<'w> {
    out: Box<dyn Write + 'w>,
}

impl<'w> CsvSink<'w> {
    pub(super) fn new(out: Box<dyn Write + 'w>) -> Self {
        CsvSink { out }
    }

    fn record<'a>(&mut self, fields: impl Iterator<Item = Option<&'a str>>) -> io::Result<()> {
        let line: Vec<String> = fields.map(|f| f.map(quote).unwrap_or_default()).collect();
        write!(self.out, "{}\r\n", line.join(","))
    }
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

impl ResultSink for CsvSink<'_> {
    fn begin(&mut self, columns: &[String]) -> io::Result<()> {
        self.record(columns.iter().map(|c| Some(c.as_str())))
    }

    fn row(&mut self, values: &[Value]) -> io::Result<()> {
        let texts: Vec<Option<String>> = values.iter().map(|v| super::text(v, true)).collect();
        self.record(texts.iter().map(Option::as_deref))
    }

    fn end(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
