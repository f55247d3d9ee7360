//! What the built-in tables are, remembered from an earlier start of the same binary, so that
//! a start declares every table without loading any component and a statement loads only the
//! tables it scans.
//!
//! Loading all 51 components (decompressing and mapping about 40 MB of native code, then
//! calling each one's `schema()`) is most of a short query's time; what it yields, each
//! table's [`Described`], is the same at every start of one binary. It is kept in the compile
//! cache directory (same ownership and permission checks) under a name that hashes this
//! executable's identity (size, modification time, inode), the engine's compatibility key
//! and every built-in component's SHA-256: a rebuilt or replaced binary, another CPU or
//! other components never read an earlier file. A table served from it is checked when its
//! component loads: if it is not the table remembered, the scan fails and says so.

use crate::wasm::{Described, Runtime};

/// How the file's name starts; those of other builds are removed a day after they were written.
const PREFIX: &str = "builtin-tables-";

/// The built-in tables as an earlier start of this binary described them, in the order of
/// `sha256s` (one per built-in component); `None` when nothing usable is remembered.
pub(super) fn recall(runtime: &Runtime, sha256s: &[&str]) -> Option<Vec<Described>> {
    let cache = runtime.cache_quietly()?;
    let bytes = cache.read(&file_name(runtime, sha256s)?)?;
    let described: Vec<Described> = serde_json::from_slice(&bytes)
        .inspect_err(|e| tracing::debug!("built-in tables remembered from an earlier start are unreadable: {e}"))
        .ok()?;
    (described.len() == sha256s.len()).then_some(described)
}

/// Remembers `described` (one per entry of `sha256s`) for the next starts of this binary.
pub(super) fn remember(runtime: &Runtime, sha256s: &[&str], described: &[Described]) {
    let (Some(cache), Some(name)) = (runtime.cache_quietly(), file_name(runtime, sha256s)) else { return };
    match serde_json::to_vec(described) {
        Ok(bytes) => cache.write(&name, &bytes, PREFIX),
        Err(e) => tracing::debug!("cannot remember the built-in tables: {e}"),
    }
}

/// `builtin-tables-<16 hex digits>.json`, from everything the descriptions depend on; `None`
/// when this executable cannot be identified.
fn file_name(runtime: &Runtime, sha256s: &[&str]) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let executable = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
    let mut key = format!(
        "{} {} {} {} {} {}",
        executable.len(),
        executable.mtime(),
        executable.mtime_nsec(),
        executable.ino(),
        executable.dev(),
        crate::wasm::compatibility_key(&runtime.engine)
    );
    for sha256 in sha256s {
        key.push(' ');
        key.push_str(sha256);
    }
    Some(format!("{PREFIX}{}.json", &crate::wasm::sha256_hex(key.as_bytes())[..16]))
}
