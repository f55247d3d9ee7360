//! Serving tables to osqueryd as an extension.
//!
//! osqueryd autoloads the extension with `--socket --timeout --interval [--verbose]`; the
//! extension registers every table with the extension manager and then answers `columns` and
//! `generate` calls on `<socket>.<uuid>`, concurrently, one scan per call. The Thrift
//! plumbing is osquery-rust-ng (vendored with fixes, see host/vendor/osquery-rust-ng); this
//! module adds what an autoloaded extension needs on top:
//!
//! - waiting for osqueryd's socket, which autoload creates in parallel with the extension;
//! - parsing the query context, so `WHERE namespace = …` narrows what the source fetches;
//! - osquery's value rules (strings everywhere, NULL as a missing key, 32-bit INTEGER) and
//!   its 100 MiB message limit;
//! - a failure status naming the table and the cause instead of a dead worker;
//! - a memory budget every call is admitted against ([`crate::budget`]), a deadline per call,
//!   and a call stopped as soon as osqueryd hangs up on it.

mod calls;
mod context;
mod table;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use osquery_rust_ng::plugin::Plugin;
use osquery_rust_ng::{Server, ServerStopHandle, ShutdownReason};
use thiserror::Error;

use crate::budget::{BudgetError, Bytes, MemoryBudget, resident_bytes};
use crate::sources::DataSource;
use crate::wasm::TableComponent;

pub use calls::{CallLimits, Calls};
pub(crate) use context::parse_context;
pub use context::{Constraint, ContextError};
pub use table::{MAX_RESPONSE_BYTES, OsqueryTable};

/// The extension name osqueryd sees (and `--extensions_require` refers to).
pub const EXTENSION_NAME: &str = "kubequery";

/// How the extension talks to osqueryd, from the flags osqueryd passes.
#[derive(Clone, Debug)]
pub struct ExtensionOptions {
    /// osqueryd's extension manager socket (`--socket`).
    pub socket: String,
    /// How long to wait for the socket and for each call to the manager (`--timeout`).
    pub timeout: Duration,
    /// How often to check on osqueryd (`--interval`), which pings us at the same interval.
    pub interval: Duration,
    /// Memory for the whole process, which concurrent calls are admitted against.
    pub memory_budget: Bytes,
    /// Memory the process sets aside outside calls (the watch cache's budget), counted like
    /// what it holds at rest.
    pub reserved: Bytes,
    /// Limits of each call.
    pub call_limits: CallLimits,
}

#[derive(Debug, Error)]
pub enum ExtensionError {
    #[error("osquery extension socket {socket} did not accept connections within {} s: {last}", .timeout.as_secs_f32())]
    SocketUnavailable { socket: String, timeout: Duration, last: String },
    #[error("{0}")]
    Registration(String),
    #[error(transparent)]
    Budget(#[from] BudgetError),
}

/// Registers `tables` with osqueryd and serves them until osqueryd, a signal or the stop
/// handle given to `started` ends it.
pub fn serve(
    tables: &[Arc<TableComponent>],
    source: &Arc<dyn DataSource>,
    options: &ExtensionOptions,
    started: impl FnOnce(ServerStopHandle),
) -> Result<ShutdownReason, ExtensionError> {
    // What the process holds at rest (code, compiled tables, the source) and what it sets
    // aside (the watch cache) is not for scans.
    let baseline = Bytes(resident_bytes().unwrap_or(Bytes(0)).0 + options.reserved.0);
    let budget = Arc::new(MemoryBudget::new(options.memory_budget, baseline)?);
    tracing::info!(
        "memory budget {}: {} held at rest, {} for table scans",
        options.memory_budget,
        baseline,
        Bytes(budget.for_scans())
    );
    let calls = Arc::new(Calls { budget, limits: options.call_limits });

    wait_for_socket(&options.socket, options.timeout)?;
    let manager_timeout = options.timeout.max(Duration::from_secs(3));
    let mut server = Server::with_timeout(Some(EXTENSION_NAME), &options.socket, manager_timeout).map_err(|e| {
        ExtensionError::SocketUnavailable {
            socket: options.socket.clone(),
            timeout: options.timeout,
            last: e.to_string(),
        }
    })?;
    server.set_version(env!("CARGO_PKG_VERSION"));
    server.set_ping_interval(options.interval);
    // osqueryd pings every extension each interval; three silent intervals mean it is hung or
    // has dropped us, and exiting lets osqueryd (or Kubernetes) start a fresh extension.
    server.set_inbound_ping_timeout(options.interval * 3 + options.timeout);
    let tables = without_core_names(tables, options, manager_timeout);
    for table in &tables {
        server.register_plugin(Plugin::readonly_table(OsqueryTable::new(table.clone(), source.clone(), calls.clone())));
    }
    tracing::info!("registering {} tables with osquery at {}", tables.len(), options.socket);
    started(server.get_stop_handle());
    server.run_with_signal_handling().map_err(|e| ExtensionError::Registration(e.to_string()))
}

/// `tables` without the third-party ones named like an osquery core table: osqueryd refuses a
/// whole extension when one of its tables clashes, so one badly named file must not take the
/// others down. osqueryd is asked which core tables it has, since that depends on its version
/// and platform.
fn without_core_names(
    tables: &[Arc<TableComponent>],
    options: &ExtensionOptions,
    timeout: Duration,
) -> Vec<Arc<TableComponent>> {
    const CORE_TABLES: &str = "SELECT name FROM osquery_registry WHERE registry = 'table' AND owner_uuid = 0";
    let core: std::collections::HashSet<String> =
        match osquery_rust_ng::query_manager(&options.socket, timeout, CORE_TABLES) {
            Ok(rows) => rows.into_iter().filter_map(|mut row| row.remove("name")).collect(),
            Err(e) => {
                tracing::warn!(
                    "could not ask osqueryd for its tables ({e}); a third-party table named like an osquery \
                     table would make osqueryd refuse the whole extension"
                );
                return tables.to_vec();
            }
        };
    tables
        .iter()
        .filter(|table| {
            let clash = matches!(table.origin, crate::wasm::Origin::File(_)) && core.contains(&table.schema.name);
            if clash {
                let refused = crate::catalog::CatalogError::ReservedName {
                    origin: table.origin.clone(),
                    table: table.schema.name.clone(),
                    reason: "an osquery core table",
                };
                tracing::error!("skipping table component: {refused}");
            }
            !clash
        })
        .cloned()
        .collect()
}

/// Waits until osqueryd accepts connections on `socket`: autoload starts extensions in
/// parallel with the extension manager.
fn wait_for_socket(socket: &str, timeout: Duration) -> Result<(), ExtensionError> {
    let deadline = Instant::now() + timeout;
    loop {
        let Err(error) = std::os::unix::net::UnixStream::connect(Path::new(socket)) else { return Ok(()) };
        if Instant::now() >= deadline {
            return Err(ExtensionError::SocketUnavailable {
                socket: socket.to_string(),
                timeout,
                last: error.to_string(),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
