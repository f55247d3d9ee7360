//! Third-party tables through the `kubequery` binary: loading and refusing components, the
//! operator's allow-list, Secret grants and per-table limits, the Rust and Python examples
//! over a snapshot and a live (fixture) API server, a component built against the first WIT
//! version, and `kubequery table new` / `kubequery table test`.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use kubequery_fixture_apiserver::{FixtureServer, ResourceType, Store};
use serde_json::{Value, json};

const TABLE: &str = "cert_manager_certificates";

fn example_dir() -> PathBuf {
    common::repo().join("tables/examples/cert_manager_certificates")
}

fn example_input() -> PathBuf {
    example_dir().join("tests/input")
}

fn expected_rows() -> Value {
    serde_json::from_slice(&std::fs::read(example_dir().join("tests/expected.json")).expect("golden file"))
        .expect("golden file is JSON")
}

/// The Rust example, built with the built-in tables by host/build.rs.
fn rust_example() -> PathBuf {
    let path = common::guest::components_dir(&common::target_dir().join("wasm-tables")).join(format!("{TABLE}.wasm"));
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// The Rust example built against `kubequery:table@0.1.0` (the SDK's `wit-0-1` feature),
/// on first use, in the target directory the `table new` crates share (same dependencies).
fn rust_example_wit_0_1() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scaffold-target");
        let args = ["-p", TABLE, "--features", "kubequery-table-sdk/wit-0-1"];
        let built = common::guest::build_components(&common::repo().join("tables"), &target, &args)
            .join(format!("{TABLE}.wasm"));
        // The next build of another crate in this directory must not overwrite it.
        let kept = target.join(format!("{TABLE}-wit-0.1.wasm"));
        std::fs::copy(&built, &kept).expect("copying the 0.1 build");
        kept
    })
}

/// The Python example, built with componentize-py from the test venv on first use, against
/// `wit/v{version}` (one source builds against either).
fn python_example(version: &str) -> &'static Path {
    static BUILT: [OnceLock<PathBuf>; 2] = [OnceLock::new(), OnceLock::new()];
    let slot = match version {
        "0.1.0" => &BUILT[0],
        "0.2.0" => &BUILT[1],
        other => panic!("no WIT release {other}"),
    };
    slot.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("python-example-{version}"));
        std::fs::create_dir_all(&out).expect("creating the output directory");
        let wasm = out.join(format!("{TABLE}.wasm"));
        let componentize = common::python().parent().expect("venv bin/").join("componentize-py");
        let wit = format!("../../../wit/v{version}");
        let status = Command::new(componentize)
            .current_dir(common::repo().join("tables/examples/python_cert_manager_certificates"))
            .args(["-d", &wit, "-w", "table-component", "componentize", "app", "-o"])
            .arg(&wasm)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .status()
            .expect("running componentize-py");
        assert!(status.success(), "componentize-py failed");
        wasm
    })
}

fn hostile(name: &str) -> PathBuf {
    common::hostile_components().join(format!("{name}.wasm"))
}

/// `kubequery GLOBAL query SOURCE -o json SQL` of one statement, with JSON columns parsed
/// wherever the expected rows hold documents.
fn query_rows(global: &[&str], source: &[&str], sql: &str) -> Value {
    let (output, stdout, stderr) =
        common::run_command(common::kubequery().args(global).arg("query").args(source).args([
            "-o",
            "json",
            "--cluster-name",
            "test",
            sql,
        ]));
    assert!(output.status.success(), "{sql}: {stderr}");
    let mut rows: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    for row in rows.as_array_mut().expect("rows") {
        for value in row.as_object_mut().expect("row").values_mut() {
            if let Value::String(text) = value
                && (text.starts_with('{') || text.starts_with('['))
            {
                *value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
            }
        }
    }
    rows
}

fn with_table(component: &Path) -> Vec<String> {
    vec!["--table".into(), component.display().to_string()]
}

/// `sql` over the example's fixture, with `component` in a `--tables-dir` of its own.
fn example_query(scratch: &str, component: &Path, sql: &str) -> Value {
    let dir = common::scratch(scratch);
    std::fs::copy(component, dir.join(format!("{TABLE}.wasm"))).expect("copy");
    let tables_dir = dir.display().to_string();
    let snapshot = example_input().display().to_string();
    query_rows(&["--tables-dir", &tables_dir], &["--snapshot", &snapshot], sql)
}

#[test]
fn rust_example_returns_the_expected_rows_from_a_snapshot() {
    let rows =
        example_query("rust-example", &rust_example(), &format!("SELECT * FROM {TABLE} ORDER BY namespace, name"));
    assert_eq!(rows, expected_rows());
}

#[test]
fn python_example_returns_the_same_rows_as_the_rust_one() {
    for version in ["0.2.0", "0.1.0"] {
        let example = python_example(version);
        let rows = example_query(
            &format!("python-example-{version}"),
            example,
            &format!("SELECT * FROM {TABLE} ORDER BY namespace, name"),
        );
        assert_eq!(rows, expected_rows(), "WIT {version}");
        // Pushdown columns and the hidden label_selector work for a Python table too.
        let web = example_query(
            &format!("python-example-pushdown-{version}"),
            example,
            &format!("SELECT name FROM {TABLE} WHERE namespace = 'web' AND label_selector = 'app=api'"),
        );
        assert_eq!(web, json!([{"name": "api-tls"}]), "WIT {version}");
    }
}

#[test]
fn each_example_builds_against_both_wit_releases_with_the_same_rows() {
    let builds = [
        // The SDK builds against 0.2.2; Python's bindings come from wit/v0.2.0: both 0.2 releases.
        ("rust", "0.2.2", rust_example()),
        ("rust", "0.1.0", rust_example_wit_0_1().to_path_buf()),
        ("python", "0.2.0", python_example("0.2.0").to_path_buf()),
        ("python", "0.1.0", python_example("0.1.0").to_path_buf()),
    ];
    for (language, version, component) in builds {
        let (output, stdout, stderr) =
            common::run_command(common::kubequery().args(["table", "test"]).arg(&component).args([
                "--input",
                &example_input().join("certificates.json").display().to_string(),
                "--expect",
                &example_dir().join("tests/expected.json").display().to_string(),
            ]));
        assert!(output.status.success(), "{language} {version}: {stdout}{stderr}");
        assert!(stderr.contains(&format!("(kubequery:table@{version})")), "{language} {version}: {stderr}");
        assert!(stderr.contains("rows match"), "{language} {version}: {stderr}");
        // A projection reads the same values whatever the release.
        let rows = example_query(
            &format!("projection-{language}-{version}"),
            &component,
            &format!("SELECT name, issuer_name, not_after FROM {TABLE} ORDER BY namespace, name"),
        );
        let expected: Vec<Value> = expected_rows()
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| json!({"name": r["name"], "issuer_name": r["issuer_name"], "not_after": r["not_after"]}))
            .collect();
        assert_eq!(rows, Value::Array(expected), "{language} {version}");
    }
}

#[test]
fn a_malformed_object_costs_its_own_row_not_the_page() {
    // One Certificate whose spec is a string: 0.2 builds give the other rows and name the object.
    let dir = common::scratch("malformed-object");
    let mut list: Value =
        serde_json::from_slice(&std::fs::read(example_input().join("certificates.json")).expect("input"))
            .expect("JSON");
    let items = list["items"].as_array_mut().expect("items");
    let good = items.len();
    let mut bad = items[0].clone();
    bad["metadata"]["name"] = json!("broken-cert");
    bad["metadata"]["namespace"] = json!("web");
    bad["spec"] = json!("not an object");
    items.push(bad);
    let input = dir.join("certificates.json");
    std::fs::write(&input, serde_json::to_vec(&list).expect("JSON")).expect("write");
    for (language, component) in [("rust", rust_example()), ("python", python_example("0.2.0").to_path_buf())] {
        let (output, stdout, stderr) =
            common::run_command(common::kubequery().args(["table", "test"]).arg(&component).arg("--input").arg(&input));
        assert!(output.status.success(), "{language}: {stderr}");
        let rows: Value = serde_json::from_str(&stdout).expect("rows");
        assert_eq!(rows.as_array().expect("rows").len(), good, "{language}: every other object gives its row");
        assert!(
            stderr.contains("skipped Certificate web/broken-cert")
                && stderr.contains("not a valid cert-manager.io/v1 Certificate"),
            "{language}: the warning names the object and why:\n{stderr}"
        );
    }
    // The 0.1 contract has no per-object errors: the Rust SDK logs the object and goes on.
    let (output, stdout, stderr) = common::run_command(
        common::kubequery().args(["table", "test"]).arg(rust_example_wit_0_1()).arg("--input").arg(&input),
    );
    assert!(output.status.success(), "{stderr}");
    assert_eq!(serde_json::from_str::<Value>(&stdout).expect("rows").as_array().expect("rows").len(), good);
    assert!(stderr.contains("skipped web/broken-cert"), "{stderr}");
}

#[test]
fn a_component_built_against_wit_0_1_0_keeps_loading() {
    // Built once from the Rust example and committed: the host must keep accepting it.
    let frozen = common::fixture("components/cert_manager_certificates-wit-0.1.0.wasm");
    let (output, stdout, stderr) =
        common::run_command(common::kubequery().args(["table", "test"]).arg(&frozen).args([
            "--input",
            &example_input().join("certificates.json").display().to_string(),
            "--expect",
            &example_dir().join("tests/expected.json").display().to_string(),
        ]));
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("rows match"), "{stderr}");
}

#[test]
fn a_custom_resource_is_listed_from_a_live_api_server() {
    let mut store = Store::new();
    store.add_type(ResourceType::new("cert-manager.io", "v1", "Certificate", "certificates", true));
    store.load_dir(&example_input()).expect("loading the certificates");
    let server = FixtureServer::start(store).expect("fixture server");
    let kubeconfig = common::scratch("crd-live").join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig("crd")).expect("kubeconfig");
    let component = rust_example().display().to_string();
    let kubeconfig = kubeconfig.display().to_string();
    let rows = query_rows(
        &["--table", &component],
        &["--kubeconfig", &kubeconfig],
        &format!("SELECT * FROM {TABLE} ORDER BY namespace, name"),
    );
    assert_eq!(rows, expected_rows());
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert!(paths.iter().any(|p| p == "/apis/cert-manager.io/v1/certificates"), "{paths:?}");
}

#[test]
fn an_unsupported_wit_version_is_refused_with_the_supported_range() {
    let mut args = with_table(&hostile("future_version"));
    args.extend(["query".into(), "--demo".into(), "SELECT count(*) AS n FROM kubernetes_nodes".into()]);
    let (output, stdout, stderr) = common::run_command(common::kubequery().args(&args));
    assert!(output.status.success(), "the other tables still work: {stderr}");
    assert!(stdout.contains("\"n\":3"), "{stdout}");
    assert!(
        stderr.contains(
            "future_version.wasm: built for kubequery:table@0.3.0, this host supports kubequery:table 0.1–0.2"
        ),
        "{stderr}"
    );
}

#[test]
fn an_import_the_host_does_not_offer_is_refused_at_load() {
    let mut args = with_table(&hostile("hostile_import"));
    args.extend(["tables".into()]);
    let (output, stdout, stderr) = common::run_command(common::kubequery().args(&args));
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("hostile_import.wasm: imports `evil:exfil/net`"), "{stderr}");
    assert!(stdout.contains("kubernetes_pods"), "built-in tables are still listed");
}

#[test]
fn a_name_that_is_taken_is_refused_and_the_first_table_kept() {
    let dir = common::scratch("name-clash");
    std::fs::copy(rust_example(), dir.join("a.wasm")).expect("copy");
    std::fs::copy(python_example("0.2.0"), dir.join("b.wasm")).expect("copy");
    let tables_dir = dir.display().to_string();
    let snapshot = example_input().display().to_string();
    let (output, stdout, stderr) = common::run_command(common::kubequery().args([
        "--tables-dir",
        &tables_dir,
        "query",
        "--snapshot",
        &snapshot,
        &format!("SELECT count(*) AS n FROM {TABLE}"),
    ]));
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("\"n\":3"), "{stdout}");
    assert!(stderr.contains(&format!("b.wasm: defines table {TABLE}, which")), "{stderr}");
    assert!(stderr.contains("a.wasm already defines"), "{stderr}");
}

#[test]
fn a_resource_outside_the_allow_list_is_refused() {
    let snapshot = example_input().display().to_string();
    let mut args = with_table(&rust_example());
    args.extend(["--table-allow".into(), "*.example.com,pods".into()]);
    args.extend(["query".into(), "--snapshot".into(), snapshot.clone(), format!("SELECT count(*) FROM {TABLE}")]);
    let (output, _, stderr) = common::run_command(common::kubequery().args(&args));
    assert!(!output.status.success());
    assert!(
        stderr.contains(&format!(
            "refused: table {TABLE} reads certificates.cert-manager.io, which is not on the allow-list (*.example.com, pods)"
        )),
        "{stderr}"
    );
    // Allowing the group admits it.
    let component = rust_example().display().to_string();
    assert_eq!(
        query_rows(
            &["--table", &component, "--table-allow", "*.cert-manager.io"],
            &["--snapshot", &snapshot],
            &format!("SELECT count(*) AS n FROM {TABLE}")
        ),
        json!([{"n": 3}])
    );
}

/// A fixture cluster holding one Secret with a value.
fn cluster_with_a_secret() -> FixtureServer {
    let mut store = Store::new();
    store
        .insert(json!({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "db", "namespace": "prod", "uid": "uid-db"},
            "data": {"password": "c3VwZXItc2VjcmV0"}
        }))
        .expect("secret");
    FixtureServer::start(store).expect("fixture server")
}

#[test]
fn secrets_need_a_grant_and_then_arrive_as_metadata_only() {
    let server = cluster_with_a_secret();
    let kubeconfig = common::scratch("secret-grant").join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig("c")).expect("kubeconfig");
    let kubeconfig = kubeconfig.display().to_string();
    let reader = hostile("secret_reader").display().to_string();

    let (output, _, stderr) = common::run_command(common::kubequery().args([
        "--table",
        &reader,
        "query",
        "--kubeconfig",
        &kubeconfig,
        "SELECT * FROM secret_reader",
    ]));
    assert!(!output.status.success());
    assert!(stderr.contains("refused: table secret_reader reads Secrets, which needs a grant"), "{stderr}");
    assert!(server.requests().iter().all(|r| !r.path.contains("secrets")), "nothing was fetched");

    // Granted, it runs, but the component declared metadata-only = false and still gets none.
    let rows = query_rows(
        &["--table", &reader, "--table-grant-secrets", "secret_reader"],
        &["--kubeconfig", &kubeconfig],
        "SELECT name, size FROM secret_reader",
    );
    assert_eq!(rows, json!([{"name": "secret", "size": 0}]));
    let secrets: Vec<_> = server.requests().into_iter().filter(|r| r.path.ends_with("/secrets")).collect();
    assert!(!secrets.is_empty());
    for request in secrets {
        assert!(request.accept.contains("as=PartialObjectMetadataList"), "{request:?}");
    }
}

/// Runs `statements` with the per-table limits of `config`; the first must fail naming the
/// table and the limit, the last must still answer.
fn assert_limit(config: &str, hostile: Option<&str>, failing: &str, expected: &str) {
    let dir = common::scratch(&format!("limit-{}", failing.replace(' ', "-")));
    let config_path = dir.join("kubequery.yaml");
    std::fs::write(&config_path, config).expect("config");
    let mut cmd = common::kubequery();
    cmd.arg("--config").arg(&config_path);
    if let Some(name) = hostile {
        cmd.arg("--table").arg(self::hostile(name));
    }
    let (output, stdout, stderr) = common::run_command(cmd.args([
        "query",
        "--demo",
        "-o",
        "jsonl",
        &format!("{failing}; SELECT count(*) AS n FROM kubernetes_nodes"),
    ]));
    assert!(!output.status.success());
    assert!(stderr.contains(expected), "expected {expected:?} in {stderr}");
    assert!(stdout.contains("{\"n\":3}"), "the next statement must still answer: {stdout}");
}

#[test]
fn a_table_over_its_memory_limit_fails_alone() {
    assert_limit(
        "table_limits:\n  hostile_alloc: {memory_mb: 32}\n",
        Some("hostile_alloc"),
        "SELECT * FROM hostile_alloc",
        "table hostile_alloc: exceeded its memory limit of 32 MiB",
    );
}

#[test]
fn a_table_over_its_deadline_fails_alone() {
    assert_limit(
        "table_limits:\n  hostile_loop: {deadline_ms: 200}\n",
        Some("hostile_loop"),
        "SELECT * FROM hostile_loop",
        "table hostile_loop: exceeded its deadline of 200 ms per page",
    );
}

#[test]
fn a_table_over_its_row_limit_fails_alone() {
    assert_limit(
        "table_limits:\n  kubernetes_pods: {rows_per_page: 5}\n",
        None,
        "SELECT * FROM kubernetes_pods",
        "table kubernetes_pods: returned 19 rows for one page, over its limit of 5 rows per page",
    );
}

#[test]
fn a_table_over_its_byte_limit_fails_alone() {
    assert_limit(
        "table_limits:\n  kubernetes_pods: {bytes_per_page: 4096}\n",
        None,
        "SELECT * FROM kubernetes_pods",
        "table kubernetes_pods: returned",
    );
    assert_limit(
        "table_limits:\n  kubernetes_pods: {bytes_per_page: 4096}\n",
        None,
        "SELECT * FROM kubernetes_pods",
        "bytes of cells for one page, over its limit of 4096 bytes per page",
    );
}

#[test]
fn table_test_prints_a_diff_and_fails_on_a_mismatch_and_update_accepts() {
    let dir = common::scratch("table-test-diff");
    let golden = dir.join("expected.json");
    let changed = std::fs::read_to_string(example_dir().join("tests/expected.json"))
        .expect("golden")
        .replace("\"selfsigned\"", "\"self-signed\"");
    std::fs::write(&golden, changed).expect("write");
    let input = example_input().join("certificates.json");
    let test = |extra: &[&str]| {
        common::run_command(
            common::kubequery()
                .args(["table", "test"])
                .arg(rust_example())
                .arg("--input")
                .arg(&input)
                .arg("--expect")
                .arg(&golden)
                .args(extra),
        )
    };
    let (output, stdout, stderr) = test(&[]);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stdout.contains("-    \"issuer_name\": \"self-signed\",\n+    \"issuer_name\": \"selfsigned\","),
        "{stdout}"
    );
    assert!(stderr.contains("rows differ"), "{stderr}");

    let (output, _, stderr) = test(&["--update"]);
    assert!(output.status.success(), "{stderr}");
    let (output, _, stderr) = test(&[]);
    assert!(output.status.success(), "{stderr}");
}

#[test]
fn table_test_reports_a_failing_component_and_bad_input() {
    let input = example_input().join("certificates.json");
    let (output, _, stderr) = common::run_command(
        common::kubequery().args(["table", "test"]).arg(hostile("hostile_panic")).arg("--input").arg(&input),
    );
    // hostile_panic reads namespaces; the input has none, so it is never called: no rows.
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("0 row(s) from 0 page(s)"), "{stderr}");

    let ns = common::fixture("kubequery-1.1.1/namespaces_test.json");
    let (output, _, stderr) = common::run_command(
        common::kubequery().args(["table", "test"]).arg(hostile("hostile_panic")).arg("--input").arg(&ns),
    );
    assert!(!output.status.success());
    assert!(stderr.contains("table hostile_panic: component panicked at"), "{stderr}");

    let bad = common::scratch("table-test-bad").join("broken.json");
    std::fs::write(&bad, "{ not json").expect("write");
    let (output, _, stderr) =
        common::run_command(common::kubequery().args(["table", "test"]).arg(rust_example()).arg("--input").arg(&bad));
    assert!(!output.status.success());
    assert!(stderr.contains("broken.json"), "{stderr}");
}

#[test]
fn table_test_catches_rows_that_depend_on_more_than_their_object() {
    // The watch cache reuses a 0.2.2 table's rows of unchanged objects: a table whose rows
    // depend on the rest of the page would serve wrong rows, and its author must learn it.
    let ns = common::fixture("kubequery-1.1.1/namespaces_test.json");
    let (output, _, stderr) = common::run_command(
        common::kubequery().args(["table", "test"]).arg(hostile("hostile_object_rows")).arg("--input").arg(&ns),
    );
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("hostile_object_rows: row 0 is")
            && stderr.contains("a table's rows of an object must depend only on that object"),
        "{stderr}"
    );
    // Tables built with the SDK keep it: the examples pass the same check in
    // `each_example_builds_against_both_wit_releases_with_the_same_rows`.
}

/// Builds a crate made by `kubequery table new` the way its author would, with only crates.io
/// (the versions of tables/Cargo.lock, so the shared target directory is reused).
fn build_scaffold(dir: &Path, name: &str) -> PathBuf {
    std::fs::copy(common::repo().join("tables/Cargo.lock"), dir.join("Cargo.lock")).expect("lockfile");
    common::guest::build_components(dir, &Path::new(env!("CARGO_TARGET_TMPDIR")).join("scaffold-target"), &[])
        .join(format!("{name}.wasm"))
}

#[test]
fn table_new_output_builds_and_passes_table_test() {
    let parent = common::scratch("table-new");
    for (name, extra, version) in [
        ("widgets", vec!["--resource", "example.com/v1/widgets"], "0.2.2"),
        (
            "storage_policies",
            vec!["--resource", "storage.example.com/v1beta1/storagepolicies", "--cluster-scoped", "--wit", "0.1"],
            "0.1.0",
        ),
    ] {
        let (output, stdout, stderr) =
            common::run_command(common::kubequery().args(["table", "new", name, "--dir"]).arg(&parent).args(&extra));
        assert!(output.status.success(), "{stderr}");
        assert!(stdout.contains("cargo build --release --target wasm32-wasip2"), "{stdout}");
        let dir = parent.join(name);
        let text = std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml");
        assert!(!text.contains("../"), "the crate must not point into the repository:\n{text}");
        let wasm = build_scaffold(&dir, name);
        let (output, stdout, stderr) = common::run_command(
            common::kubequery()
                .args(["table", "test"])
                .arg(&wasm)
                .arg("--input")
                .arg(dir.join("tests/input/example.json"))
                .arg("--expect")
                .arg(dir.join("tests/expected.json")),
        );
        assert!(output.status.success(), "{name}: {stdout}{stderr}");
        assert!(stderr.contains("rows match"), "{stderr}");
        assert!(stderr.contains(&format!("(kubequery:table@{version})")), "{name}: {stderr}");
    }
    // A second `table new` of the same name does not overwrite the author's work.
    let (output, _, stderr) =
        common::run_command(common::kubequery().args(["table", "new", "widgets", "--dir"]).arg(&parent));
    assert!(!output.status.success());
    assert!(stderr.contains("already exists"), "{stderr}");
}

#[test]
fn names_sqlite_owns_are_refused_naming_the_file() {
    for (name, reason) in [
        ("json_each", "one of SQLite's own tables or table functions"),
        ("fts5", "one of SQLite's own tables or table functions"),
        ("pragma_table_info", "reserved by SQLite"),
        ("sqlite_schema", "reserved by SQLite"),
    ] {
        let component = common::spelled_component(name, ("", "v1", "namespaces", "Namespace"), false);
        let (output, _, stderr) = common::run_command(common::kubequery().arg("--table").arg(&component).args([
            "query",
            "--demo",
            "-o",
            "csv",
            "SELECT count(*) AS n FROM json_each('[1,2,3]')",
        ]));
        assert!(output.status.success(), "{stderr}");
        assert_eq!(String::from_utf8_lossy(&output.stdout), "n\r\n3\r\n", "json_each is SQLite's, untouched");
        assert!(
            stderr.contains(&component.display().to_string()) && stderr.contains(reason),
            "{name}: the refusal names the file and why:\n{stderr}"
        );
    }
}
