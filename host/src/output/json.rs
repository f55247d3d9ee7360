//! JSON: an array per statement, or one object per line. Objects keep column order.

use std::io::{self, Write};

use rusqlite::types::Value;

use crate::sql::ResultSink;

pub(super) struct JsonSink<'w> {
    out: Box<dyn Write + 'w>,
    lines: bool,
    keys: Vec<String>,
    first: bool,
}

impl<'w> JsonSink<'w> {
    pub(super) fn new(out: Box<dyn Write + 'w>, lines: bool) -> Self {
        JsonSink { out, lines, keys: Vec::new(), first: true }
    }
}

fn value_json(value: &Value) -> String {
    match value {
        Value::Integer(v) => v.to_string(),
        Value::Real(v) if v.is_finite() => serde_json::Number::from_f64(*v).map_or("null".into(), |n| n.to_string()),
        Value::Null | Value::Real(_) => "null".into(),
        Value::Text(s) => serde_json::Value::String(s.clone()).to_string(),
        Value::Blob(b) => serde_json::Value::String(super::hex(b)).to_string(),
    }
}

impl ResultSink for JsonSink<'_> {
    fn begin(&mut self, columns: &[String]) -> io::Result<()> {
        self.keys = columns.iter().map(|c| serde_json::Value::String(c.clone()).to_string()).collect();
        self.first = true;
        if !self.lines {
            write!(self.out, "[")?;
        }
        Ok(())
    }

    fn row(&mut self, values: &[Value]) -> io::Result<()> {
        let mut object = String::from("{");
        for (i, (key, value)) in self.keys.iter().zip(values).enumerate() {
            if i > 0 {
                object.push(',');
            }
            object.push_str(key);
            object.push(':');
            object.push_str(&value_json(value));
        }
        object.push('}');
        if self.lines {
            writeln!(self.out, "{object}")
        } else {
            let separator = if self.first { "\n  " } else { ",\n  " };
            self.first = false;
            write!(self.out, "{separator}{object}")
        }
    }

    fn end(&mut self) -> io::Result<()> {
        if !self.lines {
            writeln!(self.out, "{}]", if self.first { "" } else { "\n" })?;
        }
        self.out.flush()
    }
}
