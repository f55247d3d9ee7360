//! Builds the built-in table components and embeds them, with the demo snapshot, in the
//! binary.
//!
//! The components are a separate cargo workspace (`tables/`) built for `wasm32-wasip2` by a
//! nested cargo with its own target directory, as wasmtime's test-programs crate does: the
//! outer build holds a lock on its own target directory, and the guest build needs its own
//! profile and target anyway.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.parent().expect("host/ is inside the repository").to_path_buf();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));

    let tables = root.join("tables");
    println!("cargo:rerun-if-changed={}", tables.display());
    println!("cargo:rerun-if-changed={}", root.join("wit").display());
    // Without the default `builtin-tables` feature (the fuzz targets) no component is built.
    let builtins = env::var_os("CARGO_FEATURE_BUILTIN_TABLES").is_some();
    let wasm_dir = builtins.then(|| build_components(&tables, &target_dir(&root, &out_dir).join("wasm-tables")));

    let mut generated =
        String::from("/// Table components built from `tables/`.\npub static BUILTIN_TABLES: &[Builtin] = &[\n");
    for crate_name in wasm_dir.iter().flat_map(|_| table_crates(&tables)) {
        let wasm_dir = wasm_dir.as_ref().expect("built when listed");
        let wasm = wasm_dir.join(format!("{crate_name}.wasm"));
        let bytes = fs::read(&wasm).unwrap_or_else(|e| panic!("reading {}: {e}", wasm.display()));
        let sha = hex(&Sha256::digest(&bytes));
        writeln!(
            generated,
            "    Builtin {{ name: {crate_name:?}, wasm: include_bytes!({:?}), sha256: {sha:?} }},",
            wasm.display().to_string()
        )
        .expect("writing to a String");
    }
    generated.push_str("];\n");
    fs::write(out_dir.join("builtin_tables.rs"), generated).expect("writing builtin_tables.rs");

    let demo = manifest_dir.join("demo");
    println!("cargo:rerun-if-changed={}", demo.display());
    let mut files = Vec::new();
    collect_files(&demo, &mut files);
    files.sort();
    let mut generated = String::from(
        "/// Files of the demo snapshot, relative to `host/demo`.\npub static DEMO_FILES: &[(&str, &[u8])] = &[\n",
    );
    for file in files {
        let relative = file.strip_prefix(&demo).expect("under demo/").display().to_string();
        writeln!(generated, "    ({relative:?}, include_bytes!({:?})),", file.display().to_string())
            .expect("writing to a String");
    }
    generated.push_str("];\n");
    fs::write(out_dir.join("demo_files.rs"), generated).expect("writing demo_files.rs");

    // `kubequery table new` writes the SDK and the WIT into every new table crate, so that it
    // builds anywhere with crates.io alone.
    let mut generated = String::from(
        "/// Files a new table crate carries, by path relative to the repository root.\n\
         pub static SCAFFOLD_FILES: &[(&str, &str)] = &[\n",
    );
    let mut files = vec![tables.join("Cargo.toml"), tables.join("rustfmt.toml"), tables.join("sdk/Cargo.toml")];
    collect_files(&tables.join("sdk/src"), &mut files);
    collect_files(&root.join("wit"), &mut files);
    files.sort();
    for file in files {
        let relative = file.strip_prefix(&root).expect("inside the repository").display().to_string();
        writeln!(generated, "    ({relative:?}, include_str!({:?})),", file.display().to_string())
            .expect("writing to a String");
    }
    generated.push_str("];\n");
    fs::write(out_dir.join("scaffold_files.rs"), generated).expect("writing scaffold_files.rs");
}

/// The outer build's target directory: OUT_DIR is `<target>/<profile>/build/<pkg>/out`, or
/// one level deeper when cross-compiling.
fn target_dir(root: &Path, out_dir: &Path) -> PathBuf {
    if let Some(dir) = env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return if dir.is_absolute() { dir } else { root.join(dir) };
    }
    out_dir
        .ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "build"))
        .and_then(|build| build.parent()?.parent())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.join("target"))
}

/// Makes sure the `wasm32-wasip2` standard library is installed before anything is built
/// for it. rustup adds a toolchain file's targets only when it installs the toolchain itself
/// (and not at all with `RUSTUP_AUTO_INSTALL=0`); without this check the build would run for
/// minutes and then fail with "can't find crate for `std`".
fn ensure_wasm_target() {
    const TARGET: &str = "wasm32-wasip2";
    if has_std(TARGET) {
        return;
    }
    println!("cargo:warning=the {TARGET} target is missing; adding it with `rustup target add {TARGET}`");
    // rustup picks the toolchain the way it did for this build: RUSTUP_TOOLCHAIN when cargo
    // runs through its proxy, else rust-toolchain.toml above this directory.
    let added = Command::new("rustup").args(["target", "add", TARGET]).status();
    if has_std(TARGET) {
        return;
    }
    let why = match added {
        Ok(status) => format!("`rustup target add {TARGET}` failed ({status})"),
        Err(e) => format!("rustup is not available ({e})"),
    };
    panic!(
        "the table components are built for {TARGET}, but its standard library is not installed and {why}. \
         Install it with `rustup target add {TARGET}` (or your distribution's rust-std package for {TARGET}) \
         and build again."
    );
}

/// Whether the compiler building this crate has the standard library for `target`.
fn has_std(target: &str) -> bool {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(output) = Command::new(rustc).args(["--print", "target-libdir", "--target", target]).output() else {
        return false;
    };
    let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    output.status.success()
        && fs::read_dir(dir).is_ok_and(|entries| {
            entries.filter_map(Result::ok).any(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
        })
}

fn build_components(tables: &Path, target_dir: &Path) -> PathBuf {
    ensure_wasm_target();
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(tables).args(["build", "--release", "--target", "wasm32-wasip2", "--target-dir"]).arg(target_dir);
    // The outer build's flags and settings are for the host, not for the guests.
    for var in
        ["CARGO_ENCODED_RUSTFLAGS", "RUSTFLAGS", "CARGO_BUILD_TARGET", "CARGO_TARGET_DIR", "RUSTC_WORKSPACE_WRAPPER"]
    {
        cmd.env_remove(var);
    }
    for (key, _) in env::vars_os() {
        if key.to_string_lossy().starts_with("CARGO_PROFILE_") {
            cmd.env_remove(key);
        }
    }
    let status = cmd.status().expect("running cargo for the table components");
    assert!(
        status.success(),
        "building the table components in tables/ failed; is the wasm32-wasip2 target installed? (rustup target add wasm32-wasip2)"
    );
    target_dir.join("wasm32-wasip2").join("release")
}

/// Every table crate: each directory under `tables/` with a Cargo.toml, except the SDK.
fn table_crates(tables: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(tables)
        .expect("reading tables/")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "sdk")
        .collect();
    names.sort();
    names
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display())) {
        let path = entry.expect("reading a directory entry").path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
