//! Compiled components on disk, so that only the first start pays for Cranelift.
//!
//! Entries are keyed by the component's SHA-256 and the engine's compatibility hash, written
//! atomically with owner-only permissions, and only read back from a directory this user owns
//! with owner-only permissions. Deserializing compiled code is trusted, so each entry is also
//! checked before it is read: a regular file (not a link), owned by this user, writable by
//! nobody else. An entry planted while the directory was open to others is ignored.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

use super::config::{compatibility_key, sha256_hex};

pub(crate) struct CompileCache {
    dir: PathBuf,
}

impl CompileCache {
    pub(crate) fn open(dir: PathBuf) -> io::Result<Self> {
        fs::create_dir_all(&dir)?;
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
        self.dir.join(format!("{sha256}-{}.cwasm", compatibility_key(engine)))
    }

    /// The compiled component, from the cache when present, else compiled and stored.
    pub(crate) fn load_or_compile(
        &self,
        engine: &Engine,
        wasm: &[u8],
        sha256: Option<&str>,
    ) -> wasmtime::Result<Component> {
        let sha256 = sha256.map_or_else(|| sha256_hex(wasm), str::to_string);
        let entry = self.entry(engine, &sha256);
        let mut replaceable = true;
        match trusted(&entry) {
            Ok(true) => {
                // SAFETY: the entry is a regular file owned by this user and writable by no
                // one else, in an owner-only directory of this user, so only this program
                // (`store` below) wrote it; it is keyed by the engine's compatibility hash,
                // and an incompatible or damaged file is rejected by wasmtime's header checks.
                match unsafe { Component::deserialize_file(engine, &entry) } {
                    Ok(component) => return Ok(component),
                    Err(e) => tracing::debug!("recompiling: cached {} unusable: {e}", entry.display()),
                }
            }
            Ok(false) => {}
            Err(reason) => {
                tracing::warn!("ignoring compiled-table cache entry {}: {reason}", entry.display());
                replaceable = false;
            }
        }
        let compiled = engine.precompile_component(wasm)?;
        if replaceable && let Err(e) = store(&entry, &compiled) {
            tracing::warn!("cannot write compiled table to {}: {e}", entry.display());
        }
        // SAFETY: `compiled` was produced by this engine just above.
        unsafe { Component::deserialize(engine, &compiled) }
    }

    /// The bytes of the file `name` in the cache, when it is there and provably written by
    /// this program (the same checks as compiled code).
    pub(crate) fn read(&self, name: &str) -> Option<Vec<u8>> {
        let entry = self.dir.join(name);
        match trusted(&entry) {
            Ok(true) => fs::read(&entry).ok(),
            Ok(false) => None,
            Err(reason) => {
                tracing::warn!("ignoring cache entry {}: {reason}", entry.display());
                None
            }
        }
    }

    /// Writes the file `name` atomically, owner-only, and removes the other files whose
    /// names start with `versions` and that were written over a day ago: earlier versions of
    /// the same entry (of a binary since rebuilt), while two binaries sharing the cache keep
    /// theirs.
    pub(crate) fn write(&self, name: &str, bytes: &[u8], versions: &str) {
        const STALE: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);
        let entry = self.dir.join(name);
        if let Err(e) = store(&entry, bytes) {
            tracing::debug!("cannot write cache entry {}: {e}", entry.display());
            return;
        }
        let Ok(files) = fs::read_dir(&self.dir) else { return };
        for file in files.flatten() {
            let file_name = file.file_name();
            let file_name = file_name.to_string_lossy();
            let age = file.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
            if file_name.starts_with(versions) && file_name != name && age.is_some_and(|age| age > STALE) {
                let _ = fs::remove_file(file.path());
            }
        }
    }
}

/// The effective user id.
fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Why a cache entry is not loaded: it is there, but not provably written by this program.
#[derive(Debug, thiserror::Error)]
enum Untrusted {
    #[error(transparent)]
    Unreadable(#[from] io::Error),
    #[error("not a regular file")]
    NotAFile,
    #[error("owned by uid {0}, not by this user")]
    Owner(u32),
    #[error("writable by others (mode {0:o})")]
    Writable(u32),
}

/// Whether `entry` exists and may be deserialized: `Ok(false)` when absent, an error naming
/// why when it is there but not provably ours.
fn trusted(entry: &Path) -> Result<bool, Untrusted> {
    use std::os::unix::fs::MetadataExt;
    let meta = match fs::symlink_metadata(entry) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    if !meta.file_type().is_file() {
        return Err(Untrusted::NotAFile);
    }
    if meta.uid() != effective_uid() {
        return Err(Untrusted::Owner(meta.uid()));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(Untrusted::Writable(meta.mode() & 0o777));
    }
    Ok(true)
}

fn store(entry: &Path, compiled: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = entry.with_extension(format!("tmp{}", std::process::id()));
    fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?.write_all(compiled)?;
    fs::rename(&tmp, entry).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}
