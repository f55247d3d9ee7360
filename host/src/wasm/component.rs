//! Loading a component as a table: compile (or take precompiled code), vet imports, pick bindings by WIT version,
//! type-check once, read the schema.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use wasmtime::Store;
use wasmtime::component::{Component, Linker};

use super::SUPPORTED_WIT_VERSIONS;
use super::bindings::{v0_1, v0_2};
use super::error::LoadError;
use super::runtime::{Limits, Runtime};
use super::sandbox::Sandbox;
use crate::schema::{PathColumn, TableSchema};

/// Where a component came from, for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Builtin(&'static str),
    File(PathBuf),
}

/// Interfaces a table may import. Everything else (wasi:http, or any other host's API) is
/// refused at load, before any of the component's code runs.
///
/// `wasi:filesystem` and `wasi:sockets` are on the list because language runtimes such as
/// CPython (componentize-py) import them for their standard library whether or not a table
/// uses them. They are linked with nothing behind them: no preopened directory, no address a
/// socket may reach, no name lookup (see `sandbox.rs`), so every call fails.
const ALLOWED_IMPORTS: &[&str] =
    &["wasi:io/", "wasi:cli/", "wasi:clocks/", "wasi:random/", "wasi:filesystem/", "wasi:sockets/", "kubequery:table/"];

/// The type-checked instantiation recipe of each supported WIT version.
#[derive(Clone)]
pub(crate) enum Bindings {
    V0_1(v0_1::Pre),
    /// With the optional exports the component has (`path-columns`, `object-rows`).
    V0_2(v0_2::Pre, Arc<v0_2::Extensions>),
}

impl Bindings {
    fn exports(&self) -> Exports {
        match self {
            Bindings::V0_1(_) => Exports::default(),
            Bindings::V0_2(_, extensions) => {
                Exports { path_columns: extensions.path_columns(), object_rows: extensions.object_rows() }
            }
        }
    }
}

/// Which optional exports a component has: what the host asks of it beyond `rows`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Exports {
    /// 0.2.1's `path-columns`: it computes columns the host adds by JSONPath.
    pub path_columns: bool,
    /// 0.2.2's `object-rows`: it says which rows came from which object.
    pub object_rows: bool,
}

/// What a table is without its code: enough to declare it to SQLite and osquery and to plan
/// its scans. A built-in table known from an earlier start is served from this until a
/// statement scans it (`catalog::known`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Described {
    pub schema: TableSchema,
    /// The `kubequery:table` release it was built against, e.g. `0.2.0`.
    pub wit_version: String,
    pub exports: Exports,
}

/// Loads a component's code on its first scan.
pub(crate) type Loader = Box<dyn Fn() -> Result<TableComponent, LoadError> + Send + Sync>;

/// A table's type-checked bindings: made when it was loaded, or at its first scan.
pub(crate) enum Code {
    Ready(Bindings),
    Deferred {
        load: Loader,
        /// What the loaded component must describe itself as.
        described: Box<Described>,
        bindings: OnceLock<Bindings>,
        /// Held while loading, so that scans starting together load the component once.
        loading: Mutex<()>,
    },
}

impl Code {
    /// The bindings, loading the component the first time. A component that loads but is
    /// not the table it was described as is refused.
    fn bindings(&self, origin: &Origin) -> Result<&Bindings, LoadError> {
        let (load, described, bindings, loading) = match self {
            Code::Ready(bindings) => return Ok(bindings),
            Code::Deferred { load, described, bindings, loading } => (load, described, bindings, loading),
        };
        if let Some(bindings) = bindings.get() {
            return Ok(bindings);
        }
        let _loading = loading.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(bindings) = bindings.get() {
            return Ok(bindings);
        }
        let loaded = load()?;
        if loaded.describe() != **described {
            return Err(LoadError::NotAsDescribed { origin: origin.clone() });
        }
        let Code::Ready(ready) = &*loaded.code else { unreachable!("admit makes tables whose code is ready") };
        Ok(bindings.get_or_init(|| ready.clone()))
    }

    #[cfg(test)]
    fn is_loaded(&self) -> bool {
        match self {
            Code::Ready(_) => true,
            Code::Deferred { bindings, .. } => bindings.get().is_some(),
        }
    }
}

/// A loaded table component, ready to scan.
pub struct TableComponent {
    pub schema: TableSchema,
    pub origin: Origin,
    /// The `kubequery:table` release it was built against, e.g. `0.2.0`.
    pub wit_version: String,
    exports: Exports,
    code: Arc<Code>,
    /// The columns the host appended to the component's own, which it computes by their
    /// JSONPaths (`path-columns`); the last ones of `schema.columns`.
    pub(crate) path_columns: Vec<PathColumn>,
    pub(crate) engine: wasmtime::Engine,
    pub(crate) limits: Limits,
}

impl TableComponent {
    /// The same component serving another table, `schema`: the generic resource table's
    /// template serving one resource. `schema.columns` ends with `path_columns`, which are
    /// dropped (with the columns that describe them) when the component cannot compute them.
    pub fn serving(&self, mut schema: TableSchema, mut path_columns: Vec<PathColumn>) -> TableComponent {
        if !self.takes_path_columns() {
            schema.columns.truncate(schema.columns.len() - path_columns.len());
            path_columns.clear();
        }
        TableComponent {
            schema,
            origin: self.origin.clone(),
            wit_version: self.wit_version.clone(),
            exports: self.exports,
            code: self.code.clone(),
            path_columns,
            engine: self.engine.clone(),
            limits: self.limits,
        }
    }

    /// Whether the component computes columns the host adds by JSONPath (it exports 0.2.1's
    /// `path-columns`).
    pub fn takes_path_columns(&self) -> bool {
        self.exports.path_columns
    }

    /// Whether the component says which rows came from which object of a page (it exports
    /// 0.2.2's `object-rows`), so that its rows of unchanged objects can be reused.
    pub fn tells_object_rows(&self) -> bool {
        self.exports.object_rows
    }

    /// The table without its code.
    pub fn describe(&self) -> Described {
        Described { schema: self.schema.clone(), wit_version: self.wit_version.clone(), exports: self.exports }
    }

    /// A table known by its description, whose code `load` loads at its first scan (and
    /// refuses then unless it is the table `described`).
    pub(crate) fn deferred(
        described: Described,
        origin: Origin,
        engine: wasmtime::Engine,
        limits: Limits,
        load: Loader,
    ) -> TableComponent {
        TableComponent {
            schema: described.schema.clone(),
            origin,
            wit_version: described.wit_version.clone(),
            exports: described.exports,
            code: Arc::new(Code::Deferred {
                load,
                described: Box::new(described),
                bindings: OnceLock::new(),
                loading: Mutex::new(()),
            }),
            path_columns: Vec::new(),
            engine,
            limits,
        }
    }

    /// Whether the component's code is loaded (a deferred table's, once scanned).
    #[cfg(test)]
    pub(crate) fn is_loaded(&self) -> bool {
        self.code.is_loaded()
    }

    /// The type-checked bindings, the component loaded first if it was deferred.
    pub(crate) fn bindings(&self) -> Result<&Bindings, LoadError> {
        self.code.bindings(&self.origin)
    }
}

impl Runtime {
    /// Loads a component. `sha256` may carry a precomputed digest of `wasm` (built-ins).
    pub fn load(&self, wasm: &[u8], sha256: Option<&str>, origin: Origin) -> Result<TableComponent, LoadError> {
        let component = self.compile(wasm, sha256, &origin)?;
        self.admit(&component, origin)
    }

    /// Compiles a component to native code, or takes it from the compile cache.
    pub(crate) fn compile(&self, wasm: &[u8], sha256: Option<&str>, origin: &Origin) -> Result<Component, LoadError> {
        let compiled = match self.cache() {
            Some(cache) => cache.load_or_compile(&self.engine, wasm, sha256),
            None => Component::new(&self.engine, wasm),
        };
        compiled.map_err(|e| LoadError::Compile { origin: origin.clone(), source: e.into() })
    }

    /// Makes a compiled component a table: refuses forbidden imports, picks the bindings for
    /// its WIT version, type-checks it once and reads its schema.
    pub(crate) fn admit(&self, component: &Component, origin: Origin) -> Result<TableComponent, LoadError> {
        admit(&self.engine, &self.limits, component, origin, |table| self.limits_for(table))
    }
}

/// [`Runtime::admit`] with the engine, the limits of the `schema()` call and the limits of
/// each table's scans given: what a deferred built-in table's loader has of the runtime.
pub(crate) fn admit(
    engine: &wasmtime::Engine,
    limits: &Limits,
    component: &Component,
    origin: Origin,
    limits_for: impl FnOnce(&str) -> Limits,
) -> Result<TableComponent, LoadError> {
    let ty = component.component_type();
    for (import, _) in ty.imports(engine) {
        if !ALLOWED_IMPORTS.iter().any(|allowed| import.starts_with(allowed)) {
            return Err(LoadError::ForbiddenImport { origin, import: import.to_string() });
        }
    }
    let exports: Vec<String> = ty.exports(engine).map(|(name, _)| name.to_string()).collect();
    let wit_version = exports
        .iter()
        .find_map(|name| name.strip_prefix("kubequery:table/table@"))
        .map(str::to_string)
        .ok_or_else(|| LoadError::NotATable { origin: origin.clone(), exports: exports.join(", ") })?;

    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
        .and_then(|()| super::no_wait::shadow_poll(&mut linker))
        .map_err(|e| LoadError::Link { origin: origin.clone(), source: e.into() })?;
    let link_error = |e: wasmtime::Error| LoadError::Link { origin: origin.clone(), source: e.into() };
    let bindings = if same_minor(&wit_version, v0_2::VERSION) {
        let pre = v0_2::pre(&mut linker, component).map_err(link_error)?;
        let extensions = Arc::new(v0_2::Extensions::of(&pre));
        Bindings::V0_2(pre, extensions)
    } else if same_minor(&wit_version, v0_1::VERSION) {
        Bindings::V0_1(v0_1::pre(&mut linker, component).map_err(link_error)?)
    } else {
        return Err(LoadError::UnsupportedVersion { origin, found: wit_version, supported: supported_range() });
    };

    let schema = read_schema(engine, limits, &bindings, &origin)?;
    schema.validate().map_err(|source| LoadError::InvalidSchema {
        origin: origin.clone(),
        table: schema.name.clone(),
        source,
    })?;
    let limits = limits_for(&schema.name);
    Ok(TableComponent {
        schema,
        origin,
        wit_version,
        exports: bindings.exports(),
        code: Arc::new(Code::Ready(bindings)),
        path_columns: Vec::new(),
        engine: engine.clone(),
        limits,
    })
}

/// Calls the component's `schema()` in a store of its own.
fn read_schema(
    engine: &wasmtime::Engine,
    limits: &Limits,
    bindings: &Bindings,
    origin: &Origin,
) -> Result<TableSchema, LoadError> {
    // What the component logs while it describes itself is about this file.
    let _span = crate::report::component_span(origin).entered();
    let mut store = new_store(engine, limits);
    let result = match bindings {
        Bindings::V0_1(pre) => pre.instantiate(&mut store).and_then(|instance| v0_1::schema(&instance, &mut store)),
        Bindings::V0_2(pre, _) => pre.instantiate(&mut store).and_then(|instance| v0_2::schema(&instance, &mut store)),
    };
    result.map_err(|trap| {
        // Told like a failed scan: a panic's message, a limit, a wait; never the backtrace.
        let stderr = store.data_mut().flush_stderr();
        let why = super::scan::classify(trap, store.data(), limits, &stderr);
        LoadError::SchemaCall {
            origin: origin.clone(),
            reason: crate::text::printable(&why.to_string(), super::error::MAX_MESSAGE),
        }
    })
}

/// A store for one use of a component: the sandbox, its memory cap and its first deadline.
fn new_store(engine: &wasmtime::Engine, limits: &Limits) -> Store<Sandbox> {
    let mut store = Store::new(engine, Sandbox::new(limits.memory_bytes));
    store.limiter(|sandbox| &mut sandbox.limiter);
    store.set_epoch_deadline(deadline_ticks(limits));
    store
}

/// The epoch ticks of one page's deadline.
pub(crate) fn deadline_ticks(limits: &Limits) -> u64 {
    let tick = super::runtime::EPOCH_TICK.as_millis().max(1);
    u64::try_from(limits.deadline_per_page.as_millis().div_ceil(tick)).unwrap_or(u64::MAX).max(1)
}

/// Whether `version` (`0.1.3`) is a release of `major_minor` (`0.1`).
fn same_minor(version: &str, major_minor: &str) -> bool {
    version.strip_prefix(major_minor).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// The supported versions as a range, e.g. `0.1` or `0.1–0.2`.
fn supported_range() -> String {
    match SUPPORTED_WIT_VERSIONS {
        [] => "no version".to_string(),
        [only] => (*only).to_string(),
        [first, .., last] => format!("{first}–{last}"),
    }
}

impl TableComponent {
    /// A store for one scan of this table.
    pub(crate) fn new_store(&self) -> Store<Sandbox> {
        new_store(&self.engine, &self.limits)
    }
}
