//! The wasmtime configuration of every engine that compiles tables.
//!
//! `build.rs` includes this file too: it precompiles the built-in tables at build time with
//! exactly this configuration, so that the code it embeds in the binary loads into the
//! runtime's engine without compiling. Anything that changes compiled code belongs here and
//! nowhere else. So do the names compiled code is kept under, which both sides compute.

/// The configuration the runtime runs tables with and `build.rs` precompiles them with.
pub fn engine_config() -> wasmtime::Config {
    let mut config = wasmtime::Config::new();
    // Deadlines per page are counted in epochs (see `runtime::EPOCH_TICK`).
    config.epoch_interruption(true);
    // Synchronous calls run on the caller's stack; give deep JSON recursion room.
    config.max_wasm_stack(1 << 20);
    config
}

/// Hex SHA-256 of `bytes`: how compiled code is named after its component.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

/// What code compiled by `engine` is compatible with (wasmtime's version, this configuration,
/// the target and its CPU features), as 16 hex digits that are the same in every process and
/// Rust release: wasmtime's compatibility hash fed to SHA-256, not to std's hasher, whose
/// algorithm is unspecified.
pub fn compatibility_key(engine: &wasmtime::Engine) -> String {
    use std::hash::Hash;
    let mut hasher = Sha256Hasher(sha2::Sha256::default());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hex(&sha2::Digest::finalize(hasher.0)[..8])
}

struct Sha256Hasher(sha2::Sha256);

impl std::hash::Hasher for Sha256Hasher {
    fn write(&mut self, bytes: &[u8]) {
        sha2::Digest::update(&mut self.0, bytes);
    }

    fn finish(&self) -> u64 {
        let digest = sha2::Digest::finalize(self.0.clone());
        u64::from_le_bytes(digest[..8].try_into().expect("a SHA-256 digest has 32 bytes"))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
