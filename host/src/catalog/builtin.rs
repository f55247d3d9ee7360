//! The built-in tables: the components built from `tables/`, embedded in the binary with the
//! native code `build.rs` compiled them to, both compressed.
//!
//! A start decompresses the native code and hands it to the engine, which checks that it
//! was compiled by this wasmtime with this configuration for features this CPU has. Only
//! when it was not (the binary was built on a machine with CPU features this one lacks, or
//! cross-compiled) are the components compiled, once, into the compile cache.
//!
//! Once a start has loaded every table from its embedded code, later starts of the same
//! binary take the tables' descriptions from the cache (`known`) and load each component at
//! its first scan.

use std::io::Read;
use std::ops::Range;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;

use wasmtime::component::Component;

use super::{Loading, known};
use crate::wasm::{Described, LoadError, Origin, Runtime, TableComponent};

/// A component embedded in the binary.
pub struct Builtin {
    /// Crate (and table) name.
    pub name: &'static str,
    /// SHA-256 of the component, computed at build time so start-up does not hash.
    pub sha256: &'static str,
    /// Where the component is in [`WASM`] once unpacked.
    wasm: Range<usize>,
    /// Which frame of [`NATIVE`] holds its native code.
    frame: usize,
    /// Where its native code is in that frame once unpacked.
    native: Range<usize>,
}

/// Bytes compressed at build time, and their length once decompressed.
struct Packed {
    zstd: &'static [u8],
    len: usize,
}

impl Packed {
    fn unpack(&self) -> Vec<u8> {
        if self.len == 0 {
            return Vec::new();
        }
        // `build.rs` compressed these bytes into this binary; not decompressing is a broken build.
        zstd::bulk::decompress(self.zstd, self.len).expect("the built-in tables embedded by build.rs decompress")
    }
}

include!(concat!(env!("OUT_DIR"), "/builtin_tables.rs"));

/// How a built-in table got its native code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Native {
    /// Precompiled by `build.rs`.
    Embedded,
    /// Compiled at start (or taken from the compile cache).
    Compiled,
}

/// A built-in table as loaded, and how it got its native code.
type Loaded = Result<(TableComponent, Native), LoadError>;

/// Every built-in table. Loading at first scan: described as an earlier start of this binary
/// remembered them, each loaded at its first scan; or, without such a memory, loaded now and
/// remembered (when each took its embedded code). Loading at start: loaded now.
pub(super) fn load_all(runtime: &Runtime, loading: Loading) -> Vec<Result<TableComponent, LoadError>> {
    let sha256s: Vec<&str> = BUILTIN_TABLES.iter().map(|b| b.sha256).collect();
    if loading == Loading::AtFirstScan
        && NATIVE.is_some()
        && let Some(described) = known::recall(runtime, &sha256s)
    {
        tracing::debug!("built-in tables declared as an earlier start found them; each loads at its first scan");
        return BUILTIN_TABLES
            .iter()
            .zip(described)
            .map(|(builtin, described)| Ok(deferred(runtime, builtin, described)))
            .collect();
    }
    let loaded = load_now(runtime);
    let embedded: Option<Vec<Described>> = loaded
        .iter()
        .map(|t| t.as_ref().ok().filter(|(_, how)| *how == Native::Embedded).map(|(t, _)| t.describe()))
        .collect();
    // Loading at start never reads what is remembered: writing it again at every start
    // (the extension's) would be work for nothing.
    if loading == Loading::AtFirstScan
        && let Some(described) = embedded
    {
        known::remember(runtime, &sha256s, &described);
    }
    loaded.into_iter().map(|table| table.map(|(table, _)| table)).collect()
}

/// A built-in table known by its description, whose embedded code is loaded at its first
/// scan.
fn deferred(runtime: &Runtime, builtin: &'static Builtin, described: Described) -> TableComponent {
    let origin = Origin::Builtin(builtin.name);
    let (engine, schema_limits) = (runtime.engine.clone(), runtime.limits);
    let limits = runtime.limits_for(&described.schema.name);
    let load: crate::wasm::Loader = {
        let engine = engine.clone();
        Box::new(move || {
            let origin = Origin::Builtin(builtin.name);
            let component = native_code(builtin).and_then(|code| deserialize(&engine, &code));
            let component = component.map_err(|e| LoadError::Compile { origin: origin.clone(), source: e.into() })?;
            crate::wasm::admit(&engine, &schema_limits, &component, origin, |_| limits)
        })
    };
    TableComponent::deferred(described, origin, engine, limits, load)
}

/// The embedded native code of one built-in table, streamed out of its frame.
fn native_code(builtin: &Builtin) -> wasmtime::Result<Vec<u8>> {
    let frame = NATIVE
        .and_then(|frames| frames.get(builtin.frame))
        .ok_or_else(|| wasmtime::format_err!("this binary embeds no native code"))?;
    let mut decoder = zstd::stream::read::Decoder::with_buffer(frame.zstd)?;
    std::io::copy(&mut (&mut decoder).take(builtin.native.start as u64), &mut std::io::sink())?;
    let mut code = vec![0; builtin.native.len()];
    decoder.read_exact(&mut code)?;
    Ok(code)
}

/// Loads every built-in table now, a frame of native code per thread at a time: each thread
/// streams its frame's code out of the compressed bytes, hands each table's to the engine
/// (which copies it into executable memory) and makes a table of it (type-check,
/// instantiate, read the schema).
fn load_now(runtime: &Runtime) -> Vec<Loaded> {
    let wasm = OnceLock::new();
    let wasm_of = |builtin: &Builtin| &wasm.get_or_init(|| WASM.unpack())[builtin.wasm.clone()];
    let refused = AtomicBool::new(false);
    let groups = groups();
    let next = AtomicUsize::new(0);
    let workers = thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, groups.len().max(1));
    let mut loaded: Vec<(usize, Loaded)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut loaded = Vec::new();
                    while let Some(group) = groups.get(next.fetch_add(1, Ordering::Relaxed)) {
                        loaded.extend(load_group(runtime, group.clone(), &refused, &wasm_of));
                    }
                    loaded
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    loaded.sort_by_key(|(index, _)| *index);
    loaded.into_iter().map(|(_, table)| table).collect()
}

/// The tables of each frame of native code, as ranges of [`BUILTIN_TABLES`]; without native
/// code, one table per group.
fn groups() -> Vec<Range<usize>> {
    if NATIVE.is_none() {
        return (0..BUILTIN_TABLES.len()).map(|i| i..i + 1).collect();
    }
    let mut groups: Vec<Range<usize>> = Vec::new();
    for (index, builtin) in BUILTIN_TABLES.iter().enumerate() {
        match groups.get_mut(builtin.frame) {
            Some(group) => group.end = index + 1,
            None => groups.push(index..index + 1),
        }
    }
    groups
}

/// Loads the tables `group` of [`BUILTIN_TABLES`] (one frame's), from their embedded code
/// while the engine takes it; once it refuses some (`refused`, shared by all threads), the
/// rest are compiled from their components, as their code was built the same way.
fn load_group<'w>(
    runtime: &Runtime,
    group: Range<usize>,
    refused: &AtomicBool,
    wasm_of: &impl Fn(&Builtin) -> &'w [u8],
) -> Vec<(usize, Loaded)> {
    // `build.rs` compressed these bytes into this binary; not decompressing is a broken build.
    const BROKEN: &str = "the built-in tables' native code embedded by build.rs decompresses";
    let frame = NATIVE.and_then(|frames| frames.get(BUILTIN_TABLES.get(group.start)?.frame));
    let mut decoder = frame.map(|packed| zstd::stream::read::Decoder::with_buffer(packed.zstd).expect(BROKEN));
    let mut code = Vec::new();
    group
        .map(|index| {
            let builtin = &BUILTIN_TABLES[index];
            let origin = Origin::Builtin(builtin.name);
            let embedded = decoder.as_mut().filter(|_| !refused.load(Ordering::Relaxed)).and_then(|decoder| {
                code.resize(builtin.native.len(), 0);
                decoder.read_exact(&mut code).expect(BROKEN);
                embedded(runtime, builtin, &code)
            });
            let component = if let Some(component) = embedded {
                Ok((component, Native::Embedded))
            } else {
                // This frame's code was refused here (or elsewhere): compile the rest.
                if decoder.take().is_some() {
                    refused.store(true, Ordering::Relaxed);
                }
                let wasm = wasm_of(builtin);
                runtime.compile(wasm, Some(builtin.sha256), &origin).map(|c| (c, Native::Compiled))
            };
            (index, component.and_then(|(component, how)| Ok((runtime.admit(&component, origin)?, how))))
        })
        .collect()
}

/// The component of a built-in table from its precompiled `code`, if the engine accepts it.
fn embedded(runtime: &Runtime, builtin: &Builtin, code: &[u8]) -> Option<Component> {
    deserialize(&runtime.engine, code)
        .inspect_err(|e| {
            tracing::debug!(
                "built-in table component {}: compiling it, its precompiled code does not fit this engine or CPU: {e:#}",
                builtin.name
            );
        })
        .ok()
}

/// A component from a built-in table's embedded native `code`. wasmtime refuses code that
/// `engine` cannot run: another wasmtime version, other settings, or CPU features this
/// machine lacks.
fn deserialize(engine: &wasmtime::Engine, code: &[u8]) -> wasmtime::Result<Component> {
    // SAFETY: `code` is what build.rs got from `Engine::precompile_component`, embedded in
    // this binary at build time: as trusted as the binary's own code. (wasmtime checks its
    // header, not its code, which runs as it is.)
    unsafe { Component::deserialize(engine, code) }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::wasm::Limits;

    #[test]
    fn every_builtin_loads_from_its_embedded_native_code() {
        let runtime = Runtime::new(None, Limits::default()).expect("runtime");
        let wasm = WASM.unpack();
        let compiling = |builtin: &Builtin| -> &[u8] { panic!("{} was refused and had to be compiled", builtin.name) };
        let groups = groups();
        assert_eq!(groups.len(), NATIVE.expect("a native build precompiles").len());
        let refused = AtomicBool::new(false);
        let loaded: Vec<_> = groups.into_iter().flat_map(|g| load_group(&runtime, g, &refused, &compiling)).collect();
        assert_eq!(loaded.len(), BUILTIN_TABLES.len());
        for ((index, table), builtin) in loaded.into_iter().zip(BUILTIN_TABLES) {
            let (table, how) = table.expect("loads");
            assert_eq!((table.schema.name.as_str(), how), (builtin.name, Native::Embedded), "table {index}");
            assert_eq!(crate::wasm::sha256_hex(&wasm[builtin.wasm.clone()]), builtin.sha256, "{}", builtin.name);
        }
    }

    #[test]
    fn an_engine_the_embedded_code_does_not_fit_compiles_every_table_at_start() {
        // Code without the epoch checks deadlines rely on: the embedded code has them.
        let mut config = crate::wasm::engine_config();
        config.epoch_interruption(false);
        let runtime = Runtime::with_config(&config, None, Limits::default()).expect("runtime");
        let tables: Vec<TableComponent> =
            load_all(&runtime, Loading::AtFirstScan).into_iter().map(|t| t.expect("compiled")).collect();
        let names: Vec<&str> = tables.iter().map(|t| t.schema.name.as_str()).collect();
        assert_eq!(names, BUILTIN_TABLES.iter().map(|b| b.name).collect::<Vec<_>>());
    }

    #[test]
    fn code_precompiled_for_another_engine_is_refused() {
        let runtime = Runtime::new(None, Limits::default()).expect("runtime");
        let builtin = &BUILTIN_TABLES[0];
        let wasm = WASM.unpack();
        // Code without the epoch checks deadlines rely on: it must never run here.
        let mut config = crate::wasm::engine_config();
        config.epoch_interruption(false);
        let foreign = wasmtime::Engine::new(&config).expect("engine").precompile_component(&wasm[builtin.wasm.clone()]);
        assert!(embedded(&runtime, builtin, &foreign.expect("compiles")).is_none());
    }

    /// A cache directory of its own, emptied.
    fn cache_dir(test: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("kubequery-known-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// The one file `known` wrote in `dir`.
    fn remembered(dir: &std::path::Path) -> std::path::PathBuf {
        let files: Vec<_> = std::fs::read_dir(dir).expect("cache dir").flatten().map(|f| f.path()).collect();
        let known: Vec<_> = files.into_iter().filter(|f| f.to_string_lossy().contains("builtin-tables-")).collect();
        assert_eq!(known.len(), 1, "{known:?}");
        known[0].clone()
    }

    /// The rows of the demo's pods, scanned through `table`.
    fn pod_rows(table: &Arc<TableComponent>) -> Result<Vec<Vec<crate::schema::Cell>>, crate::wasm::ScanError> {
        use crate::sources::{DataSource, Selection};
        let demo = crate::sources::snapshot::Snapshot::demo(None);
        let page = demo.pages(&table.schema.name, &table.schema.source, &Selection::default()).next().expect("a page");
        let page = page.expect("the demo's page");
        let rows = table.scan()?.rows(&page.body, &page.cluster)?;
        Ok((0..rows.len()).map(|r| rows.row(r)).collect())
    }

    /// The built-in tables as a start with the cache `dir` gets them.
    fn start(dir: &std::path::Path) -> Vec<TableComponent> {
        let runtime = Runtime::new(Some(dir.to_path_buf()), Limits::default()).expect("runtime");
        load_all(&runtime, Loading::AtFirstScan).into_iter().map(|t| t.expect("loads")).collect()
    }

    /// A first start with a cache of its own: the cache and the file it remembered.
    fn first_start(test: &str) -> (std::path::PathBuf, std::path::PathBuf) {
        let dir = cache_dir(test);
        start(&dir);
        let file = remembered(&dir);
        (dir, file)
    }

    #[test]
    fn a_second_start_declares_the_tables_it_remembers_and_loads_each_at_its_first_scan() {
        let dir = cache_dir("second-start");
        let eager = start(&dir);
        remembered(&dir);
        let lazy = start(&dir);
        assert_eq!(lazy.len(), eager.len());
        for (lazy, eager) in lazy.iter().zip(&eager) {
            assert_eq!(lazy.describe(), eager.describe());
            assert!(!lazy.is_loaded(), "{} was loaded before any scan", lazy.schema.name);
        }
        let pods = |tables: Vec<TableComponent>| {
            Arc::new(tables.into_iter().find(|t| t.schema.name == "kubernetes_pods").expect("pods"))
        };
        let (lazy, eager) = (pods(lazy), pods(eager));
        let rows = pod_rows(&lazy).expect("the deferred table scans");
        assert!(!rows.is_empty());
        assert_eq!(rows, pod_rows(&eager).expect("scans"));
        assert!(lazy.is_loaded(), "loaded at its first scan");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn loading_at_start_loads_every_table_even_when_they_are_remembered() {
        // The osquery extension's memory budget counts the code of every table at start.
        let (dir, file) = first_start("at-start");
        let written = || std::fs::metadata(&file).and_then(|m| m.modified()).expect("remembered");
        let before = written();
        let runtime = Runtime::new(Some(dir.clone()), Limits::default()).expect("runtime");
        for table in load_all(&runtime, Loading::AtStart) {
            let table = table.expect("loads");
            assert!(table.is_loaded(), "{} loaded at start", table.schema.name);
        }
        assert_eq!(written(), before, "loading at start does not write the remembered tables again");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_remembered_table_whose_component_differs_fails_its_scan_and_says_why() {
        let (dir, file) = first_start("altered");
        // Someone with this user's rights renames a column of the pods table.
        let mut described: Vec<serde_json::Value> =
            serde_json::from_slice(&std::fs::read(&file).expect("readable")).expect("JSON");
        let pods = described.iter_mut().find(|d| d["schema"]["name"] == "kubernetes_pods").expect("pods remembered");
        let column = pods["schema"]["columns"].as_array_mut().and_then(|c| c.last_mut()).expect("a column");
        column["name"] = "renamed".into();
        std::fs::write(&file, serde_json::to_vec(&described).expect("JSON")).expect("writable");

        let tables: std::collections::HashMap<String, Arc<TableComponent>> =
            start(&dir).into_iter().map(|t| (t.schema.name.clone(), Arc::new(t))).collect();
        let table = |name: &str| tables[name].clone();
        let Err(error) = pod_rows(&table("kubernetes_pods")) else { panic!("the altered table scanned") };
        let error = error.to_string();
        assert!(error.contains("kubernetes_pods") && error.contains("not the table kubequery remembered"), "{error}");
        assert!(error.contains("builtin-tables"), "{error}");
        // The others are untouched.
        pod_rows(&table("kubernetes_pod_containers")).expect("an unaltered table scans");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_unreadable_memory_is_ignored_and_the_tables_load_at_start() {
        let (dir, file) = first_start("unreadable");
        std::fs::write(&file, b"{ not json").expect("writable");
        for table in start(&dir) {
            assert!(table.is_loaded(), "{} loaded at start", table.schema.name);
        }
        assert_ne!(std::fs::read(remembered(&dir)).expect("rewritten"), b"{ not json", "remembered again");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
