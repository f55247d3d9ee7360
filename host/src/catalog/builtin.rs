//! The built-in tables: the components built from `tables/`, embedded in the binary with the
//! native code `build.rs` compiled them to, both compressed.
//!
//! A start decompresses the native code and hands it to the engine, which checks that it
//! was compiled by this wasmtime with this configuration for features this CPU has. Only
//! when it was not (the binary was built on a machine with CPU features this one lacks, or
//! cross-compiled) are the components compiled, once, into the compile cache.

use std::io::Read;
use std::ops::Range;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;

use wasmtime::component::Component;

use crate::wasm::{LoadError, Origin, Runtime, TableComponent};

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

/// Loads every built-in table, a frame of native code per thread at a time: each thread
/// streams its frame's code out of the compressed bytes, hands each table's to the engine
/// (which copies it into executable memory) and makes a table of it (type-check,
/// instantiate, read the schema).
pub(super) fn load_all(runtime: &Runtime) -> Vec<Result<TableComponent, LoadError>> {
    let wasm = OnceLock::new();
    let wasm_of = |builtin: &Builtin| &wasm.get_or_init(|| WASM.unpack())[builtin.wasm.clone()];
    let refused = AtomicBool::new(false);
    let groups = groups();
    let next = AtomicUsize::new(0);
    let workers = thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, groups.len().max(1));
    let mut loaded: Vec<(usize, Result<TableComponent, LoadError>)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut loaded = Vec::new();
                    while let Some(group) = groups.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let results = load_group(runtime, group.clone(), &refused, &wasm_of);
                        loaded.extend(results.into_iter().map(|(index, table)| (index, table.map(|(t, _)| t))));
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
    // SAFETY: `code` is what build.rs got from `Engine::precompile_component`, embedded in
    // this binary at build time: as trusted as the binary's own code.
    unsafe { runtime.deserialize(code) }
        .inspect_err(|e| {
            tracing::debug!(
                "built-in table component {}: compiling it, its precompiled code does not fit this engine or CPU: {e:#}",
                builtin.name
            );
        })
        .ok()
}

#[cfg(test)]
mod tests {
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
        let tables: Vec<TableComponent> = load_all(&runtime).into_iter().map(|t| t.expect("compiled")).collect();
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
}
