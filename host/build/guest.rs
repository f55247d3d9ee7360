//! Running cargo for the guests — the table components, built for `wasm32-wasip2` — from
//! inside a host build or test. `host/build.rs` and the tests include this file by path, so
//! they scrub the same environment and agree on where components land.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The target table components are built for.
pub const TARGET: &str = "wasm32-wasip2";

/// `cargo` in `dir`, without the settings the outer cargo made for the host: its flags,
/// target, target directory, wrapper and profile overrides are not the guests'.
pub fn cargo(dir: &Path) -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(dir);
    for var in
        ["CARGO_ENCODED_RUSTFLAGS", "RUSTFLAGS", "CARGO_BUILD_TARGET", "CARGO_TARGET_DIR", "RUSTC_WORKSPACE_WRAPPER"]
    {
        cmd.env_remove(var);
    }
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CARGO_PROFILE_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// Builds the components of the workspace or crate in `dir` (release, for [`TARGET`]) into
/// `target_dir`, with `extra` cargo arguments (a package, features), and returns the
/// directory holding their `.wasm` files.
pub fn build_components(dir: &Path, target_dir: &Path, extra: &[&str]) -> PathBuf {
    let status = cargo(dir)
        .args(["build", "--release", "--target", TARGET, "--target-dir"])
        .arg(target_dir)
        .args(extra)
        .status()
        .unwrap_or_else(|e| panic!("running cargo in {}: {e}", dir.display()));
    assert!(
        status.success(),
        "building the table components in {} failed ({status}); is the {TARGET} target installed? \
         (rustup target add {TARGET})",
        dir.display()
    );
    components_dir(target_dir)
}

/// Where `cargo build --release --target wasm32-wasip2` puts components under `target_dir`.
pub fn components_dir(target_dir: &Path) -> PathBuf {
    target_dir.join(TARGET).join("release")
}
