//! The bodies of the fuzz targets (tests/fuzz, docs/fuzzing.md): each takes arbitrary bytes,
//! feeds them to one parser of untrusted input, and panics only when a property kubequery
//! promises is broken. The cargo-fuzz targets are one-line wrappers, and `cargo test` replays
//! every input in tests/fuzz/regressions through the same functions, so a crash found once
//! stays fixed.

use std::collections::BTreeMap;

use osquery_rust_ng::plugin::{ColumnDef, ColumnOptions, ColumnType as OsqueryType, Plugin, ReadOnlyTable};
use osquery_rust_ng::{ExtensionPluginRequest, ExtensionResponse, ExtensionStatus};
use rusqlite::types::Value;

use crate::osquery::parse_context;
use crate::schema::{ApiResource, Cell, Column, ColumnOptions as Options, ColumnType, Source, TableSchema};
use crate::secrets::check_page;
use crate::sources::snapshot::Snapshot;
use crate::sources::{DataSource, LabelSelector, Selection};

fn core(resource: &str, kind: &str) -> Source {
    Source::Resource(ApiResource::core(resource, kind))
}

/// A snapshot file (`name` says JSON or YAML) must load without panicking or hanging, and
/// every page it serves must pass the Secret guard: a Secret source gets value-free
/// metadata, other sources get no Secret.
pub fn snapshot_file(name: &str, data: &[u8]) {
    let snapshot = Snapshot::from_file_bytes(name, data, "fuzz".into());
    for source in [core("secrets", "Secret"), core("pods", "Pod"), core("configmaps", "ConfigMap")] {
        for page in snapshot.pages("fuzz", &source, &Selection::default()).flatten() {
            if let Err(refusal) = check_page(&source, &page.body) {
                panic!("the snapshot served a page the guard refuses for {source}: {refusal}");
            }
        }
    }
}

/// A label selector must parse or be refused, and a parsed one must evaluate.
pub fn label_selector(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(selector) = LabelSelector::parse(text) {
        let labels: BTreeMap<String, String> =
            text.split(',').filter_map(|term| term.split_once('=')).map(|(k, v)| (k.into(), v.into())).collect();
        let _ = selector.matches(&labels);
    }
}

/// An osquery query context must parse or be refused.
pub fn osquery_constraints(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_context(Some(text));
}

/// A 0.2 component's packed rows (the bytes after a small header that picks the schema's
/// types, the columns read and the row count) are read or refused, never panicking and never
/// allocating for rows the bytes cannot hold; what is read has one cell per column, NULL in
/// every column not read, and every read cell fits its column's type.
pub fn packed_rows(data: &[u8]) {
    let [width, read, count, rest @ ..] = data else { return };
    let width = usize::from(width % 8) + 1;
    let types = [ColumnType::Text, ColumnType::Integer, ColumnType::BigInt, ColumnType::Double];
    let columns: Vec<Column> = (0..width)
        .map(|i| Column {
            name: format!("c{i}"),
            ty: types[(usize::from(*read) + i) % types.len()],
            description: String::new(),
            options: Options::default(),
            pushdown: None,
        })
        .collect();
    let schema = TableSchema { name: "fuzz".into(), description: String::new(), columns, source: Source::Discovery };
    let read = crate::schema::ColumnSet::from_sqlite_mask(u64::from(*read), width);
    // A count far past the bytes must be refused without allocating for it.
    let count = if *count == 255 { usize::MAX / 2 } else { usize::from(*count) };
    if let Ok(rows) = crate::wasm::Rows::unpack(rest.to_vec(), count, &schema, &read) {
        assert_eq!(rows.len(), count);
        for row in rows.to_vec() {
            assert_eq!(row.len(), width);
            for (i, cell) in row.iter().enumerate() {
                assert!(read.contains(i) || *cell == Cell::Null, "column {i} is not read but has a value");
            }
            crate::wasm::check_row(&schema, &row).expect("an unpacked row fits the schema");
        }
    }
}

/// Rows a component returns are checked against its schema, and whatever passes is printed
/// in every output format without a raw escape character reaching table, line or CSV text.
pub fn row_validation(data: &[u8]) {
    let Some((&count, rest)) = data.split_first() else { return };
    let count = usize::from(count % 8) + 1;
    let types = [ColumnType::Text, ColumnType::Integer, ColumnType::BigInt, ColumnType::Double];
    let columns: Vec<Column> = (0..count)
        .map(|i| Column {
            name: format!("c{i}"),
            ty: types[usize::from(rest.get(i).copied().unwrap_or(0)) % types.len()],
            description: String::new(),
            options: Options::default(),
            pushdown: None,
        })
        .collect();
    let schema = TableSchema { name: "fuzz".into(), description: String::new(), columns, source: Source::Discovery };
    let cells: Vec<Cell> = rest
        .get(count..)
        .unwrap_or_default()
        .chunks(9)
        .map(|chunk| match chunk[0] % 4 {
            0 => Cell::Null,
            1 => Cell::Integer(chunk.iter().skip(1).fold(0i64, |n, b| n.wrapping_mul(256).wrapping_add(i64::from(*b)))),
            2 => Cell::Double(f64::from_le_bytes(std::array::from_fn(|i| chunk.get(i + 1).copied().unwrap_or(0)))),
            _ => Cell::Text(String::from_utf8_lossy(&chunk[1..]).into_owned()),
        })
        .collect();
    let row: Vec<Cell> = cells.into_iter().take(count).collect();
    if crate::wasm::check_row(&schema, &row).is_err() {
        return;
    }
    let values: Vec<Value> = row
        .iter()
        .map(|cell| match cell {
            Cell::Null => Value::Null,
            Cell::Integer(v) => Value::Integer(*v),
            Cell::Double(v) => Value::Real(*v),
            Cell::Text(v) => Value::Text(v.clone()),
        })
        .collect();
    let names: Vec<String> = schema.columns.iter().map(|c| c.name.clone()).collect();
    for format in [crate::output::Format::Table, crate::output::Format::Line, crate::output::Format::Csv] {
        let mut out = Vec::new();
        {
            let mut sink = crate::output::sink(format, Box::new(&mut out));
            sink.begin(&names).and_then(|()| sink.row(&values)).and_then(|()| sink.end()).expect("writing to memory");
        }
        assert!(!out.contains(&0x1b), "{format:?} output let an escape character through");
    }
}

/// A table for the Thrift fuzz target: its `generate` parses the query context as kubequery's
/// tables do.
#[derive(Clone)]
struct ContextTable;

impl ReadOnlyTable for ContextTable {
    fn name(&self) -> String {
        "fuzz".into()
    }

    fn columns(&self) -> Vec<ColumnDef> {
        vec![ColumnDef::new("name", OsqueryType::Text, ColumnOptions::DEFAULT)]
    }

    fn generate(&self, request: ExtensionPluginRequest) -> ExtensionResponse {
        let status = match parse_context(request.get("context").map(String::as_str)) {
            Ok(_) => ExtensionStatus::new(0, "OK".to_string(), None),
            Err(error) => ExtensionStatus::new(1, error.to_string(), None),
        };
        ExtensionResponse::new(status, Vec::new())
    }

    fn shutdown(&self) {}
}

/// Bytes on the extension socket must be answered or refused, never panic or allocate what
/// a length prefix claims.
pub fn thrift_request(data: &[u8]) {
    let plugins = [Plugin::readonly_table(ContextTable)];
    let _ = osquery_rust_ng::serve_request_bytes(&plugins, data);
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every input in tests/fuzz/regressions/<target>/ (crashes the fuzzers found, once
    /// fixed) and the hand-written seeds go through their target again.
    #[test]
    fn regression_inputs_still_pass() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fuzz/regressions");
        type Target = (&'static str, fn(&[u8]));
        let targets: [Target; 7] = [
            ("snapshot_json", |d| super::snapshot_file("fuzz.json", d)),
            ("snapshot_yaml", |d| super::snapshot_file("fuzz.yaml", d)),
            ("label_selector", super::label_selector),
            ("osquery_constraints", super::osquery_constraints),
            ("row_validation", super::row_validation),
            ("packed_rows", super::packed_rows),
            ("thrift_request", super::thrift_request),
        ];
        let mut replayed = 0;
        for (target, run) in targets {
            let Ok(entries) = std::fs::read_dir(root.join(target)) else { continue };
            for entry in entries.filter_map(Result::ok) {
                let data = std::fs::read(entry.path()).expect("reading a regression input");
                run(&data);
                replayed += 1;
            }
        }
        assert!(replayed > 0, "tests/fuzz/regressions holds inputs");
    }
}
