//! The per-scan store data: deny-all WASI, a memory limiter that remembers refusals, a
//! bounded stderr, and the bounded `log` import.

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::error::MAX_MESSAGE;
use crate::text::printable;

/// Bytes of stderr kept per scan; a component that writes more fails its write.
const STDERR_CAPACITY: usize = 64 << 10;
/// `log` calls forwarded per scan; later ones are counted and dropped.
const MAX_LOG_MESSAGES: usize = 1000;

pub(crate) struct Sandbox {
    wasi: WasiCtx,
    resources: ResourceTable,
    pub(crate) limiter: MemoryLimiter,
    stderr: MemoryOutputPipe,
    stderr_logged: usize,
    logged: usize,
}

impl Sandbox {
    pub(crate) fn new(memory_bytes: usize) -> Self {
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        // No preopens, environment, arguments or network; stdout is discarded.
        let wasi = WasiCtxBuilder::new()
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        Sandbox {
            wasi,
            resources: ResourceTable::new(),
            limiter: MemoryLimiter::new(memory_bytes),
            stderr,
            stderr_logged: 0,
            logged: 0,
        }
    }

    /// The resources of this scan's WASI context (for the non-blocking `poll`).
    pub(crate) fn resources(&mut self) -> &mut ResourceTable {
        &mut self.resources
    }

    /// Logs stderr written since the last call, and returns all of it for error messages.
    pub(crate) fn flush_stderr(&mut self) -> String {
        let all = self.stderr.contents();
        let text = String::from_utf8_lossy(&all).into_owned();
        if all.len() > self.stderr_logged {
            let fresh = String::from_utf8_lossy(&all[self.stderr_logged..]).into_owned();
            for line in meaningful_lines(&fresh) {
                tracing::warn!("stderr: {}", printable(line, MAX_MESSAGE));
            }
            self.stderr_logged = all.len();
        }
        text
    }

    pub(crate) fn forward_log(&mut self, level: tracing::Level, message: &str) {
        self.logged += 1;
        if self.logged > MAX_LOG_MESSAGES {
            if self.logged == MAX_LOG_MESSAGES + 1 {
                tracing::warn!("more than {MAX_LOG_MESSAGES} log messages in one scan; dropping the rest");
            }
            return;
        }
        let message = printable(message, MAX_MESSAGE);
        match level {
            tracing::Level::ERROR => tracing::error!("{message}"),
            tracing::Level::WARN => tracing::warn!("{message}"),
            tracing::Level::INFO => tracing::info!("{message}"),
            tracing::Level::DEBUG => tracing::debug!("{message}"),
            tracing::Level::TRACE => tracing::trace!("{message}"),
        }
    }
}

/// The lines of a component's stderr worth showing: not blank, not Rust's hint about
/// `RUST_BACKTRACE` under a panic.
pub(crate) fn meaningful_lines(stderr: &str) -> impl Iterator<Item = &str> {
    stderr.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("note: run with `RUST_BACKTRACE"))
}

impl WasiView for Sandbox {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.resources }
    }
}

/// Elements of all wasm tables of one scan together (function references: a few bytes
/// each). A Rust table has hundreds, CPython a few tens of thousands.
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

/// A store's limits, counted over all of its memories and tables together — a component
/// with four memories gets the memory limit once, not four times — and remembering whether
/// it refused, so that the resulting abort is reported as the limit rather than an
/// anonymous trap.
pub(crate) struct MemoryLimiter {
    limits: StoreLimits,
    pub(crate) limit: usize,
    pub(crate) refused: bool,
    memory_bytes: usize,
    table_elements: usize,
}

impl MemoryLimiter {
    fn new(limit: usize) -> Self {
        let limits = StoreLimitsBuilder::new()
            .memory_size(limit)
            .table_elements(MAX_TABLE_ELEMENTS)
            .instances(16)
            .tables(16)
            .memories(4)
            .build();
        MemoryLimiter { limits, limit, refused: false, memory_bytes: 0, table_elements: 0 }
    }

    /// Bytes of all memories of the store together.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.memory_bytes
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let total = self.memory_bytes.saturating_sub(current).saturating_add(desired);
        let allowed = total <= self.limit && self.limits.memory_growing(current, desired, maximum)?;
        if allowed {
            self.memory_bytes = total;
        }
        self.refused |= !allowed;
        Ok(allowed)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let total = self.table_elements.saturating_sub(current).saturating_add(desired);
        let allowed = total <= MAX_TABLE_ELEMENTS && self.limits.table_growing(current, desired, maximum)?;
        if allowed {
            self.table_elements = total;
        }
        self.refused |= !allowed;
        Ok(allowed)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

#[cfg(test)]
mod tests {
    use wasmtime::{Config, Engine, Instance, Module, Store};

    use super::*;

    /// Instantiates the core module `wat` under a sandbox allowing `memory_bytes`, and calls
    /// its `grow` export, which returns what its `memory.grow` / `table.grow` calls returned.
    fn grow(wat: &str, memory_bytes: usize) -> (Vec<i32>, bool) {
        let engine = Engine::new(&Config::new()).expect("engine");
        let module = Module::new(&engine, wat::parse_str(wat).expect("WAT")).expect("module");
        let mut store = Store::new(&engine, Sandbox::new(memory_bytes));
        store.limiter(|sandbox| &mut sandbox.limiter);
        let instance = Instance::new(&mut store, &module, &[]).expect("instance");
        let grow = instance.get_typed_func::<(), (i32, i32)>(&mut store, "grow").expect("grow export");
        let (a, b) = grow.call(&mut store, ()).expect("call");
        let refused = store.data().limiter.refused;
        (vec![a, b], refused)
    }

    #[test]
    fn several_memories_share_one_limit() {
        // Two memories of 1 page; each tries to grow by 40 pages (2.5 MiB) under a 4 MiB cap.
        let wat = r#"(module (memory $a 1) (memory $b 1)
            (func (export "grow") (result i32 i32)
                (memory.grow $a (i32.const 40)) (memory.grow $b (i32.const 40))))"#;
        let (results, refused) = grow(wat, 4 << 20);
        assert_eq!(results, vec![1, -1], "the second memory may not take a second allowance");
        assert!(refused);
    }

    #[test]
    fn table_elements_are_bounded() {
        let wat = r#"(module (table $t 1 funcref)
            (func (export "grow") (result i32 i32)
                (table.grow $t (ref.null func) (i32.const 100000))
                (table.grow $t (ref.null func) (i32.const 100000000))))"#;
        let (results, refused) = grow(wat, 4 << 20);
        assert_eq!(results, vec![1, -1], "a hundred million elements are refused");
        assert!(refused);
    }
}
