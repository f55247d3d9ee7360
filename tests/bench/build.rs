//! Compiles every built-in table natively into the benchmark, from the same source files as
//! the components (`tables/kubernetes_*/src/lib.rs`), so conversion can be timed both ways.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let tables = manifest.join("../../tables").canonicalize().expect("tables/ exists");
    println!("cargo:rerun-if-changed={}", tables.display());
    let mut names: Vec<String> = std::fs::read_dir(&tables)
        .expect("reading tables/")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("kubernetes_") && tables.join(n).join("src/lib.rs").is_file())
        .collect();
    names.sort();
    let mut out = String::new();
    for name in &names {
        let path = tables.join(name).join("src/lib.rs");
        writeln!(out, "#[path = {:?}]\n#[allow(dead_code)]\nmod {name};", path.display().to_string()).expect("write");
    }
    out.push_str(
        "/// Every built-in table's conversion, compiled natively.\npub static NATIVE: &[(&str, Schema, Convert)] = &[\n",
    );
    for name in &names {
        writeln!(out, "    ({name:?}, {name}::kubequery_native::schema, {name}::kubequery_native::rows),")
            .expect("write");
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    std::fs::write(out_dir.join("native_tables.rs"), out).expect("writing native_tables.rs");
}
