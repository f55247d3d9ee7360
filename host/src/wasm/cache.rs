//! Compiled components on disk, so that only the first start pays for Cranelift.
//!
//! Entries are keyed by the component's SHA-256 and the engine's compatibility hash, written
//! atomically, and only ever read back from a directory this process created with owner-only
//! permissions: deserializing compiled code is trusted, so nobody else may write there.

use std::collections::hash_map::DefaultHasher;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

pub(crate) struct CompileCache {
    dir: PathBuf,
}

impl CompileCache {
    pub(crate) fn open(dir: PathBuf) -> io::Result<Self> {
        fs::create_dir_all(&dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            let meta = fs::metadata(&dir)?;
            // A cache that others could write to could feed us compiled code: refuse it. A
            // read-only, owner-only cache (prepared in a container image) is fine as it is.
            if meta.uid() != effective_uid() {
                return Err(io::Error::other(format!("{} is not owned by this user", dir.display())));
            }
            if meta.mode() & 0o022 != 0 {
                fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
            }
        }
        Ok(CompileCache { dir })
    }

    fn entry(&self, engine: &Engine, sha256: &str) -> PathBuf {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        self.dir.join(format!("{sha256}-{:016x}.cwasm", hasher.finish()))
    }

    /// The compiled component, from the cache when present, else compiled and stored.
    pub(crate) fn load_or_compile(
        &self,
        engine: &Engine,
        wasm: &[u8],
        sha256: Option<&str>,
    ) -> wasmtime::Result<Component> {
        let sha256 = sha256.map_or_else(|| hex_sha256(wasm), str::to_string);
        let entry = self.entry(engine, &sha256);
        if entry.is_file() {
            // SAFETY: entries are written only by `store` below, into a directory created
            // owner-only by this program, and are keyed by the engine's compatibility hash;
            // an incompatible or damaged file is rejected by wasmtime's header checks.
            match unsafe { Component::deserialize_file(engine, &entry) } {
                Ok(component) => return Ok(component),
                Err(e) => tracing::debug!("recompiling: cached {} unusable: {e}", entry.display()),
            }
        }
        let compiled = engine.precompile_component(wasm)?;
        if let Err(e) = store(&entry, &compiled) {
            tracing::warn!("cannot write compiled table to {}: {e}", entry.display());
        }
        // SAFETY: `compiled` was produced by this engine just above.
        unsafe { Component::deserialize(engine, &compiled) }
    }
}

/// The effective user id, read from the process's own files (no libc dependency).
#[cfg(unix)]
fn effective_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(u32::MAX)
}

fn store(entry: &Path, compiled: &[u8]) -> io::Result<()> {
    let tmp = entry.with_extension(format!("tmp{}", std::process::id()));
    fs::write(&tmp, compiled)?;
    fs::rename(&tmp, entry).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
