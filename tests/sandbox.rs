//! Hostile components (tests/components) against the sandbox: each is stopped with a message
//! naming the table and the cause, and the same process keeps answering queries.

use crate::common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kubequery::catalog::{Catalog, Loading};
use kubequery::sources::snapshot::Snapshot;
use kubequery::sources::{DataSource, Selection};
use kubequery::sql::Engine;
use kubequery::wasm::{Limits, LoadError, Origin, Pipeline, Runtime};

const LIMITS: Limits = Limits {
    memory_bytes: 64 << 20,
    deadline_per_page: Duration::from_millis(300),
    rows_per_page: 100_000,
    bytes_per_page: 128 << 20,
};

fn load(runtime: &Runtime, name: &str) -> Result<kubequery::wasm::TableComponent, LoadError> {
    let path = common::hostile_components().join(format!("{name}.wasm"));
    let wasm = std::fs::read(&path).expect("hostile component was built");
    runtime.load(&wasm, None, Origin::File(path))
}

/// An engine serving the built-in tables plus `hostile` over the demo snapshot.
fn engine_with(hostile: &str) -> Engine {
    let runtime = common::runtime(LIMITS);
    let mut catalog = Catalog::builtin(&runtime, Loading::AtFirstScan).expect("built-ins load");
    catalog.add(load(&runtime, hostile).expect("hostile component loads")).expect("no clash");
    common::engine(&catalog, Arc::new(Snapshot::demo(None)))
}

/// Runs the hostile table twice (a failed scan must not poison the next one) and checks the
/// same engine still serves a built-in table.
fn assert_contained(hostile: &str, expected: &str) {
    let engine = engine_with(hostile);
    for attempt in 0..2 {
        let errors = common::run(&engine, &format!("SELECT * FROM {hostile}")).expect_err("the hostile scan must fail");
        let message = &errors[0].message;
        assert!(message.contains(&format!("table {hostile}")), "attempt {attempt}: {message}");
        assert!(message.contains(expected), "attempt {attempt}: expected {expected:?} in {message:?}");
    }
    let rows = common::run(&engine, "SELECT count(*) AS n FROM kubernetes_pods").expect("next query works");
    assert_eq!(rows[0][0]["n"], 19);
}

#[test]
fn endless_loop_is_stopped_by_the_deadline() {
    let started = Instant::now();
    assert_contained("hostile_loop", "exceeded its deadline of 300 ms per page");
    assert!(started.elapsed() < Duration::from_secs(60), "the deadline must fire");
}

#[test]
fn unbounded_allocation_is_stopped_by_the_memory_cap() {
    assert_contained("hostile_alloc", "exceeded its memory limit of 64 MiB");
}

#[test]
fn panic_is_reported_with_its_message() {
    assert_contained("hostile_panic", "panicked at hostile_panic/src/lib.rs");
    assert_contained("hostile_panic", "hostile table refuses a page");
}

#[test]
fn rows_of_the_wrong_arity_are_rejected() {
    assert_contained("hostile_arity", "it has 1 cells, the schema has 2 columns");
}

#[test]
fn cells_of_the_wrong_type_are_rejected() {
    assert_contained("hostile_type", "column name is TEXT but the cell is an integer");
}

#[test]
fn packed_rows_that_lie_about_their_count_are_rejected() {
    assert_contained("hostile_packed", "returned invalid packed rows: row 1: column name: the buffer ends inside it");
}

#[test]
fn the_filesystem_is_empty_inside_the_sandbox() {
    // Its wasi:filesystem import is linked, with no preopened directory behind it.
    assert_contained("hostile_fs", "cannot read /etc/passwd");
}

#[test]
fn bytes_that_are_not_a_component_are_refused_with_the_file_name() {
    let runtime = common::runtime(LIMITS);
    let err = runtime
        .load(b"\0asm not really", None, Origin::File("/tmp/garbage.wasm".into()))
        .err()
        .expect("must be refused");
    let message = err.to_string();
    assert!(message.starts_with("/tmp/garbage.wasm: not a valid WebAssembly component"), "{message}");
}

#[test]
fn a_table_name_can_only_be_loaded_once() {
    let runtime = common::runtime(LIMITS);
    let mut catalog = Catalog::builtin(&runtime, Loading::AtFirstScan).expect("built-ins load");
    catalog.add(load(&runtime, "hostile_panic").expect("loads")).expect("first copy is accepted");
    let err = catalog.add(load(&runtime, "hostile_panic").expect("loads")).expect_err("second copy clashes");
    assert!(err.to_string().contains("defines table hostile_panic, which"), "{err}");
}

#[test]
fn sleeping_and_polling_components_are_stopped_at_once() {
    // Epoch interruption cannot reach a blocked host call; the sandbox must not block at all.
    assert_contained("hostile_sleep", "tables may not wait");
    assert_contained("hostile_poll", "tables may not wait");
}

#[test]
fn a_component_sleeping_in_schema_fails_to_load() {
    let runtime = common::runtime(LIMITS);
    let path = common::spelled_component_with("sleepy_schema", ("", "v1", "namespaces", "Namespace"), false, "|sleep");
    let wasm = std::fs::read(&path).expect("spelled component");
    let error = runtime.load(&wasm, None, Origin::File(path.clone())).err().expect("must not load");
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()) && message.contains("tables may not wait"), "{message}");
}

#[test]
fn a_huge_panic_in_schema_is_bounded_and_escaped_and_other_tables_load() {
    let runtime = common::runtime(LIMITS);
    let path = common::spelled_component_with("panicky_schema", ("", "v1", "namespaces", "Namespace"), false, "|panic");
    let wasm = std::fs::read(&path).expect("spelled component");
    let error = runtime.load(&wasm, None, Origin::File(path.clone())).err().expect("must not load");
    // What a person reads: the error with its causes, as `kubequery` prints it.
    let message = kubequery::report::chain(&error);
    assert!(message.contains(&path.display().to_string()), "names the file: {message}");
    assert!(message.len() < 8 << 10, "bounded: {} bytes", message.len());
    assert!(!message.contains('\u{1b}') && !message.contains('\u{7}'), "escaped: {message}");
    // Told like a failed scan: the panic's place and the tail of its message, not a backtrace.
    assert!(message.contains("component panicked at spelled_source/src/lib.rs"), "{message}");
    assert!(message.contains("\\u{1b}]52;c;AAAA") && !message.contains("wasm backtrace"), "{message}");
    // The same runtime goes on loading and serving tables.
    let mut catalog = Catalog::builtin(&runtime, Loading::AtFirstScan).expect("built-ins load");
    catalog.add(load(&runtime, "hostile_panic").expect("another component loads")).expect("no clash");
    let engine = common::engine(&catalog, Arc::new(Snapshot::demo(None)));
    let rows = common::run(&engine, "SELECT count(*) AS n FROM kubernetes_pods").expect("queries work");
    assert_eq!(rows[0][0]["n"], 19);
}

#[test]
fn a_huge_error_message_with_escape_sequences_is_bounded_and_escaped() {
    let engine = engine_with("hostile_error");
    let errors = common::run(&engine, "SELECT * FROM hostile_error").expect_err("the scan fails");
    let message = &errors[0].message;
    assert!(message.contains("table hostile_error"), "{message}");
    assert!(message.len() < 8 << 10, "bounded: {} bytes", message.len());
    assert!(!message.contains('\u{1b}') && !message.contains('\u{7}'), "escaped: {message}");
    assert!(message.contains("\\u{1b}]52;c;") && message.contains("more bytes)"), "{message}");
}

#[test]
fn a_compiled_entry_planted_in_the_cache_is_not_trusted() {
    use std::os::unix::fs::PermissionsExt;
    let dir = common::scratch("planted-cache");
    let cache = dir.join("cache");
    let runtime = Runtime::new(Some(cache.clone()), LIMITS).expect("runtime");
    let entries = || -> std::collections::BTreeSet<std::path::PathBuf> {
        std::fs::read_dir(&cache).expect("cache dir").filter_map(Result::ok).map(|e| e.path()).collect()
    };
    // The real compiled code of a hostile component...
    load(&runtime, "hostile_panic").expect("hostile_panic loads");
    let hostile_entry = entries().into_iter().next().expect("one entry");
    // ...planted, writable by others, under the key of the secret_reader component.
    let before = entries();
    load(&runtime, "secret_reader").expect("secret_reader loads");
    let target = entries().difference(&before).next().cloned().expect("a second entry");
    std::fs::copy(&hostile_entry, &target).expect("plant");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let runtime = Runtime::new(Some(cache.clone()), LIMITS).expect("runtime");
    let table = load(&runtime, "secret_reader").expect("loads from source, not the planted entry");
    assert_eq!(table.schema.name, "secret_reader", "the planted code was not deserialized");
    // The same planted bytes owned by another user are ignored too (needs root to chown).
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let chown = std::process::Command::new("chown").arg("65534").arg(&target).status();
    if chown.is_ok_and(|s| s.success()) {
        let runtime = Runtime::new(Some(cache), LIMITS).expect("runtime");
        let table = load(&runtime, "secret_reader").expect("loads");
        assert_eq!(table.schema.name, "secret_reader");
    } else {
        common::skipped(
            "sandbox::a_compiled_entry_planted_in_the_cache_is_not_trusted, an entry of another owner",
            "cannot chown (not root)",
        );
    }
}

#[test]
fn a_pipeline_adds_stores_only_within_its_memory_budget() {
    let runtime = common::runtime(LIMITS);
    let catalog = Catalog::builtin(&runtime, Loading::AtFirstScan).expect("built-ins load");
    let table = catalog.get("kubernetes_pods").expect("pods table");
    let demo = Snapshot::demo(None);
    let page = demo.pages("kubernetes_pods", &table.schema.source, &Selection::default()).next().expect("a page");
    let page = page.expect("demo page");
    // A budget no store fits in keeps one store; an ample one starts every worker. Either
    // way every page's rows come back.
    for (budget, stores) in [(1, 1), (usize::MAX, 3)] {
        let mut pipeline = Pipeline::with_store_budget(table.scan().expect("scan"), 3, budget);
        let mut rows = 0;
        for _ in 0..6 {
            while !pipeline.has_room() {
                rows += pipeline.take().expect("in flight").expect("converted").rows.len();
            }
            pipeline.submit(page.clone()).expect("submitted");
        }
        while let Some(converted) = pipeline.take() {
            rows += converted.expect("converted").rows.len();
        }
        assert_eq!(rows, 6 * 19, "budget {budget}");
        assert_eq!(pipeline.stores(), stores, "budget {budget}");
    }
}
