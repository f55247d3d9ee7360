//! The watch cache against listing, for the osquery deployment's query pack
//! (docs/deploy/osquery.conf): API requests and bytes per run of the pack and per hour with
//! pod churn, the time of a pack run and of the pods query from the cache and from Lists, and
//! the peak RSS of a process serving the pack from the cache.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use kubequery::catalog::{Catalog, Loading};
use kubequery::sources::DataSource;
use kubequery::sources::live::{CacheConfig, LiveConfig, LiveSource};
use kubequery::sql::{Engine, ResultSink};
use kubequery::wasm::{Limits, Runtime};
use rusqlite::types::Value;
use serde_json::json;

use crate::cluster::Cluster;
use crate::measure;

/// One query of the pack and how often it runs.
pub struct Scheduled {
    pub sql: String,
    pub interval: Duration,
}

/// The deployment's query pack.
pub fn pack(repo: &Path) -> anyhow::Result<Vec<Scheduled>> {
    let conf: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join("docs/deploy/osquery.conf"))?)?;
    let queries = conf["packs"]["kubequery"]["queries"].as_object().context("the kubequery pack")?;
    Ok(queries
        .values()
        .map(|q| Scheduled {
            sql: q["query"].as_str().unwrap_or_default().to_string(),
            interval: Duration::from_secs(q["interval"].as_u64().unwrap_or(3600)),
        })
        .collect())
}

pub struct Results {
    /// A pack run that lists: wall time, API requests, bytes served.
    pub listed: (Duration, usize, u64),
    /// The first pack run with the cache (its Lists and watches start), then a later one.
    pub first_cached: (Duration, usize, u64),
    pub cached: (Duration, usize, u64),
    /// The pods query: listed; from the cache the first time its columns are read (every pod
    /// converted); again (the rows of unchanged pods reused); the first time after a minute
    /// of the first churn rate (the new and changed pods converted). Medians of `runs`.
    pub pods_listed: Duration,
    pub pods_cached_first: Duration,
    pub pods_cached: Duration,
    pub pods_after_churn: Option<Duration>,
    /// Bytes an hour of the pack's Lists take.
    pub list_bytes_per_hour: f64,
    /// The watches' bytes per hour at each rate of churn asked for.
    pub churn: Vec<Churn>,
    /// Peak RSS of `kubequery shell --watch-cache` running the pack twice.
    pub shell_rss: u64,
    /// Bytes the cache holds once the pack ran (`kubequery_cache`).
    pub cache_bytes: u64,
}

/// The watches' bytes under one rate of churn.
pub struct Churn {
    pub pods_per_minute: usize,
    pub watch_bytes_per_hour: f64,
}

/// The peak RSS of a shell that runs the pack twice from the cache.
fn shell_rss(cluster: &Cluster, statements: &[&str], kubequery: &Path, scratch: &Path) -> anyhow::Result<u64> {
    let input = scratch.join(format!("pack-{}.sql", cluster.pods));
    let pack: String = statements.iter().map(|s| format!("{s}\n")).collect();
    std::fs::write(&input, pack.repeat(2))?;
    let run = measure::run_with_input(
        Command::new(kubequery)
            .env("KUBEQUERY_CACHE_DIR", scratch.join("cache"))
            .args(["shell", "--watch-cache", "--watch-cache-memory", "4Gi", "-o", "jsonl", "--kubeconfig"])
            .arg(&cluster.kubeconfig),
        &input,
    )?;
    Ok(run.peak_rss)
}

const PODS: &str = "SELECT name, namespace, node_name, phase FROM kubernetes_pods";

/// Counts rows, keeping none.
struct Discard;

impl ResultSink for Discard {
    fn begin(&mut self, _: &[String]) -> std::io::Result<()> {
        Ok(())
    }
    fn row(&mut self, _: &[Value]) -> std::io::Result<()> {
        Ok(())
    }
    fn end(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn engine(catalog: &Catalog, kubeconfig: &Path, cache: Option<CacheConfig>) -> anyhow::Result<Engine> {
    let config = LiveConfig {
        kubeconfig: Some(kubeconfig.to_path_buf()),
        request_timeout: Duration::from_secs(120),
        watch_cache: cache,
        ..Default::default()
    };
    let source: Arc<dyn DataSource> = Arc::new(LiveSource::connect(&config)?);
    let tables: Vec<_> = catalog.tables().cloned().collect();
    Ok(Engine::new(&tables, source)?)
}

/// Runs `sql` statements and measures the time and the API traffic.
fn run(engine: &Engine, cluster: &Cluster, sql: &[&str]) -> anyhow::Result<(Duration, usize, u64)> {
    cluster.server.clear_requests();
    let started = Instant::now();
    for statement in sql {
        let errors = engine.run(statement, &mut Discard);
        anyhow::ensure!(errors.is_empty(), "{statement}: {errors:?}");
    }
    Ok((started.elapsed(), cluster.server.requests().len(), cluster.server.bytes_served()))
}

pub fn measure(
    cluster: &Cluster,
    pack: &[Scheduled],
    churn_percents: &[f64],
    runs: usize,
    kubequery: &Path,
    scratch: &Path,
) -> anyhow::Result<Results> {
    let runtime = Runtime::new(None, Limits::default())?;
    let catalog = Catalog::builtin(&runtime, Loading::AtFirstScan)?;
    let statements: Vec<&str> = pack.iter().map(|q| q.sql.as_str()).collect();
    let listing = engine(&catalog, &cluster.kubeconfig, None)?;
    let listed = run(&listing, cluster, &statements)?;
    let times = |engine: &Engine| -> anyhow::Result<Duration> {
        let runs = (0..runs.max(1)).map(|_| Ok(run(engine, cluster, &[PODS])?.0)).collect::<anyhow::Result<_>>()?;
        Ok(crate::measure::median(runs))
    };
    let pods_listed = times(&listing)?;
    let list_bytes_per_hour = pack_bytes_per_hour(&listing, cluster, pack)?;

    let caching =
        engine(&catalog, &cluster.kubeconfig, Some(CacheConfig { max_bytes: usize::MAX, ..Default::default() }))?;
    let first_cached = run(&caching, cluster, &statements)?;
    let cached = run(&caching, cluster, &statements)?;
    let pods_cached_first = run(&caching, cluster, &[PODS])?.0;
    let pods_cached = times(&caching)?;
    let cache_bytes = integer(&caching, "SELECT sum(bytes) FROM kubequery_cache")? as u64;

    let mut churn = Vec::new();
    let mut pods_after_churn = None;
    for (round, percent) in churn_percents.iter().enumerate() {
        churn.push(churn_one_minute(&caching, cluster, *percent, round)?);
        if round == 0 {
            pods_after_churn = Some(run(&caching, cluster, &[PODS])?.0);
        }
    }
    drop(caching);
    let shell_rss = shell_rss(cluster, &statements, kubequery, scratch)?;
    Ok(Results {
        shell_rss,
        cache_bytes,
        listed,
        first_cached,
        cached,
        pods_listed,
        pods_cached_first,
        pods_cached,
        pods_after_churn,
        list_bytes_per_hour,
        churn,
    })
}

/// One minute of churn: `percent` of the pods replaced, each new one (named `…-r<round>`)
/// seen Pending then Running; the bytes the watches carried, times sixty.
fn churn_one_minute(caching: &Engine, cluster: &Cluster, percent: f64, round: usize) -> anyhow::Result<Churn> {
    anyhow::ensure!(percent > 0.0 && percent <= 100.0, "--churn {percent}: a percentage above 0");
    let step = (100.0 / percent).round().max(1.0) as usize;
    // The benchmark's pods are stored compact (a slim document, the whole JSON only as Lists
    // serve it): the victims get their whole document back first, so that every watch event
    // carries a whole pod, as kube-apiserver's do.
    let victims: Vec<serde_json::Value> = cluster.server.with_store(|store| {
        let pods = kubequery_fixture_apiserver::ResourceType::new("", "v1", "Pod", "pods", true);
        let whole: Vec<serde_json::Value> = store
            .list_after(&pods, None, None)
            .step_by(step)
            .map(|stored| {
                let mut pod: serde_json::Value = serde_json::from_slice(&stored.item_json)?;
                pod["apiVersion"] = json!("v1");
                pod["kind"] = json!("Pod");
                Ok(pod)
            })
            .collect::<serde_json::Result<_>>()?;
        for pod in &whole {
            store.insert(pod.clone()).map_err(anyhow::Error::msg)?;
        }
        anyhow::Ok(whole)
    })?;
    let churned = victims.len();
    let suffix = format!("-r{round}");
    cluster.server.clear_requests();
    for old in victims {
        let name = old["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let namespace = old["metadata"]["namespace"].as_str().unwrap_or_default().to_string();
        cluster.server.delete("v1", "Pod", &namespace, &name).map_err(anyhow::Error::msg)?;
        let mut new = old.clone();
        new["metadata"]["name"] = json!(format!("{name}{suffix}"));
        new["status"]["phase"] = json!("Pending");
        cluster.server.create(new.clone()).map_err(anyhow::Error::msg)?;
        new["status"]["phase"] = json!("Running");
        cluster.server.replace(new).map_err(anyhow::Error::msg)?;
    }
    // The watches have sent every event once the cache answers with the last change.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !caught_up(caching, &suffix, churned)? {
        anyhow::ensure!(Instant::now() < deadline, "the cache did not catch up with the churn");
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(Churn { pods_per_minute: churned, watch_bytes_per_hour: cluster.server.bytes_served() as f64 * 60.0 })
}

/// Bytes an hour of the pack's schedule lists: each query's bytes times its runs per hour.
fn pack_bytes_per_hour(engine: &Engine, cluster: &Cluster, pack: &[Scheduled]) -> anyhow::Result<f64> {
    let mut total = 0.0;
    for query in pack {
        let (_, _, bytes) = run(engine, cluster, &[&query.sql])?;
        total += bytes as f64 * 3600.0 / query.interval.as_secs_f64().max(1.0);
    }
    Ok(total)
}

/// Whether the cache shows every pod replaced in one round (named `…<suffix>`) Running.
fn caught_up(engine: &Engine, suffix: &str, churned: usize) -> anyhow::Result<bool> {
    // No constraint on phase: the API server would apply it, and listing would spoil the count.
    let sql = format!("SELECT sum(phase = 'Running') FROM kubernetes_pods WHERE name LIKE '%{suffix}'");
    let running = integer(engine, &sql)?;
    Ok(running as usize >= churned)
}

/// The integer `sql` answers (0 for NULL).
fn integer(engine: &Engine, sql: &str) -> anyhow::Result<i64> {
    struct Count(i64);
    impl ResultSink for Count {
        fn begin(&mut self, _: &[String]) -> std::io::Result<()> {
            Ok(())
        }
        fn row(&mut self, values: &[Value]) -> std::io::Result<()> {
            if let Some(Value::Integer(n)) = values.first() {
                self.0 = *n;
            }
            Ok(())
        }
        fn end(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let errors = engine.run(sql, &mut count);
    anyhow::ensure!(errors.is_empty(), "{sql}: {errors:?}");
    Ok(count.0)
}
