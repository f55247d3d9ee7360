//! The Secret guarantee (docs/sandbox.md#secrets): no Secret value — base64 or decoded — and
//! no annotation copying one reaches a component, a row, a log line or an osquery response,
//! whatever the table, the cluster or the file. Each test attacks one layer from the outside:
//! adversarial source spellings, a server that ignores `as=`, kubectl's
//! last-applied-configuration live and in snapshots, the real-world dumps, and a sweep of every
//! table through `query -vvv`, `table test` and the osquery peer.

use crate::common;

use std::path::{Path, PathBuf};

use kubequery_fixture_apiserver::{Fault, FixtureServer, Store};
use serde_json::{Value, json};

/// The decoded Secret values of the fixture cluster; each also appears base64-encoded.
const VALUES: [&str; 5] =
    ["s3cr3t-opaque-7Qx", "s3cr3t-token-9Zk", "s3cr3t-ca-2Pw", "s3cr3t-kapp-4Lm", "s3cr3t-immutable-8Vd"];
/// The data of a ConfigMap applied with kubectl, which its table promises never to show.
const CONFIG_VALUE: &str = "cm-data-value-5Ty";
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

fn base64(input: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.as_bytes().chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Every Secret value, decoded and in base64.
fn needles() -> Vec<String> {
    VALUES.iter().flat_map(|v| [v.to_string(), base64(v)]).collect()
}

/// Panics naming `what` if `text` holds any Secret value.
fn assert_no_value(what: &str, text: &str) {
    for needle in needles() {
        assert!(!text.contains(&needle), "{what}: a Secret value ({needle}) got through:\n{text}");
    }
}

/// A manifest as `kubectl apply` stores it in the last-applied annotation.
fn applied(kind: &str, name: &str, data: &Value) -> String {
    json!({"apiVersion": "v1", "kind": kind, "metadata": {"annotations": {}, "name": name, "namespace": "prod"}, "data": data})
        .to_string()
}

/// Secrets of every shape kubequery meets: applied with kubectl, service-account tokens, a
/// kapp-managed one with its original manifest in an annotation, an immutable one.
fn secrets() -> Vec<Value> {
    let opaque = json!({"password": base64(VALUES[0])});
    vec![
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "db", "namespace": "prod", "uid": "uid-db",
                "annotations": {LAST_APPLIED: applied("Secret", "db", &opaque), "owner": "team-a"}},
            "data": opaque}),
        json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {"name": "default-token", "namespace": "kube-system", "uid": "uid-token",
                "annotations": {"kubernetes.io/service-account.name": "default"}},
            "data": {"token": base64(VALUES[1]), "ca.crt": base64(VALUES[2])}}),
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "kapp", "namespace": "prod", "uid": "uid-kapp",
                "annotations": {"kapp.k14s.io/original":
                    json!({"kind": "Secret", "stringData": {"api-key": VALUES[3]}}).to_string()}},
            "data": {"api-key": base64(VALUES[3])}}),
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "immutable": true,
            "metadata": {"name": "frozen", "namespace": "prod", "uid": "uid-frozen"},
            "data": {"v": base64(VALUES[4])}}),
    ]
}

fn config_maps() -> Vec<Value> {
    let data = json!({"config": CONFIG_VALUE});
    vec![json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "app", "namespace": "prod", "uid": "uid-app",
            "annotations": {LAST_APPLIED: applied("ConfigMap", "app", &data)}},
        "data": data})]
}

fn namespaces() -> Vec<Value> {
    ["kube-system", "prod"]
        .iter()
        .map(
            |ns| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "uid": format!("uid-{ns}")}}),
        )
        .collect()
}

fn server() -> FixtureServer {
    let mut store = Store::new();
    for object in namespaces().into_iter().chain(secrets()).chain(config_maps()) {
        store.insert(object).expect("fixture object");
    }
    FixtureServer::start(store).expect("fixture server")
}

fn kubeconfig(server: &FixtureServer, name: &str) -> PathBuf {
    let path = common::scratch(name).join("kubeconfig");
    std::fs::write(&path, server.kubeconfig("fixture")).expect("kubeconfig");
    path
}

/// The same cluster as files: a `kubectl get -o json` List of Secrets, one also carrying the
/// write-only `stringData` a manifest in a repository has, and a YAML ConfigMap.
fn snapshot(name: &str) -> PathBuf {
    let dir = common::scratch(name);
    let mut secrets = secrets();
    secrets[2]["stringData"] = json!({"api-key": VALUES[3]});
    let list = json!({"apiVersion": "v1", "kind": "List", "items": secrets});
    std::fs::write(dir.join("secrets.json"), serde_json::to_vec_pretty(&list).expect("JSON")).expect("write");
    let yaml = serde_yaml_ng::to_string(&config_maps()[0]).expect("YAML");
    std::fs::write(dir.join("configmaps.yaml"), yaml).expect("write");
    let namespaces = json!({"apiVersion": "v1", "kind": "List", "items": namespaces()});
    std::fs::write(dir.join("namespaces.json"), namespaces.to_string()).expect("write");
    dir
}

fn query_json(args: &[&str], sql: &str) -> Value {
    let (output, stdout, stderr) = common::run_command(common::kubequery().args(args).args(["-o", "json", sql]));
    assert!(output.status.success(), "{sql}: {stderr}");
    assert_no_value(sql, &stdout);
    assert_no_value(sql, &stderr);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn adversarial_source_spellings_are_refused_at_load_naming_the_file_and_the_field() {
    let cases = [
        ("", "secrets#", "Secret", "resource"),
        ("", "secrets?x=1", "Secret", "resource"),
        ("", "secrets/", "Secret", "resource"),
        ("", "secrets/x", "Secret", "resource"),
        ("", "Secrets", "Secret", "resource"),
        ("", "%73ecrets", "Secret", "resource"),
        ("", "../secrets", "Secret", "resource"),
        ("", "secrets#", "ConfigMap", "resource"),
        ("core", "secrets", "Secret", "group"),
        ("core", "configmaps", "ConfigMap", "group"),
        ("", "pods", "Secret?", "kind"),
    ];
    let server = server();
    let kubeconfig = kubeconfig(&server, "spellings");
    for (index, (group, resource, kind, field)) in cases.into_iter().enumerate() {
        let name = format!("spelling_{index}");
        let component = common::spelled_component(&name, (group, "v1", resource, kind), false);
        let (output, stdout, stderr) = common::run_command(
            common::kubequery()
                .arg("--table")
                .arg(&component)
                .args(["--table-allow", "*", "--table-grant-secrets", &name, "query", "--kubeconfig"])
                .arg(&kubeconfig)
                .arg(format!("SELECT * FROM {name}")),
        );
        assert!(!output.status.success(), "{resource:?} must not load: {stdout}");
        let expected = format!(
            "source {field} {:?}",
            if field == "group" {
                group
            } else if field == "kind" {
                kind
            } else {
                resource
            }
        );
        assert!(
            stderr.contains(&component.display().to_string()) && stderr.contains(&expected),
            "{resource:?}: the message must name the file and the field ({expected}):\n{stderr}"
        );
        assert_no_value(&name, &stdout);
        assert_no_value(&name, &stderr);
    }
    assert!(
        server.requests().iter().all(|r| !r.path.contains("secrets") && !r.path.contains("%")),
        "nothing was fetched for a refused table: {:?}",
        server.requests()
    );
}

#[test]
fn kind_secret_under_another_resource_name_is_a_secret_table() {
    let component = common::spelled_component("disguised", ("", "v1", "notsecrets", "Secret"), false);
    let component = component.display().to_string();
    let snapshot = snapshot("disguised").display().to_string();
    let (output, _, stderr) = common::run_command(common::kubequery().args([
        "--table",
        &component,
        "--table-allow",
        "*",
        "query",
        "--snapshot",
        &snapshot,
        "SELECT * FROM disguised",
    ]));
    assert!(!output.status.success());
    assert!(stderr.contains("table disguised reads Secrets, which needs a grant"), "{stderr}");

    // Granted, it gets what every Secret table gets: value-free metadata.
    let grant = ["--table", &component, "--table-grant-secrets", "disguised"];
    let rows = query_json(&[&grant[..], &["query", "--snapshot", &snapshot]].concat(), "SELECT name FROM disguised");
    let page = rows[0]["name"].as_str().expect("the echoed page");
    assert!(page.contains("PartialObjectMetadataList") && page.contains("\"frozen\""), "{page}");

    let server = server();
    let kubeconfig = kubeconfig(&server, "disguised-live").display().to_string();
    query_json(&[&grant[..], &["query", "--kubeconfig", &kubeconfig]].concat(), "SELECT name FROM disguised");
    let request = server.requests().into_iter().find(|r| r.path == "/api/v1/notsecrets").expect("a list request");
    assert!(request.accept.starts_with("application/json;as=Table;"), "{}", request.accept);
    assert!(!request.accept.split(',').any(|t| t == "application/json"), "no fallback to full objects");
}

#[test]
fn a_granted_table_asking_for_full_secrets_sees_no_values_live_or_in_a_snapshot() {
    // secrets, resource spelled the one valid way, metadata-only left off.
    let component = common::spelled_component("greedy", ("", "v1", "secrets", "Secret"), false);
    let component = component.display().to_string();
    let grant = ["--table", &component, "--table-grant-secrets", "greedy"];
    let server = server();
    let kubeconfig = kubeconfig(&server, "greedy").display().to_string();
    let snapshot = snapshot("greedy-snapshot").display().to_string();
    for source in [["--kubeconfig", &kubeconfig], ["--snapshot", &snapshot]] {
        let rows = query_json(&[&grant[..], &["query"], &source[..]].concat(), "SELECT name FROM greedy");
        let pages: Vec<&str> = rows.as_array().expect("rows").iter().filter_map(|r| r["name"].as_str()).collect();
        let all = pages.join("\n");
        for name in ["\"db\"", "\"default-token\"", "\"kapp\"", "\"frozen\""] {
            assert!(all.contains(name), "{source:?}: metadata of {name} is served: {all}");
        }
        assert!(all.contains("(redacted by kubequery"), "{source:?}: {all}");
        assert!(!all.contains("\"data\"") && !all.contains("stringData\":{"), "{source:?}: {all}");
    }
}

#[test]
fn a_server_that_ignores_as_is_refused_naming_the_cluster() {
    let server = server();
    server.set_faults(vec![Fault::IgnoreAs { resource: "secrets".into() }]);
    let kubeconfig = kubeconfig(&server, "ignore-as").display().to_string();
    let (output, stdout, stderr) = common::run_command(common::kubequery().args([
        "-vvv",
        "query",
        "--kubeconfig",
        &kubeconfig,
        "SELECT name, type FROM kubernetes_secrets",
    ]));
    assert!(!output.status.success(), "{stdout}");
    assert!(
        stderr.contains("cluster fixture") && stderr.contains("a SecretList, not Secret metadata"),
        "the refusal names the cluster and what came back:\n{stderr}"
    );
    assert_no_value("stdout", &stdout);
    assert_no_value("stderr at -vvv", &stderr);
}

#[test]
fn service_account_token_audit_works_on_a_live_cluster() {
    let server = server();
    let kubeconfig = kubeconfig(&server, "token-audit").display().to_string();
    let rows = query_json(
        &["query", "--kubeconfig", &kubeconfig],
        "SELECT namespace, name, type, immutable FROM kubernetes_secrets \
         WHERE type = 'kubernetes.io/service-account-token'",
    );
    assert_eq!(
        rows,
        json!([{"namespace": "kube-system", "name": "default-token", "type": "kubernetes.io/service-account-token", "immutable": null}])
    );
    let request = server.requests().into_iter().find(|r| r.path == "/api/v1/secrets").expect("a secrets list");
    assert!(request.accept.starts_with("application/json;as=Table;g=meta.k8s.io;v=v1"), "{}", request.accept);
    assert_eq!(request.param("includeObject"), Some("Metadata"));

    // Snapshots keep the object's own type and immutable.
    let snapshot = snapshot("token-audit-snapshot").display().to_string();
    let rows = query_json(
        &["query", "--snapshot", &snapshot],
        "SELECT name, type, immutable FROM kubernetes_secrets ORDER BY name",
    );
    assert_eq!(
        rows,
        json!([
            {"name": "db", "type": "Opaque", "immutable": null},
            {"name": "default-token", "type": "kubernetes.io/service-account-token", "immutable": null},
            {"name": "frozen", "type": "Opaque", "immutable": 1},
            {"name": "kapp", "type": "Opaque", "immutable": null}
        ])
    );
}

#[test]
fn last_applied_configuration_is_redacted_for_secrets_and_config_maps_live_and_in_snapshots() {
    let server = server();
    let kubeconfig = kubeconfig(&server, "last-applied").display().to_string();
    let snapshot = snapshot("last-applied-snapshot").display().to_string();
    for source in [["--kubeconfig", &kubeconfig], ["--snapshot", &snapshot]] {
        for table in ["kubernetes_secrets", "kubernetes_config_maps"] {
            let rows = query_json(
                &[&["query"], &source[..]].concat(),
                &format!("SELECT name, annotations FROM {table} WHERE name IN ('db', 'app')"),
            );
            let row = &rows[0];
            let annotations: Value =
                serde_json::from_str(row["annotations"].as_str().expect("annotations")).expect("JSON");
            assert_eq!(
                annotations[LAST_APPLIED], "(redacted by kubequery: a copy of the object's values)",
                "{table} {source:?}"
            );
            assert!(!row.to_string().contains(CONFIG_VALUE), "{table} {source:?}: {row}");
        }
    }
}

/// Every `data` value (base64 and decoded) of the Secrets in a real-world file.
fn values_in(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).expect("reading a real-world dump");
    let documents: Vec<Value> = if file.extension().is_some_and(|e| e == "json") {
        vec![serde_json::from_str(&text).expect("JSON")]
    } else {
        serde_yaml_ng::Deserializer::from_str(&text)
            .map(|d| serde::Deserialize::deserialize(d).expect("YAML"))
            .collect()
    };
    let mut values = Vec::new();
    for doc in documents {
        let items = doc["items"].as_array().cloned().unwrap_or_else(|| vec![doc.clone()]);
        for item in items.iter().filter(|i| i["kind"] == "Secret") {
            for value in item["data"].as_object().into_iter().flat_map(|d| d.values()).filter_map(Value::as_str) {
                values.push(value.to_string());
            }
        }
    }
    values.retain(|v| v.len() >= 8);
    values
}

#[test]
fn real_world_dumps_leak_no_secret_value() {
    let Some(dir) = common::realworld("secrets: the real-world Secret dumps") else { return };
    let files = ["k9s-Secret-sec.json", "ocp-aws-SecretList.yaml"].map(|f| dir.join(f));
    let mut values: Vec<String> = files.iter().flat_map(|f| values_in(f)).collect();
    assert!(!values.is_empty(), "the dumps hold Secret values to look for");
    // The k9s Secret was applied with kubectl: its values are in the annotation as well. (Its
    // other value, "fernand", is also a user name in the k9s RBAC dumps, so it cannot be a needle.)
    values.push("bumblebeetuna".into());
    let (output, stdout, stderr) = common::run_command(
        common::kubequery()
            .args(["-vvv", "query", "-o", "json", "--snapshot"])
            .arg(&dir)
            .arg("SELECT * FROM kubernetes_secrets; SELECT * FROM kubernetes_config_maps"),
    );
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("\"s1\""), "the k9s Secret is listed: {stdout}");
    for value in &values {
        assert!(!stdout.contains(value.as_str()) && !stderr.contains(value.as_str()), "{value} leaked");
    }
    let component = common::spelled_component("realworld_reader", ("", "v1", "secrets", "Secret"), false);
    for file in &files {
        let (_, stdout, stderr) =
            common::run_command(common::kubequery().args(["table", "test"]).arg(&component).arg("--input").arg(file));
        assert!(stdout.contains("PartialObjectMetadataList"), "{}: {stdout}{stderr}", file.display());
        for value in &values {
            assert!(
                !stdout.contains(value.as_str()) && !stderr.contains(value.as_str()),
                "{value} leaked by table test"
            );
        }
    }
}

/// Third-party tables that try every valid way to Secrets, all granted: the spelled ones,
/// and secret_reader (which counts `data` bytes).
fn hostile_secret_tables() -> (Vec<PathBuf>, Vec<String>) {
    let spellings = [
        ("sweep_full", ("", "v1", "secrets", "Secret"), false),
        ("sweep_metadata", ("", "v1", "secrets", "Secret"), true),
        ("sweep_disguised", ("", "v1", "configmaps", "Secret"), false),
        ("sweep_kind_case", ("", "v1", "secretz", "secret"), false),
        ("sweep_other_version", ("", "v2", "secrets", "Secret"), false),
    ];
    let mut files: Vec<PathBuf> =
        spellings.iter().map(|(name, source, metadata)| common::spelled_component(name, *source, *metadata)).collect();
    files.push(common::hostile_components().join("secret_reader.wasm"));
    let mut names: Vec<String> = spellings.iter().map(|(name, ..)| name.to_string()).collect();
    names.push("secret_reader".into());
    (files, names)
}

#[test]
fn sweep_every_table_through_query_table_test_and_osquery_leaks_nothing() {
    let (files, hostile) = hostile_secret_tables();
    let server = server();
    let kubeconfig = kubeconfig(&server, "sweep").display().to_string();
    let snapshot = snapshot("sweep-snapshot").display().to_string();
    let mut tables: Vec<String> = common::builtin_catalog().tables().map(|t| t.schema.name.clone()).collect();
    tables.extend(hostile.iter().cloned());
    let statements: String = tables.iter().map(|t| format!("SELECT * FROM {t};")).collect();
    let mut loading = Vec::new();
    for file in &files {
        loading.push("--table".to_string());
        loading.push(file.display().to_string());
    }
    loading.extend(["--table-grant-secrets".to_string(), hostile.join(",")]);

    // 1. `kubequery query -vvv`, live and from a snapshot.
    for source in [["--kubeconfig", &kubeconfig], ["--snapshot", &snapshot]] {
        let (output, stdout, stderr) =
            common::run_command(common::kubequery().args(&loading).arg("-vvv").arg("query").args(source).args([
                "-o",
                "jsonl",
                &statements,
            ]));
        assert!(output.status.success(), "{source:?}: {stderr}");
        assert!(!stderr.contains("skipping table component"), "every hostile table loads: {stderr}");
        assert!(stdout.contains("default-token"), "{source:?}: the sweep saw the Secrets");
        assert_no_value(&format!("query -vvv {source:?} stdout"), &stdout);
        assert_no_value(&format!("query -vvv {source:?} stderr"), &stderr);
        assert!(
            !stdout.contains(CONFIG_VALUE),
            "{source:?}: no table shows a ConfigMap's data, not even in an annotation"
        );
    }

    // The demo cluster's Secrets hold "ZGVtbw==" (base64 of "demo", a word the demo uses
    // everywhere else), so that is the needle there.
    let (output, stdout, stderr) = common::run_command(common::kubequery().args(&loading).args([
        "-vvv",
        "query",
        "--demo",
        "-o",
        "jsonl",
        &statements,
    ]));
    assert!(output.status.success(), "--demo: {stderr}");
    assert!(stdout.contains("frontend-tls"), "the sweep saw the demo's Secrets");
    assert!(!stdout.contains("ZGVtbw==") && !stderr.contains("ZGVtbw=="), "a demo Secret value got through");

    // 2. `kubequery table test` on the snapshot's files, for every hostile Secret table and
    //    the built-in one.
    let builtin = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/")
        .join("wasm-tables/wasm32-wasip2/release/kubernetes_secrets.wasm");
    assert!(builtin.is_file(), "the built-in component is at {}", builtin.display());
    for component in files.iter().chain([&builtin]) {
        let (output, stdout, stderr) = common::run_command(
            common::kubequery()
                .arg("-vvv")
                .args(["table", "test"])
                .arg(component)
                .arg("--input")
                .arg(Path::new(&snapshot).join("secrets.json")),
        );
        assert!(output.status.success(), "{}: {stderr}", component.display());
        assert_no_value(&format!("table test {}", component.display()), &stdout);
        assert_no_value(&format!("table test {} stderr", component.display()), &stderr);
    }

    // 3. The osquery peer calls every registered table over Thrift, live, at trace level.
    let tables_dir = common::scratch("sweep-tables");
    for file in &files {
        std::fs::copy(file, tables_dir.join(file.file_name().expect("file name"))).expect("copy");
    }
    let env = [
        format!("KUBECONFIG={kubeconfig}"),
        format!("KUBEQUERY_TABLE_GRANT_SECRETS={}", hostile.join(",")),
        "KUBEQUERY_LOG=trace".to_string(),
    ];
    let output = common::osquery_peer("dump_every_table", Some(&tables_dir), &env);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success() && stdout.contains("ok dump_every_table"), "{stdout}");
    for table in &tables {
        assert!(stdout.contains(&format!("\"table\": \"{table}\"")), "the peer called {table}");
    }
    assert!(stdout.contains("default-token"), "the peer saw the Secrets' metadata");
    assert_no_value("osquery responses and the extension's stderr", &stdout);
}

#[test]
fn without_the_optional_grant_kubernetes_secrets_is_empty_and_warns_once() {
    let server = server();
    server.set_faults(vec![Fault::Status { resource: "secrets".into(), code: 403, times: None }]);
    let kubeconfig = kubeconfig(&server, "forbidden").display().to_string();
    let (output, stdout, stderr) = common::run_command(common::kubequery().args([
        "query",
        "-o",
        "jsonl",
        "--kubeconfig",
        &kubeconfig,
        "SELECT name FROM kubernetes_secrets; SELECT count(*) AS n FROM kubernetes_secrets; \
         SELECT name FROM kubernetes_config_maps",
    ]));
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stdout.trim(), "{\"n\":0}\n{\"name\":\"app\"}", "{stdout}");
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("forbidden to list secrets")).collect();
    assert_eq!(warnings.len(), 1, "one warning for the process:\n{stderr}");
    assert!(warnings[0].contains("cluster fixture") && warnings[0].contains("docs/osquery.md#secrets"), "{stderr}");
}
