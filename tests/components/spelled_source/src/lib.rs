//! A table whose name and source are patched into its binary by the tests: one build, any
//! number of spellings of a resource (`secrets#`, `%73ecrets`, kind `Secret` under another
//! name, …). `rows` echoes each page it receives as one row, so a value that reached the
//! component would show up in the output.
//!
//! The spec is `SPEC_MARKER` followed by `name|group|version|resource|kind|metadata-only`
//! (`0` or `1`), optionally `|sleep` (then `schema()` sleeps for two minutes first) or
//! `|panic` (then `schema()` panics with a megabyte of text behind a terminal escape sequence),
//! padded with spaces to the fixed length; tests/common rewrites the bytes after the marker in
//! the built `.wasm` (same length, so the binary stays valid).

use hostile::{Cell, Cluster};
use kubequery_table_sdk::bindings::exports::kubequery::table::table::Guest;
use kubequery_table_sdk::bindings::kubequery::table::types::{Source, TableSchema};

const SPEC_LEN: usize = 192;
const DEFAULT: &[u8] = b"KUBEQUERY-TEST-SOURCE:spelled_source||v1|namespaces|Namespace|0";

const fn padded() -> [u8; SPEC_LEN] {
    let mut out = [b' '; SPEC_LEN];
    let mut i = 0;
    while i < DEFAULT.len() {
        out[i] = DEFAULT[i];
        i += 1;
    }
    out
}

static SPEC: [u8; SPEC_LEN] = padded();

fn spec() -> Vec<String> {
    // SAFETY: SPEC is an initialised static of this size. The volatile read keeps the compiler
    // from folding the default spec into the code, so a patched binary reads the patched bytes.
    let bytes = unsafe { std::ptr::read_volatile(&raw const SPEC) };
    let text = String::from_utf8_lossy(&bytes);
    let spec = text.split_once(':').map_or("", |(_, spec)| spec).trim_end();
    spec.split('|').map(str::to_string).collect()
}

struct Spelled;

impl Guest for Spelled {
    fn schema() -> TableSchema {
        let spec = spec();
        let field = |i: usize| spec.get(i).map_or("", String::as_str);
        match field(6) {
            "sleep" => std::thread::sleep(std::time::Duration::from_secs(120)),
            // OSC 52 would set the clipboard of a terminal that printed it raw.
            "panic" => panic!("\u{1b}]52;c;{}\u{7}", "A".repeat(1 << 20)),
            _ => {}
        }
        let mut schema = hostile::schema(field(0), "Echoes its pages", (field(1), field(2), field(3), field(4)));
        if let Source::Resource(resource) = &mut schema.source {
            resource.metadata_only = field(5) == "1";
            resource.namespaced = true;
        }
        schema
    }

    fn rows(page: Vec<u8>, _cluster: Cluster) -> Result<Vec<Vec<Cell>>, String> {
        let text = String::from_utf8_lossy(&page).into_owned();
        Ok(vec![vec![Cell::Text(text), Cell::Integer(page.len() as i64)]])
    }
}

kubequery_table_sdk::bindings::export_component!(Spelled);
