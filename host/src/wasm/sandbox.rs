//! The per-scan store data: deny-all WASI, a memory limiter that remembers refusals, a
//! bounded stderr, and the bounded `log` import.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// Bytes of stderr kept per scan; a component that writes more fails its write.
const STDERR_CAPACITY: usize = 64 << 10;
/// `log` calls forwarded per scan; later ones are counted and dropped.
const MAX_LOG_MESSAGES: usize = 1000;
/// Longest forwarded log message.
const MAX_LOG_BYTES: usize = 4096;

pub(crate) struct Sandbox {
    wasi: WasiCtx,
    resources: ResourceTable,
    pub(crate) limiter: MemoryLimiter,
    stderr: MemoryOutputPipe,
    stderr_logged: usize,
    pub(crate) table: Arc<str>,
    logged: usize,
}

impl Sandbox {
    pub(crate) fn new(table: Arc<str>, memory_bytes: usize) -> Self {
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
            table,
            logged: 0,
        }
    }

    /// Logs stderr written since the last call, and returns all of it for error messages.
    pub(crate) fn flush_stderr(&mut self) -> String {
        let all = self.stderr.contents();
        let text = String::from_utf8_lossy(&all).into_owned();
        if all.len() > self.stderr_logged {
            let fresh = String::from_utf8_lossy(&all[self.stderr_logged..]).into_owned();
            for line in
                fresh.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("note: run with `RUST_BACKTRACE"))
            {
                tracing::warn!("table {}: stderr: {line}", self.table);
            }
            self.stderr_logged = all.len();
        }
        text
    }

    pub(crate) fn forward_log(&mut self, level: tracing::Level, message: &str) {
        self.logged += 1;
        if self.logged > MAX_LOG_MESSAGES {
            if self.logged == MAX_LOG_MESSAGES + 1 {
                tracing::warn!(
                    "table {}: more than {MAX_LOG_MESSAGES} log messages in one scan; dropping the rest",
                    self.table
                );
            }
            return;
        }
        let message = truncate(message, MAX_LOG_BYTES);
        match level {
            tracing::Level::ERROR => tracing::error!("table {}: {message}", self.table),
            tracing::Level::WARN => tracing::warn!("table {}: {message}", self.table),
            tracing::Level::INFO => tracing::info!("table {}: {message}", self.table),
            tracing::Level::DEBUG => tracing::debug!("table {}: {message}", self.table),
            tracing::Level::TRACE => tracing::trace!("table {}: {message}", self.table),
        }
    }
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl WasiView for Sandbox {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.resources }
    }
}

/// `StoreLimits` that also records whether it refused to grow memory, so that the resulting
/// abort can be reported as the memory limit rather than an anonymous trap.
pub(crate) struct MemoryLimiter {
    limits: StoreLimits,
    pub(crate) limit: usize,
    pub(crate) refused: bool,
}

impl MemoryLimiter {
    fn new(limit: usize) -> Self {
        let limits = StoreLimitsBuilder::new().memory_size(limit).instances(16).tables(16).memories(4).build();
        MemoryLimiter { limits, limit, refused: false }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        self.refused |= !allowed;
        Ok(allowed)
    }

    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
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
