//! The WebAssembly runtime: every table is a component run in a sandbox.
//!
//! - [`Runtime`] owns the one wasmtime `Engine` (with epoch interruption), the compiled-code
//!   cache and the limits.
//! - `config` is the engine configuration, shared with `build.rs`, which precompiles the
//!   built-in tables with it (see `catalog::builtin`).
//! - [`Runtime::load`] compiles (or loads from cache) a component, refuses forbidden imports,
//!   picks the bindings for its WIT version, type-checks it once (`InstancePre`) and reads its
//!   schema: a [`TableComponent`].
//! - [`TableComponent::scan`] makes a fresh `Store` for one table scan, with a memory cap and a
//!   CPU deadline per page and deny-all WASI; [`Scan::rows`] converts one page and checks
//!   every row against the schema before SQL sees it (0.2 components: only the columns the
//!   statement reads, [`Scan::read_columns`], packed in one buffer that [`Rows`] checks
//!   once and SQL then reads in place); [`Scan::page_rows`] does the same for a page of the
//!   watch cache, reusing the table's rows of objects unchanged since it last converted them
//!   (`reuse`).

mod bindings;
mod cache;
mod component;
mod config;
mod error;
mod no_wait;
mod packed;
mod pipeline;
mod reuse;
mod runtime;
mod sandbox;
mod scan;
mod validate;

pub use component::{Described, Exports, Origin, TableComponent};
pub use error::{LoadError, RuntimeError, ScanError, ScanErrorKind};
pub use packed::{PackedError, Rows};
pub use pipeline::{ConvertedPage, Pipeline};
pub use runtime::{LimitOverrides, Limits, Runtime, default_cache_dir};
pub use scan::{Scan, SkippedObject};
pub use validate::{RowError, check_row};

pub(crate) use component::{Loader, admit};
#[cfg(test)]
pub(crate) use config::engine_config;
pub(crate) use config::{compatibility_key, sha256_hex};

/// WIT package versions of `kubequery:table` this host loads, oldest first.
pub const SUPPORTED_WIT_VERSIONS: &[&str] = &[bindings::v0_1::VERSION, bindings::v0_2::VERSION];
