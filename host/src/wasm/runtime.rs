//! The process-wide engine, its epoch ticker, the compile cache and the sandbox limits.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use serde::Deserialize;
use wasmtime::Engine;

use super::cache::CompileCache;
use super::config::engine_config;
use super::error::RuntimeError;

/// How often the epoch advances; deadlines are counted in these ticks.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// What one table scan may use. The defaults leave room for the largest built-in table on a
/// 500-object page of 20 KB pods (about 10 MB in, a few thousand rows out) many times over;
/// operators tighten them per table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Cap on the component's linear memory.
    pub memory_bytes: usize,
    /// Wall-clock deadline for converting one page: the time from handing the page in to
    /// getting rows back, whatever the component spends it on.
    pub deadline_per_page: Duration,
    /// Rows one page may turn into.
    pub rows_per_page: usize,
    /// Bytes of cells one page may turn into (text length, 8 per number).
    pub bytes_per_page: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 256 << 20,
            deadline_per_page: Duration::from_secs(10),
            rows_per_page: 100_000,
            bytes_per_page: 128 << 20,
        }
    }
}

/// Limits of one table; unset fields keep the default.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LimitOverrides {
    pub memory_mb: Option<usize>,
    /// Deadline per page in ms; `cpu_ms` is its former name.
    #[serde(alias = "cpu_ms")]
    pub deadline_ms: Option<u64>,
    pub rows_per_page: Option<usize>,
    pub bytes_per_page: Option<usize>,
}

impl LimitOverrides {
    /// `base` with these overrides applied.
    pub fn apply(&self, base: Limits) -> Limits {
        Limits {
            memory_bytes: self.memory_mb.map_or(base.memory_bytes, |mb| mb.saturating_mul(1 << 20)),
            deadline_per_page: self.deadline_ms.map_or(base.deadline_per_page, Duration::from_millis),
            rows_per_page: self.rows_per_page.unwrap_or(base.rows_per_page),
            bytes_per_page: self.bytes_per_page.unwrap_or(base.bytes_per_page),
        }
    }
}

/// The wasmtime engine shared by every table, where compiled code is cached, and the limits
/// of every table's scans.
pub struct Runtime {
    pub(crate) engine: Engine,
    cache_dir: Option<PathBuf>,
    /// Opened on first use: by a compilation, or to read what an earlier start remembered of
    /// the built-in tables (`catalog::known`). Why it could not be opened is said once, at
    /// the first compilation: a start that compiles nothing needs no cache.
    cache: OnceLock<Result<CompileCache, std::io::Error>>,
    unusable_cache_said: std::sync::Once,
    /// The limits of every table that `table_limits` does not name.
    pub(crate) limits: Limits,
    table_limits: BTreeMap<String, LimitOverrides>,
}

impl Runtime {
    /// Creates the engine and starts its epoch ticker. `cache_dir` holds compiled components
    /// so that later starts skip compilation; `None` compiles in memory every time.
    pub fn new(cache_dir: Option<PathBuf>, limits: Limits) -> Result<Self, RuntimeError> {
        Self::with_config(&engine_config(), cache_dir, limits)
    }

    /// [`Runtime::new`] with a given engine configuration; tests give another one than
    /// `engine_config`, to see precompiled code refused.
    pub(crate) fn with_config(
        config: &wasmtime::Config,
        cache_dir: Option<PathBuf>,
        limits: Limits,
    ) -> Result<Self, RuntimeError> {
        let engine = Engine::new(config).map_err(|e| RuntimeError::Engine(e.into()))?;

        let weak = engine.weak();
        thread::Builder::new()
            .name("wasm-epoch".into())
            .spawn(move || {
                while let Some(engine) = weak.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    thread::sleep(EPOCH_TICK);
                }
            })
            .map_err(RuntimeError::Ticker)?;

        Ok(Runtime {
            engine,
            cache_dir,
            cache: OnceLock::new(),
            unusable_cache_said: std::sync::Once::new(),
            limits,
            table_limits: BTreeMap::new(),
        })
    }

    /// Sets the limits of particular tables, over the defaults (`table_limits` in the
    /// config file); they apply to tables loaded afterwards.
    pub fn with_table_limits(mut self, table_limits: BTreeMap<String, LimitOverrides>) -> Self {
        self.table_limits = table_limits;
        self
    }

    /// The compile cache, to compile into; `None` without one, or when it is unusable
    /// (said once, as a warning).
    pub(crate) fn cache(&self) -> Option<&CompileCache> {
        let dir = self.cache_dir.as_ref()?;
        match self.opened_cache()? {
            Ok(cache) => Some(cache),
            Err(e) => {
                self.unusable_cache_said.call_once(|| {
                    tracing::warn!("compiled-table cache {} is unusable, compiling in memory: {e}", dir.display());
                });
                None
            }
        }
    }

    /// The compile cache, to read or write anything but compiled code; `None` without one,
    /// or when it is unusable (not said: nothing is lost but time).
    pub(crate) fn cache_quietly(&self) -> Option<&CompileCache> {
        self.opened_cache()?.as_ref().ok()
    }

    fn opened_cache(&self) -> Option<&Result<CompileCache, std::io::Error>> {
        let dir = self.cache_dir.as_ref()?;
        Some(self.cache.get_or_init(|| CompileCache::open(dir.clone())))
    }

    /// The limits of `table`'s scans.
    pub(crate) fn limits_for(&self, table: &str) -> Limits {
        self.table_limits.get(table).map_or(self.limits, |overrides| overrides.apply(self.limits))
    }
}

/// The default cache location: `$XDG_CACHE_HOME/kubequery` or `~/.cache/kubequery`.
pub fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|d| !d.is_empty()).map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("kubequery"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_only_what_they_set() {
        let defaults = Limits::default();
        let overrides = LimitOverrides { memory_mb: Some(16), rows_per_page: Some(10), ..LimitOverrides::default() };
        let limits = overrides.apply(defaults);
        assert_eq!(limits.memory_bytes, 16 << 20);
        assert_eq!(limits.rows_per_page, 10);
        assert_eq!(limits.deadline_per_page, defaults.deadline_per_page);
        assert_eq!(limits.bytes_per_page, defaults.bytes_per_page);
    }
}
