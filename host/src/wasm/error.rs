//! Typed errors of loading and running table components. Every message names the component
//! (by file or built-in name) or the table.

use std::fmt;

use thiserror::Error;

use super::component::Origin;
use crate::report::{BoxError, chain};
use crate::schema::SchemaError;

/// Why the WebAssembly runtime cannot start.
#[derive(Debug, Error)]
pub enum RuntimeError {
    #[error("cannot create the WebAssembly engine: {}", chain(&**.0))]
    Engine(#[source] BoxError),
    #[error("cannot start the epoch ticker thread: {0}")]
    Ticker(#[source] std::io::Error),
}

/// Why a component cannot be loaded as a table.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("{origin}: not a valid WebAssembly component: {}", chain(&**source))]
    Compile {
        origin: Origin,
        #[source]
        source: BoxError,
    },
    #[error(
        "{origin}: imports `{import}`; table components may only import kubequery:table and WASI's io, cli, \
         clocks, random, filesystem and sockets (the last two linked with no directories and no network)"
    )]
    ForbiddenImport { origin: Origin, import: String },
    #[error("{origin}: built for kubequery:table@{found}, this host supports kubequery:table {supported}")]
    UnsupportedVersion { origin: Origin, found: String, supported: String },
    #[error(
        "{origin}: does not export kubequery:table/table (it exports: {exports}); build it against wit/ of kubequery"
    )]
    NotATable { origin: Origin, exports: String },
    #[error("{origin}: cannot be linked: {}", chain(&**source))]
    Link {
        origin: Origin,
        #[source]
        source: BoxError,
    },
    /// The component's own text is in the message, escaped and bounded; it is not kept as a
    /// `source`, which a printer of causes would show raw and whole.
    #[error("{origin}: schema() failed: {reason}")]
    SchemaCall { origin: Origin, reason: String },
    #[error("{origin}: invalid schema for table {table:?}: {source}")]
    InvalidSchema { origin: Origin, table: String, source: SchemaError },
    /// A built-in table served from what an earlier start remembered of it, whose component
    /// turned out to be another table when it was loaded.
    #[error(
        "{origin}: is not the table kubequery remembered from an earlier start; the cache directory \
         (KUBEQUERY_CACHE_DIR) holds a stale or altered builtin-tables file: delete it"
    )]
    NotAsDescribed { origin: Origin },
}

/// Why a table scan failed.
#[derive(Debug, Error)]
#[error("table {table}: {kind}")]
pub struct ScanError {
    pub table: String,
    pub kind: ScanErrorKind,
}

#[derive(Debug, Error)]
pub enum ScanErrorKind {
    #[error("exceeded its deadline of {} ms per page (wall-clock time)", .0.as_millis())]
    Deadline(std::time::Duration),
    #[error("exceeded its memory limit of {} MiB (all its memories and tables together)", .0 >> 20)]
    Memory(usize),
    #[error("{}", super::no_wait::WouldWait)]
    Waited,
    #[error("returned {rows} rows for one page, over its limit of {limit} rows per page")]
    TooManyRows { rows: usize, limit: usize },
    #[error("returned {bytes} bytes of cells for one page, over its limit of {limit} bytes per page")]
    TooManyBytes { bytes: usize, limit: usize },
    /// A trap, with the tail of what the component wrote to stderr (escaped and bounded).
    #[error("component trapped: {}{}", chain(&**cause), stderr.as_deref().map(|s| format!("; stderr: {s}")).unwrap_or_default())]
    Trap {
        #[source]
        cause: BoxError,
        stderr: Option<String>,
    },
    #[error("component panicked at {0}")]
    Panic(String),
    #[error("{0}")]
    Table(String),
    #[error("returned an invalid row (row {row} of the page): {source}")]
    InvalidRow { row: usize, source: super::validate::RowError },
    #[error("returned invalid packed rows: {0}")]
    Packed(#[source] super::packed::PackedError),
    #[error("cannot be instantiated: {}", chain(&**.0))]
    Instantiate(#[source] BoxError),
    /// A built-in table's component loaded at its first scan, which failed.
    #[error("cannot be loaded: {0}")]
    Load(#[source] Box<LoadError>),
    #[error("refused a page: {0}; nothing of it reached the table")]
    Refused(crate::secrets::Refusal),
    #[error("scan was already stopped by an earlier failure")]
    Stopped,
    #[error("cannot start a conversion thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// Longest text of a component's (error message, log line, stderr tail) the host passes on.
pub(crate) const MAX_MESSAGE: usize = 4096;

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Builtin(name) => write!(f, "built-in table component {name}"),
            Origin::File(path) => write!(f, "{}", path.display()),
        }
    }
}
