//! `kubequery table test`: a component against fixture files, like a golden-file unit test.
//!
//! The inputs are read exactly as a snapshot directory is (JSON or YAML, single objects, Lists,
//! `version.json`, discovery documents) and paged as a query would page them; the component
//! runs in the same sandbox, under the same limits. Its rows are printed as a JSON array of
//! objects, JSON-valued columns as documents, which is also the golden-file format.
//!
//! A table may skip the columns a statement does not read (`kubequery:table@0.2`), so the
//! inputs are converted a second time reading every other column, and those columns must
//! come out the same: a table whose values change with what else is read is a bug that no
//! golden file of `SELECT *` would show. A table that tells which rows came from which object
//! (`kubequery:table@0.2.2`) is converted a third time as the watch cache would, reusing its
//! rows of every other object and converting the rest in pages of their own: the rows must
//! not change either.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::Args;
use kubequery::schema::{Cell, ColumnSet, Row, Source, TableSchema};
use kubequery::sources::row_memo::{PageObjects, RowBudget, RowMemo};
use kubequery::sources::snapshot::Snapshot;
use kubequery::sources::{DataSource, Selection};
use kubequery::wasm::{Origin, TableComponent};
use serde_json::{Map, Value};

use super::diff;
use crate::cli::Settings;

#[derive(Args)]
pub struct TestArgs {
    /// The table component (.wasm)
    component: PathBuf,
    /// Fixture file: Kubernetes objects or Lists in JSON or YAML (`kubectl get -o json|yaml`),
    /// a version.json or discovery documents; repeatable
    #[arg(long = "input", required = true, value_name = "FILE")]
    inputs: Vec<PathBuf>,
    /// Golden file: the expected rows as a JSON array of objects; a mismatch prints a diff and
    /// fails
    #[arg(long, value_name = "EXPECTED.json")]
    expect: Option<PathBuf>,
    /// Write the rows to the --expect file instead of comparing them
    #[arg(long, requires = "expect")]
    update: bool,
    /// cluster_name the rows carry
    #[arg(long, default_value = "test", value_name = "NAME")]
    cluster_name: String,
}

pub fn run(settings: &Settings, args: TestArgs) -> anyhow::Result<ExitCode> {
    let runtime = settings.runtime()?;
    let wasm = std::fs::read(&args.component).with_context(|| format!("reading {}", args.component.display()))?;
    let table = std::sync::Arc::new(runtime.load(&wasm, None, Origin::File(args.component.clone()))?);
    let schema = table.schema.clone();
    if let Err(refusal) = settings.policy.admit(&schema) {
        eprintln!("kubequery: warning: with these settings `kubequery query` would refuse this table: {refusal}");
    }

    let snapshot = Snapshot::load_files(&args.inputs, args.cluster_name.clone());
    if !snapshot.problems().is_empty() {
        for problem in snapshot.problems() {
            eprintln!("kubequery: error: {problem}");
        }
        bail!("unreadable input files");
    }
    let (rows, pages) = convert(&table, &snapshot, None)?;
    let every_other = ColumnSet::from_positions((0..schema.columns.len()).step_by(2));
    let (fewer, _) = convert(&table, &snapshot, Some(every_other.clone()))?;
    check_projection(&schema, &rows, &fewer, &every_other)?;
    check_object_rows(&table, &snapshot, &rows)?;
    let actual = rows_as_json(&schema, &rows);
    let text = pretty(&actual)?;
    eprintln!(
        "{} (kubequery:table@{}): {} row(s) from {pages} page(s) of {}; schema and rows are valid",
        schema.name,
        table.wit_version,
        rows.len(),
        schema.source
    );

    let Some(golden) = args.expect else {
        print!("{text}");
        return Ok(ExitCode::SUCCESS);
    };
    if args.update {
        std::fs::write(&golden, &text).with_context(|| format!("writing {}", golden.display()))?;
        eprintln!("wrote {}", golden.display());
        return Ok(ExitCode::SUCCESS);
    }
    let expected_text = std::fs::read_to_string(&golden).with_context(|| format!("reading {}", golden.display()))?;
    let expected: Value =
        serde_json::from_str(&expected_text).with_context(|| format!("{} is not JSON", golden.display()))?;
    if expected == actual {
        eprintln!("rows match {}", golden.display());
        return Ok(ExitCode::SUCCESS);
    }
    let diff = diff::unified(&pretty(&expected)?, &text).unwrap_or_default();
    print!("--- {} (expected)\n+++ {} (actual)\n{diff}", golden.display(), args.component.display());
    eprintln!("kubequery: rows differ from {}; run with --update to accept them", golden.display());
    Ok(ExitCode::FAILURE)
}

/// The rows of every page of the inputs, reading `columns` (all when `None`), and the pages.
fn convert(
    table: &std::sync::Arc<TableComponent>,
    snapshot: &Snapshot,
    columns: Option<ColumnSet>,
) -> anyhow::Result<(Vec<Row>, usize)> {
    let schema = &table.schema;
    let mut scan = table.scan()?;
    if let Some(columns) = columns {
        scan.read_columns(columns);
    }
    let (mut rows, mut pages) = (Vec::new(), 0);
    for page in snapshot.pages(&schema.name, &schema.source, &Selection::default()) {
        let page = page?;
        pages += 1;
        rows.extend(scan.rows(&page.body, &page.cluster)?.to_vec());
    }
    Ok((rows, pages))
}

/// Checks, for a table that tells which rows came from which object, that its rows of each
/// object stand alone: with the rows of every other object reused and the rest converted in
/// pages of their own, as the watch cache does, the rows are `all` again.
fn check_object_rows(table: &Arc<TableComponent>, snapshot: &Snapshot, all: &[Row]) -> anyhow::Result<()> {
    let schema = &table.schema;
    if !table.tells_object_rows() || !matches!(schema.source, Source::Resource(_)) {
        return Ok(());
    }
    let memo = Arc::new(RowMemo::new(RowBudget::new(usize::MAX)));
    let mut pages = Vec::new();
    let mut next_id = 0;
    for page in snapshot.pages(&schema.name, &schema.source, &Selection::default()) {
        let mut page = page?;
        let Some(spans) = item_spans(&page.body) else { return Ok(()) };
        let ids = (next_id..next_id + spans.len() as u64).collect();
        next_id += spans.len() as u64;
        page.objects = Some(Arc::new(PageObjects { ids, spans, memo: memo.clone() }));
        pages.push(page);
    }
    let mut scan = table.scan()?;
    for page in &pages {
        scan.page_rows(page)?;
    }
    if !scan.reuses_rows() {
        bail!(
            "{}: its `object-rows` ends do not add up (one per item, never backwards, the last at the row count)",
            schema.name
        );
    }
    memo.retain(&(0..next_id).filter(|id| id % 2 == 1).collect());
    let mut scan = table.scan()?;
    let mut again = Vec::new();
    for page in &pages {
        again.extend(scan.page_rows(page)?.to_vec());
    }
    if let Some(row) = (0..all.len().max(again.len())).find(|&i| all.get(i) != again.get(i)) {
        bail!(
            "{}: row {row} is {:?} when every object is converted, {:?} when the rows of every other object are              reused; a table's rows of an object must depend only on that object (`object-rows`)",
            schema.name,
            all.get(row),
            again.get(row)
        );
    }
    Ok(())
}

/// Where each item of a List page is in its body.
fn item_spans(body: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
    #[derive(serde::Deserialize)]
    struct List<'a> {
        #[serde(borrow)]
        items: Vec<&'a serde_json::value::RawValue>,
    }
    let list: List = serde_json::from_slice(body).ok()?;
    let base = body.as_ptr() as usize;
    let span = |item: &str| {
        let start = item.as_ptr() as usize - base;
        start..start + item.len()
    };
    Some(list.items.iter().map(|item| span(item.get())).collect())
}

/// Checks that reading only `read` gives the same values in those columns as reading all.
fn check_projection(schema: &TableSchema, all: &[Row], fewer: &[Row], read: &ColumnSet) -> anyhow::Result<()> {
    if all.len() != fewer.len() {
        bail!(
            "{}: {} row(s) when every column is read, {} when only some are; the rows must not depend on the \
             columns read",
            schema.name,
            all.len(),
            fewer.len()
        );
    }
    for (index, (a, b)) in all.iter().zip(fewer).enumerate() {
        for position in read.positions() {
            if a.get(position) != b.get(position) {
                bail!(
                    "{}: row {index}, column {}: {:?} when every column is read, {:?} when only every other \
                     one is; a column's value must not depend on which others are read",
                    schema.name,
                    schema.columns[position].name,
                    a.get(position),
                    b.get(position)
                );
            }
        }
    }
    Ok(())
}

/// Rows as `SELECT *` shows them: visible columns only, JSON columns parsed.
fn rows_as_json(schema: &TableSchema, rows: &[Row]) -> Value {
    let visible: Vec<_> = schema.columns.iter().enumerate().filter(|(_, c)| !c.options.hidden).collect();
    Value::Array(
        rows.iter()
            .map(|row| {
                let mut object = Map::new();
                for (i, column) in &visible {
                    let value = match &row[*i] {
                        Cell::Null => Value::Null,
                        Cell::Integer(v) => Value::from(*v),
                        Cell::Double(v) => Value::from(*v),
                        Cell::Text(text) if column.options.json => {
                            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
                        }
                        Cell::Text(text) => Value::String(text.clone()),
                    };
                    object.insert(column.name.clone(), value);
                }
                Value::Object(object)
            })
            .collect(),
    )
}

fn pretty(value: &Value) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}
