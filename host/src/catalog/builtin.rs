//! The built-in tables: the components built from `tables/`, embedded in the binary with the
//! native code `build.rs` compiled them to, both compressed.
//!
//! A start decompresses the native code and hands it to the engine, which checks that it
//! was compiled by this wasmtime with this configuration for features this CPU has. Only
//! when it was not (the binary was built on a machine with CPU features this one lacks, or
//! cross-compiled) are the components compiled, once, into the compile cache.

use std::io::Read;
use std::ops::Range;
use std::sync::{Mutex, OnceLock, PoisonError, mpsc};
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
    /// Where its native code is in [`NATIVE`] once unpacked.
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

/// Loads every built-in table.
///
/// This thread streams the native code out of its compressed blob and hands each table's to
/// the engine (which copies it into executable memory) while the others make tables of what
/// it hands over: type-check, instantiate, read the schema. Streaming keeps the 30 MB of code
/// from passing through a buffer of its own.
pub(super) fn load_all(runtime: &Runtime) -> Vec<Result<TableComponent, LoadError>> {
    let wasm = OnceLock::new();
    let wasm_of = |builtin: &Builtin| &wasm.get_or_init(|| WASM.unpack())[builtin.wasm.clone()];
    let (sender, receiver) = mpsc::sync_channel::<(usize, Option<Component>)>(4);
    let receiver = Mutex::new(receiver);
    let workers = thread::available_parallelism().map_or(1, |n| n.get());
    thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut loaded = Vec::new();
                    // The lock is held while waiting: the next idle worker takes the next table.
                    while let Ok((index, native)) = receiver.lock().unwrap_or_else(PoisonError::into_inner).recv() {
                        let builtin = &BUILTIN_TABLES[index];
                        let origin = Origin::Builtin(builtin.name);
                        let component = match native {
                            Some(component) => Ok(component),
                            None => runtime.compile(wasm_of(builtin), Some(builtin.sha256), &origin),
                        };
                        loaded.push((index, component.and_then(|component| runtime.admit(component, origin))));
                    }
                    loaded
                })
            })
            .collect();
        stream_native(runtime, &sender);
        drop(sender);
        let mut loaded: Vec<_> =
            handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect();
        loaded.sort_by_key(|(index, _)| *index);
        loaded.into_iter().map(|(_, table)| table).collect()
    })
}

/// Sends the index of every built-in table with its embedded native code as the engine took
/// it, or with `None` when there is none or the engine refused it: then every following
/// table is compiled too, as their code was built the same way.
fn stream_native(runtime: &Runtime, sender: &mpsc::SyncSender<(usize, Option<Component>)>) {
    // `build.rs` compressed these bytes into this binary; not decompressing is a broken build.
    const BROKEN: &str = "the built-in tables' native code embedded by build.rs decompresses";
    let mut decoder =
        NATIVE.as_ref().map(|packed| zstd::stream::read::Decoder::with_buffer(packed.zstd).expect(BROKEN));
    let mut code = Vec::new();
    for (index, builtin) in BUILTIN_TABLES.iter().enumerate() {
        let native = decoder.as_mut().and_then(|decoder| {
            code.resize(builtin.native.len(), 0);
            decoder.read_exact(&mut code).expect(BROKEN);
            embedded(runtime, builtin, &code)
        });
        if native.is_none() {
            decoder = None;
        }
        if sender.send((index, native)).is_err() {
            break;
        }
    }
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
        let (sender, receiver) = mpsc::sync_channel(BUILTIN_TABLES.len());
        stream_native(&runtime, &sender);
        drop(sender);
        let wasm = WASM.unpack();
        let streamed: Vec<_> = receiver.into_iter().collect();
        assert_eq!(streamed.len(), BUILTIN_TABLES.len());
        for ((index, native), builtin) in streamed.into_iter().zip(BUILTIN_TABLES) {
            let component = native.unwrap_or_else(|| panic!("{} was refused and had to be compiled", builtin.name));
            let table = runtime.admit(component, Origin::Builtin(builtin.name)).expect("admitted");
            assert_eq!((table.schema.name.as_str(), index), (builtin.name, index));
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
