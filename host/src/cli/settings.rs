//! Settings from flags, environment variables and the config file, resolved once.
//!
//! osqueryd starts an autoloaded extension with only `--socket --timeout --interval
//! [--verbose]`, so every other setting must also be reachable without flags: each flag has
//! an environment variable, and the YAML config file (`--config`, `KUBEQUERY_CONFIG`, or
//! `/etc/kubequery/kubequery.yaml`) can hold all of them. Flags win over the environment,
//! which wins over the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;

use super::{GlobalArgs, SourceArgs};
use kubequery::budget::Bytes;
use kubequery::catalog::{Catalog, Loading, Policy};
use kubequery::sources::DataSource;
use kubequery::sources::live::{CacheConfig, DEFAULT_MAX_BYTES, LiveConfig, LiveSource};
use kubequery::sources::snapshot::Snapshot;
use kubequery::wasm::{LimitOverrides, Limits, Runtime, default_cache_dir};

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
    table_files: Option<Vec<PathBuf>>,
    table_allow: Option<Vec<String>>,
    table_grant_secrets: Option<Vec<String>>,
    cache_dir: Option<PathBuf>,
    no_cache: Option<bool>,
    table_memory_mb: Option<usize>,
    #[serde(alias = "table_cpu_ms")]
    table_deadline_ms: Option<u64>,
    table_max_rows: Option<usize>,
    table_max_bytes: Option<usize>,
    table_limits: Option<BTreeMap<String, LimitOverrides>>,
    memory_budget: Option<Bytes>,
    call_timeout: Option<u64>,
    max_response: Option<Bytes>,
    watch_cache: Option<bool>,
    watch_cache_resources: Option<Vec<String>>,
    watch_cache_idle: Option<u64>,
    watch_cache_memory: Option<Bytes>,
    events_retention: Option<u64>,
    events_retained: Option<usize>,
    generic_tables: Option<bool>,
    generic_tables_refresh: Option<u64>,
}

/// Everything a command needs to know, with defaults applied.
pub struct Settings {
    pub live: LiveConfig,
    pub snapshot: Option<PathBuf>,
    pub demo: bool,
    pub cluster_name: Option<String>,
    pub tables_dirs: Vec<PathBuf>,
    pub table_files: Vec<PathBuf>,
    pub cache_dir: Option<PathBuf>,
    /// Limits of every table unless `table_limits` says otherwise for it.
    pub limits: Limits,
    /// Limits of particular tables, over `limits`.
    pub table_limits: BTreeMap<String, LimitOverrides>,
    pub policy: Policy,
    /// The extension's settings from the config file (its flags and variables win).
    pub memory_budget: Option<Bytes>,
    pub call_timeout: Option<u64>,
    pub max_response: Option<Bytes>,
    /// Whether the extension serves generic resource tables (its flag and variable win).
    pub generic_tables: Option<bool>,
    /// How often the extension looks for resources its generic tables miss (its flag and
    /// variable win).
    pub generic_tables_refresh: Option<u64>,
    /// The watch cache asked for (`Some(true)`) or against; `None`: the command's default.
    watch_cache: Option<bool>,
    /// The watch cache's settings, used when it is on.
    watch_cache_config: CacheConfig,
    /// `--watch-cache-memory` when set: the extension sizes the cache from its memory budget
    /// otherwise.
    watch_cache_memory: Option<usize>,
}

impl Settings {
    /// The extension's settings: the watch cache on unless turned off, its memory (unless
    /// set) a third of the process's `memory_budget`, at most [`DEFAULT_MAX_BYTES`].
    pub fn for_extension(mut self, memory_budget: Bytes) -> Self {
        if self.watch_cache != Some(false) {
            let third = usize::try_from(memory_budget.0 / 3).unwrap_or(usize::MAX);
            let max_bytes = self.watch_cache_memory.unwrap_or(third.min(DEFAULT_MAX_BYTES));
            self.live.watch_cache = Some(CacheConfig { max_bytes, ..self.watch_cache_config.clone() });
        }
        self
    }

    pub fn resolve(global: &GlobalArgs, source: &SourceArgs) -> anyhow::Result<Self> {
        let file = load_config(global.config.as_deref())?;
        let tables_dirs = paths(&global.tables_dir, "KUBEQUERY_TABLES_DIR", file.tables_dirs);
        let table_files = paths(&global.table_files, "KUBEQUERY_TABLE_FILES", file.table_files);
        let no_cache = global.no_cache || file.no_cache.unwrap_or(false);
        let cache_dir =
            if no_cache { None } else { global.cache_dir.clone().or(file.cache_dir).or_else(default_cache_dir) };
        let limits = LimitOverrides {
            memory_mb: global.table_memory_mb.or(file.table_memory_mb),
            deadline_ms: global.table_deadline_ms.or(file.table_deadline_ms),
            rows_per_page: global.table_max_rows.or(file.table_max_rows),
            bytes_per_page: global.table_max_bytes.or(file.table_max_bytes),
        }
        .apply(Limits::default());
        let allow = if global.table_allow.is_empty() { file.table_allow } else { Some(global.table_allow.clone()) };
        let secrets = if global.table_grant_secrets.is_empty() {
            file.table_grant_secrets
        } else {
            Some(global.table_grant_secrets.clone())
        };
        let policy = Policy { allow, secrets: secrets.unwrap_or_default().into_iter().collect() };
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
            watch_cache: None,
        };
        let defaults = CacheConfig::default();
        let resources = if source.watch_cache_resources.is_empty() {
            file.watch_cache_resources
        } else {
            Some(source.watch_cache_resources.clone())
        };
        let watch_cache_memory = source
            .watch_cache_memory
            .or(file.watch_cache_memory)
            .map(|size| usize::try_from(size.0).unwrap_or(usize::MAX));
        let watch_cache_config = CacheConfig {
            resources,
            idle: source.watch_cache_idle.or(file.watch_cache_idle).map_or(defaults.idle, Duration::from_secs),
            max_bytes: watch_cache_memory.unwrap_or(defaults.max_bytes),
            events_retention: source
                .events_retention
                .or(file.events_retention)
                .map_or(defaults.events_retention, Duration::from_secs),
            events_retained: source.events_retained.or(file.events_retained).unwrap_or(defaults.events_retained),
            // A watch ends before a read of the request's timeout would fail it.
            watch_timeout: defaults.watch_timeout.min(live.request_timeout.saturating_sub(Duration::from_secs(5))),
            ..defaults
        };
        let watch_cache = source.watch_cache.or(file.watch_cache);
        let mut live = live;
        if watch_cache == Some(true) {
            live.watch_cache = Some(watch_cache_config.clone());
        }
        Ok(Settings {
            live,
            snapshot,
            demo,
            cluster_name: source.cluster_name.clone().or(file.cluster_name),
            tables_dirs,
            table_files,
            cache_dir,
            limits,
            table_limits: file.table_limits.unwrap_or_default(),
            policy,
            memory_budget: file.memory_budget,
            call_timeout: file.call_timeout,
            max_response: file.max_response,
            generic_tables: file.generic_tables,
            generic_tables_refresh: file.generic_tables_refresh,
            watch_cache,
            watch_cache_config,
            watch_cache_memory,
        })
    }

    pub fn runtime(&self) -> anyhow::Result<Runtime> {
        let runtime = Runtime::new(self.cache_dir.clone(), self.limits).context("starting the WebAssembly runtime")?;
        Ok(runtime.with_table_limits(self.table_limits.clone()))
    }

    /// The built-in tables, their code loaded as `loading` says, plus the third-party ones the
    /// settings name and the policy admits.
    pub fn catalog(&self, loading: Loading) -> anyhow::Result<Catalog> {
        let runtime = self.runtime()?;
        let mut catalog = Catalog::builtin(&runtime, loading).context("loading the built-in tables")?;
        // A refused third-party table is reported and skipped; every other table still works.
        for error in catalog.add_third_party(&runtime, &self.policy, &self.tables_dirs, &self.table_files) {
            tracing::error!("skipping table component: {error}");
        }
        Ok(catalog)
    }

    /// The data source the settings select: a snapshot, the demo, or live clusters. With the
    /// `catalog` queries will use, a snapshot also says which kinds no typed table reads: their
    /// generic tables when the command serves them (`generic_tables`), else a warning that
    /// they are left out.
    pub fn source(&self, catalog: Option<&Catalog>, generic_tables: bool) -> anyhow::Result<Arc<dyn DataSource>> {
        let snapshot = match (&self.snapshot, self.demo) {
            (Some(dir), _) => Snapshot::load_dir(dir, self.cluster_name.clone())?,
            (None, true) => Snapshot::demo(self.cluster_name.clone()),
            (None, false) => return Ok(Arc::new(LiveSource::connect(&self.live)?)),
        };
        for problem in snapshot.problems() {
            tracing::warn!("skipped {problem}");
        }
        if let Some(catalog) = catalog {
            let read = kubequery::schema::kinds_read(catalog.tables().map(|t| &t.schema));
            for unread in snapshot.unread_kinds(&read) {
                if generic_tables {
                    tracing::info!("{unread}: query them as {}", unread.resource.generic_table_name());
                } else {
                    tracing::warn!("{unread}; they are left out");
                }
            }
        }
        Ok(Arc::new(snapshot))
    }
}

/// A path list from flags, else the environment (`:`-separated), else the config file.
fn paths(flags: &[PathBuf], env: &str, file: Option<Vec<PathBuf>>) -> Vec<PathBuf> {
    if !flags.is_empty() {
        return flags.to_vec();
    }
    match std::env::var_os(env).filter(|v| !v.is_empty()) {
        Some(list) => std::env::split_paths(&list).collect(),
        None => file.unwrap_or_default(),
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
