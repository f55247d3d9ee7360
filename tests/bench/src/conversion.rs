//! Each built-in table's conversion, in its component (the host's real sandbox: a store per
//! scan, limits, row checks) and natively (the same source compiled for the host), on the
//! same pages: a page of 500 realistic pods for the tables that read pods, and for the other
//! tables the demo cluster's objects of their kind repeated to 500.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use kubequery::catalog::{Catalog, Loading};
use kubequery::schema::{Cluster, Source};
use kubequery::sources::snapshot::Snapshot;
use kubequery::sources::{DataSource, Selection};
use kubequery::wasm::{Limits, Runtime};
use kubequery_fixture_apiserver::synthetic::{self, PodSize};
use serde_json::{Value, json};

use crate::native;

/// Items per page, as a live list pages them.
const PAGE_ITEMS: usize = 500;
/// Each side runs for at least this long.
const MIN_TIME: Duration = Duration::from_millis(300);

pub struct Conversion {
    pub table: String,
    pub page_bytes: usize,
    pub rows: usize,
    pub wasm: Duration,
    pub native: Duration,
}

pub fn measure(pod_size: PodSize, filter: Option<&str>) -> anyhow::Result<Vec<Conversion>> {
    let runtime = Runtime::new(None, Limits::default())?;
    let catalog = Catalog::builtin(&runtime, Loading::AtFirstScan)?;
    let demo = Snapshot::demo(None);
    let pods = pods_page(pod_size)?;
    let mut results = Vec::new();
    for table in catalog.tables() {
        let name = table.schema.name.as_str();
        // The kubequery 1.1.1 tables; `kubequery_cache` reads the host's own state, no List.
        if !name.starts_with("kubernetes_") || filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let native = native::convert(name).with_context(|| format!("{name} has no native build"))?;
        let page = match &table.schema.source {
            Source::Resource(r) if r.group.is_empty() && r.resource == "pods" => pods.clone(),
            source => demo_page(&demo, name, source)?,
        };
        let cluster = Cluster { name: "bench".into(), uid: "uid".into() };
        let request = native::request(name, None).with_context(|| format!("{name} has no native build"))?;

        let mut scan = table.scan()?;
        let rows = scan.rows(&page, &cluster)?.len();
        let wasm = per_call(|| scan.rows(&page, &cluster).map(|_| ()).map_err(|e| anyhow::anyhow!("{e}")))?;
        let native = per_call(|| native(&page, &request).map(|_| ()).map_err(anyhow::Error::msg))?;
        results.push(Conversion { table: name.to_string(), page_bytes: page.len(), rows, wasm, native });
    }
    Ok(results)
}

/// The mean time of one call, over at least `MIN_TIME`.
fn per_call(mut call: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Duration> {
    call()?;
    let (started, mut calls) = (Instant::now(), 0u32);
    while started.elapsed() < MIN_TIME || calls < 5 {
        call()?;
        calls += 1;
    }
    Ok(started.elapsed() / calls)
}

fn pods_page(size: PodSize) -> anyhow::Result<Vec<u8>> {
    let items: Vec<Value> = synthetic::realistic_pods(PAGE_ITEMS, 50, 20, size);
    Ok(serde_json::to_vec(&json!({"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": items}))?)
}

/// The demo's page for `table`, its items repeated to `PAGE_ITEMS`.
fn demo_page(demo: &Snapshot, table: &str, source: &Source) -> anyhow::Result<Vec<u8>> {
    let page = demo
        .pages(table, source, &Selection::default())
        .next()
        .with_context(|| format!("the demo has no page for {table}"))??;
    let mut list: Value = serde_json::from_slice(&page.body)?;
    if let Some(items) = list.get_mut("items").and_then(Value::as_array_mut)
        && !items.is_empty()
    {
        let originals = items.clone();
        while items.len() < PAGE_ITEMS {
            items.push(originals[items.len() % originals.len()].clone());
        }
    }
    Ok(serde_json::to_vec(&list)?)
}
