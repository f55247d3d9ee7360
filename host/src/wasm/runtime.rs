//! The process-wide engine, its epoch ticker, the compile cache and the sandbox limits.

use std::path::PathBuf;
use std::thread;
use std::time::Duration;

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

/// The wasmtime engine shared by every table, plus where compiled code is cached.
pub struct Runtime {
    pub(crate) engine: Engine,
    pub(crate) cache: Option<CompileCache>,
    pub(crate) limits: Limits,
}

impl Runtime {
    /// Creates the engine and starts its epoch ticker. `cache_dir` holds compiled components
    /// so that later starts skip compilation; `None` compiles in memory every time.
    pub fn new(cache_dir: Option<PathBuf>, limits: Limits) -> Result<Self, RuntimeError> {
        let engine = Engine::new(&engine_config()).map_err(|e| RuntimeError::Engine(e.into()))?;

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

        let cache = cache_dir.and_then(|dir| match CompileCache::open(dir.clone()) {
            Ok(cache) => Some(cache),
            Err(e) => {
                tracing::warn!("compiled-table cache {} is unusable, compiling in memory: {e}", dir.display());
                None
            }
        });
        Ok(Runtime { engine, cache, limits })
    }

    pub fn limits(&self) -> Limits {
        self.limits
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
