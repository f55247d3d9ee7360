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

// The runtime's engine configuration, so that what is precompiled here loads there.
#[path = "src/wasm/config.rs"]
mod config;
// How the components are built, shared with the tests.
#[path = "build/guest.rs"]
mod guest;

/// A built table component.
struct Component {
    /// Crate (and table) name.
    name: String,
    wasm: Vec<u8>,
    sha256: String,
}

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.parent().expect("host/ is inside the repository").to_path_buf();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));

    let tables = root.join("tables");
    println!("cargo:rerun-if-changed={}", tables.display());
    println!("cargo:rerun-if-changed={}", root.join("wit").display());
    println!("cargo:rerun-if-changed={}", manifest_dir.join("src/wasm/config.rs").display());
    println!("cargo:rerun-if-changed={}", manifest_dir.join("build").display());
    // Without the default `builtin-tables` feature (the fuzz targets) no component is built.
    let builtins = env::var_os("CARGO_FEATURE_BUILTIN_TABLES").is_some();
    let wasm_tables = target_dir(&root, &out_dir).join("wasm-tables");
    let components = if builtins {
        ensure_wasm_target();
        read_components(&tables, &guest::build_components(&tables, &wasm_tables, &[]))
    } else {
        Vec::new()
    };
    embed_builtin_tables(&components, &wasm_tables.join("precompiled"), &out_dir);

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
    let mut files = vec![
        tables.join("Cargo.toml"),
        tables.join("rustfmt.toml"),
        tables.join("sdk/Cargo.toml"),
        tables.join("sdk/macros/Cargo.toml"),
    ];
    collect_files(&tables.join("sdk/src"), &mut files);
    collect_files(&tables.join("sdk/macros/src"), &mut files);
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
        .map_or_else(|| root.join("target"), Path::to_path_buf)
}

/// Makes sure the `wasm32-wasip2` standard library is installed before anything is built
/// for it. rustup adds a toolchain file's targets only when it installs the toolchain itself
/// (and not at all with `RUSTUP_AUTO_INSTALL=0`); without this check the build would run for
/// minutes and then fail with "can't find crate for `std`".
fn ensure_wasm_target() {
    const TARGET: &str = guest::TARGET;
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

/// The components built in `wasm_dir`, one per table crate, sorted by name.
fn read_components(tables: &Path, wasm_dir: &Path) -> Vec<Component> {
    table_crates(tables)
        .into_iter()
        .map(|name| {
            let path = wasm_dir.join(format!("{name}.wasm"));
            let wasm = fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            Component { sha256: config::sha256_hex(&wasm), name, wasm }
        })
        .collect()
}

/// Frames the native code is split into, so that as many threads can decompress it at start.
const NATIVE_FRAMES: usize = 4;

/// Writes `builtin_tables.rs`: every component's name, digest and place in the compressed
/// blobs: one of the components, and [`NATIVE_FRAMES`] of their native code (consecutive
/// components of about equal size each).
///
/// Each blob is one zstd frame with a window spanning it, so the code the tables share (the
/// SDK, serde, the standard library) is stored about once per frame: 10 MB of components and
/// 30 MB of native code take about 3.5 MB together.
fn embed_builtin_tables(components: &[Component], precompiled_dir: &Path, out_dir: &Path) {
    let native = precompile(components, precompiled_dir);
    let total: usize = native.iter().flatten().map(Vec::len).sum();
    let mut generated = String::from(
        "/// Table components built from `tables/`, in [`WASM`] and (precompiled) [`NATIVE`].\n\
         pub static BUILTIN_TABLES: &[Builtin] = &[\n",
    );
    let mut wasm_blob = Vec::new();
    let mut frames: Vec<Vec<u8>> = vec![Vec::new()];
    let mut done = 0;
    for (i, component) in components.iter().enumerate() {
        let wasm = append(&mut wasm_blob, &component.wasm);
        let code = native.as_ref().map_or(&[][..], |native| &native[i][..]);
        // A new frame once this one holds its share of the code.
        if done * NATIVE_FRAMES >= total * frames.len() && !frames.last().is_some_and(Vec::is_empty) {
            frames.push(Vec::new());
        }
        done += code.len();
        let frame = frames.len() - 1;
        let code = append(frames.last_mut().expect("one frame at least"), code);
        writeln!(
            generated,
            "    Builtin {{ name: {:?}, sha256: {:?}, wasm: {wasm:?}, frame: {frame}, native: {code:?} }},",
            component.name, component.sha256
        )
        .expect("writing to a String");
    }
    generated.push_str("];\n");
    let packed = |name: &str, blob: &[u8]| {
        let path = out_dir.join(name);
        fs::write(&path, compress(blob)).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        format!("Packed {{ zstd: include_bytes!({:?}), len: {} }}", path.display().to_string(), blob.len())
    };
    writeln!(
        generated,
        "/// Every component, concatenated and compressed.\nstatic WASM: Packed = {};",
        packed("builtin-wasm.zst", &wasm_blob)
    )
    .expect("writing to a String");
    let native = match native {
        Some(_) => {
            let frames: Vec<String> =
                frames.iter().enumerate().map(|(i, frame)| packed(&format!("builtin-native-{i}.zst"), frame)).collect();
            format!("Some(&[{}])", frames.join(", "))
        }
        None => "None".to_string(),
    };
    writeln!(
        generated,
        "/// The components' native code for the target, in frames of consecutive components, each\n\
         /// concatenated and compressed; `None` when none was precompiled (a cross-compiled build).\n\
         static NATIVE: Option<&[Packed]> = {native};"
    )
    .expect("writing to a String");
    fs::write(out_dir.join("builtin_tables.rs"), generated).expect("writing builtin_tables.rs");
}

/// Appends `bytes` to `blob`, returning where they are.
fn append(blob: &mut Vec<u8>, bytes: &[u8]) -> std::ops::Range<usize> {
    blob.extend_from_slice(bytes);
    blob.len() - bytes.len()..blob.len()
}

/// Compiles every component to native code with the runtime's engine configuration, or
/// `None` when this build is for another machine (a cross-compiled build compiles its tables
/// at first start instead).
///
/// By default the code uses every CPU feature of the building machine, as the runtime's own
/// compiler would. `KUBEQUERY_PRECOMPILE_CPU=baseline` compiles for the architecture's
/// baseline instead, for binaries that run elsewhere (the container image). Either way the
/// runtime checks the code against its engine and CPU before use and compiles on a mismatch.
/// Compiled code is kept in `precompiled_dir`, keyed by the engine and the component's digest,
/// so that a rebuild compiles only the components that changed.
fn precompile(components: &[Component], precompiled_dir: &Path) -> Option<Vec<Vec<u8>>> {
    println!("cargo:rerun-if-env-changed=KUBEQUERY_PRECOMPILE_CPU");
    let target = env::var("TARGET").expect("set by cargo");
    if components.is_empty() || target != env::var("HOST").expect("set by cargo") {
        return None;
    }
    let mut config = config::engine_config();
    match env::var("KUBEQUERY_PRECOMPILE_CPU").as_deref() {
        Err(_) | Ok("" | "native") => {}
        // An explicit target turns off the detection of the building machine's CPU features.
        Ok("baseline") => {
            config.target(&target).unwrap_or_else(|e| panic!("configuring the table compiler for {target}: {e}"));
        }
        Ok(other) => panic!("KUBEQUERY_PRECOMPILE_CPU={other:?}: expected `native` (the default) or `baseline`"),
    }
    let engine = wasmtime::Engine::new(&config).unwrap_or_else(|e| panic!("creating the table compiler: {e:#}"));
    let dir = precompiled_dir.join(config::compatibility_key(&engine));
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    let native = components
        .iter()
        .map(|component| {
            let path = dir.join(format!("{}.cwasm", component.sha256));
            if let Ok(code) = fs::read(&path) {
                return code;
            }
            let code = engine
                .precompile_component(&component.wasm)
                .unwrap_or_else(|e| panic!("compiling table component {}: {e:#}", component.name));
            let partial = path.with_extension("partial");
            fs::write(&partial, &code)
                .and_then(|()| fs::rename(&partial, &path))
                .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
            code
        })
        .collect();
    Some(native)
}

/// One zstd frame with long-distance matching over a window as big as the input (up to the
/// decoder's default limit of 128 MiB), so that repeats across components are found.
fn compress(blob: &[u8]) -> Vec<u8> {
    use zstd::zstd_safe::CParameter;
    const MAX_WINDOW_LOG: u32 = 27;
    let window_log = (usize::BITS - blob.len().max(1).leading_zeros()).clamp(10, MAX_WINDOW_LOG);
    let mut compressor = zstd::bulk::Compressor::new(9).expect("a zstd compressor");
    compressor.set_parameter(CParameter::EnableLongDistanceMatching(true)).expect("zstd long-distance matching");
    compressor.set_parameter(CParameter::WindowLog(window_log)).expect("zstd window");
    compressor.compress(blob).expect("compressing the built-in tables")
}

/// Every table crate: each `kubernetes_*` (a Kubernetes resource) and `kubequery_*` (the host's
/// own state) directory under `tables/` with a Cargo.toml (the others, `sdk/` and `builtin/`,
/// are libraries).
fn table_crates(tables: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(tables)
        .expect("reading tables/")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("kubernetes_") || name.starts_with("kubequery_"))
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
