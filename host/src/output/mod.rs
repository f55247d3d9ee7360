//! Printing query results: one [`ResultSink`] per `--output` format.

mod csv;
mod json;
mod line;
mod table;

use std::io::Write;

use rusqlite::types::Value;

use crate::sql::ResultSink;

/// `--output` formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns with borders, like osqueryi (default on a terminal).
    Table,
    /// One JSON array of objects per statement; numbers as numbers, NULL as null.
    Json,
    /// One JSON object per line (default when not on a terminal).
    Jsonl,
    /// RFC 4180 CSV with a header line; NULL is an empty field.
    Csv,
    /// `column = value` lines, a blank line between rows, like osqueryi's line mode.
    Line,
}

impl Format {
    /// Every format, with its name and what it writes, for command lines and help.
    pub const ALL: [(Format, &'static str, &'static str); 5] = [
        (Format::Table, "table", "Aligned columns with borders, like osqueryi (default on a terminal)"),
        (Format::Json, "json", "One JSON array of objects per statement; numbers as numbers, NULL as null"),
        (Format::Jsonl, "jsonl", "One JSON object per line (default when not on a terminal)"),
        (Format::Csv, "csv", "RFC 4180 CSV with a header line; NULL is an empty field"),
        (Format::Line, "line", "`column = value` lines, a blank line between rows, like osqueryi's line mode"),
    ];
}

/// A name that is not one of [`Format::ALL`].
#[derive(Debug, thiserror::Error)]
#[error("unknown output format {0:?}")]
pub struct UnknownFormat(pub String);

impl std::str::FromStr for Format {
    type Err = UnknownFormat;

    /// A format by name, in any case.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .iter()
            .find(|(_, known, _)| known.eq_ignore_ascii_case(name))
            .map(|(format, _, _)| *format)
            .ok_or_else(|| UnknownFormat(name.to_string()))
    }
}

/// A sink printing `format` to `out`.
pub fn sink<'w>(format: Format, out: Box<dyn Write + 'w>) -> Box<dyn ResultSink + 'w> {
    match format {
        Format::Table => Box::new(table::TableSink::new(out)),
        Format::Json => Box::new(json::JsonSink::new(out, false)),
        Format::Jsonl => Box::new(json::JsonSink::new(out, true)),
        Format::Csv => Box::new(csv::CsvSink::new(out)),
        Format::Line => Box::new(line::LineSink::new(out)),
    }
}

/// A value as display text, control characters escaped (`keep_layout`: except line breaks
/// and tabs); NULL is `None`. Cluster objects are written by others: an Event's note must
/// not reach the operator's terminal as an escape sequence.
fn text(value: &Value, keep_layout: bool) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Integer(v) => Some(v.to_string()),
        Value::Real(v) => Some(v.to_string()),
        Value::Text(s) => Some(crate::text::escape_controls(s, keep_layout).into_owned()),
        Value::Blob(b) => Some(hex(b)),
    }
}

/// A blob as text: lowercase hex, as `hex()` in SQLite writes it (but lowercase, as osquery).
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
