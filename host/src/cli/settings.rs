//! Settings from flags, environment variables and the config file, resolved once.
//!
//! osqueryd starts an autoloaded extension with only `--socket --timeout --interval
//! [--verbose]`, so every other setting must also be reachable without flags: each flag has
//! an environment variable, and the YAML config file (`--config`, `KUBEQUERY_CONFIG`, or
//! `/etc/kubequery/kubequery.yaml`) can hold all of them. Flags win over the environment,
//! which wins over the file.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;

use super::{GlobalArgs, SourceArgs};
use kubequery::catalog::Catalog;
use kubequery::sources::DataSource;
use kubequery::sources::live::{LiveConfig, LiveSource};
use kubequery::sources::snapshot::Snapshot;
use kubequery::wasm::{Limits, Origin, Runtime, default_cache_dir};

const DEFAULT_CONFIG: &str = "/etc/kubequery/kubequery.yaml";

/// The config file. Every key is optional; unknown keys are an error, so typos do not pass
/// silently.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
struct ConfigFile {
    kubeconfig: Option<PathBuf>,
    contexts: Option<Vec<String>>,
    all_contexts: Option<bool>,
    request_timeout: Option<u64>,
    snapshot: Option<PathBuf>,
    demo: Option<bool>,
    cluster_name: Option<String>,
    tables_dirs: Option<Vec<PathBuf>>,
    cache_dir: Option<PathBuf>,
    no_cache: Option<bool>,
    table_memory_mb: Option<usize>,
    table_cpu_ms: Option<u64>,
}

/// Everything a command needs to know, with defaults applied.
pub struct Settings {
    pub live: LiveConfig,
    pub snapshot: Option<PathBuf>,
    pub demo: bool,
    pub cluster_name: Option<String>,
    pub tables_dirs: Vec<PathBuf>,
    pub cache_dir: Option<PathBuf>,
    pub limits: Limits,
}

impl Settings {
    pub fn resolve(global: &GlobalArgs, source: &SourceArgs) -> anyhow::Result<Self> {
        let file = load_config(global.config.as_deref())?;
        let mut tables_dirs = global.tables_dir.clone();
        if tables_dirs.is_empty() {
            if let Some(dirs) = std::env::var_os("KUBEQUERY_TABLES_DIR").filter(|d| !d.is_empty()) {
                tables_dirs = std::env::split_paths(&dirs).collect();
            } else {
                tables_dirs = file.tables_dirs.unwrap_or_default();
            }
        }
        let no_cache = global.no_cache || file.no_cache.unwrap_or(false);
        let cache_dir =
            if no_cache { None } else { global.cache_dir.clone().or(file.cache_dir).or_else(default_cache_dir) };
        let defaults = Limits::default();
        let limits = Limits {
            memory_bytes: global
                .table_memory_mb
                .or(file.table_memory_mb)
                .map_or(defaults.memory_bytes, |mb| mb.saturating_mul(1 << 20)),
            cpu_per_page: global
                .table_cpu_ms
                .or(file.table_cpu_ms)
                .map_or(defaults.cpu_per_page, Duration::from_millis),
        };
        let snapshot = source.snapshot.clone().or(if source.demo { None } else { file.snapshot });
        let demo = source.demo || (snapshot.is_none() && file.demo.unwrap_or(false));
        let live = LiveConfig {
            kubeconfig: source.kubeconfig.clone().or(file.kubeconfig),
            contexts: if source.context.is_empty() {
                file.contexts.unwrap_or_default()
            } else {
                source.context.clone()
            },
            all_contexts: source.all_contexts || file.all_contexts.unwrap_or(false),
            cluster_name: source.cluster_name.clone().or(file.cluster_name.clone()),
            request_timeout: Duration::from_secs(source.request_timeout.or(file.request_timeout).unwrap_or(60).max(1)),
        };
        Ok(Settings {
            live,
            snapshot,
            demo,
            cluster_name: source.cluster_name.clone().or(file.cluster_name),
            tables_dirs,
            cache_dir,
            limits,
        })
    }

    /// The built-in tables plus the third-party ones from `tables_dirs`.
    pub fn catalog(&self) -> anyhow::Result<Catalog> {
        let runtime = Runtime::new(self.cache_dir.clone(), self.limits).context("starting the WebAssembly runtime")?;
        let mut catalog = Catalog::builtin(&runtime).context("loading the built-in tables")?;
        for dir in &self.tables_dirs {
            let entries =
                std::fs::read_dir(dir).with_context(|| format!("reading tables directory {}", dir.display()))?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
                .collect();
            files.sort();
            for file in files {
                // A broken third-party table is reported and skipped; every other table still works.
                let loaded = std::fs::read(&file)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
                    .and_then(|wasm| Ok(runtime.load(&wasm, None, Origin::File(file.clone()))?))
                    .and_then(|table| Ok(catalog.add(table)?));
                if let Err(e) = loaded {
                    tracing::error!("skipping table component: {e:#}");
                }
            }
        }
        Ok(catalog)
    }

    /// The data source the settings select: a snapshot, the demo, or live clusters.
    pub fn source(&self) -> anyhow::Result<Arc<dyn DataSource>> {
        let snapshot = match (&self.snapshot, self.demo) {
            (Some(dir), _) => Snapshot::load_dir(dir, self.cluster_name.clone())?,
            (None, true) => Snapshot::demo(self.cluster_name.clone()),
            (None, false) => return Ok(Arc::new(LiveSource::connect(&self.live)?)),
        };
        for problem in snapshot.problems() {
            tracing::warn!("skipped {problem}");
        }
        Ok(Arc::new(snapshot))
    }
}

fn load_config(explicit: Option<&Path>) -> anyhow::Result<ConfigFile> {
    let path = match explicit {
        Some(path) => path,
        None if Path::new(DEFAULT_CONFIG).is_file() => Path::new(DEFAULT_CONFIG),
        None => return Ok(ConfigFile::default()),
    };
    let text = std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
    if text.trim().is_empty() {
        return Ok(ConfigFile::default());
    }
    serde_yaml_ng::from_str(&text).with_context(|| format!("config file {}", path.display()))
}
