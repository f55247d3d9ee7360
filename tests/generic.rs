//! Generic resource tables: a resource no typed table reads — a CRD, a built-in API such as
//! Leases — is a `k8s_<plural>_<group>` table with no code, from discovery on a live cluster
//! (the fixture API server) and from the kinds in a snapshot. Typed tables win; Secrets never
//! get one.

use std::path::PathBuf;
use std::process::Output;
use std::sync::Arc;
use std::time::Duration;

use kubequery::sources::DataSource;
use kubequery::sources::live::{LiveConfig, LiveSource};
use kubequery::sql::Engine;
use kubequery_fixture_apiserver::{FixtureServer, ResourceType, Store, synthetic};
use serde_json::{Value, json};

use crate::common;

/// A cluster with a CRD (cert-manager's Certificates, in two namespaces), Leases and a Secret.
fn cluster() -> FixtureServer {
    let mut store = Store::new();
    store.add_type(ResourceType::new("cert-manager.io", "v1", "Certificate", "certificates", true));
    store.add_type(ResourceType::new("coordination.k8s.io", "v1", "Lease", "leases", true));
    for namespace in ["kube-system", "ns-a", "ns-b"] {
        store.insert(synthetic::namespace(namespace)).expect("namespace");
    }
    for (namespace, name) in [("ns-a", "web"), ("ns-b", "api")] {
        store
            .insert(json!({
                "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
                "metadata": {"name": name, "namespace": namespace, "uid": format!("uid-{name}"), "labels": {"app": name}},
                "spec": {"secretName": format!("{name}-tls"), "dnsNames": [format!("{name}.example.com")]},
                "status": {"conditions": [{"type": "Ready", "status": "True"}]}
            }))
            .expect("certificate");
    }
    store
        .insert(json!({
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "kube-scheduler", "namespace": "kube-system", "uid": "uid-lease"},
            "spec": {"holderIdentity": "node-1", "leaseDurationSeconds": 15}
        }))
        .expect("lease");
    store
        .insert(json!({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "db", "namespace": "ns-a"}, "data": {"password": "aHVudGVyMg=="}
        }))
        .expect("secret");
    FixtureServer::start(store).expect("fixture server")
}

fn kubeconfig(server: &FixtureServer, name: &str) -> PathBuf {
    let path = common::scratch(name).join("kubeconfig");
    std::fs::write(&path, server.kubeconfig(name)).expect("kubeconfig");
    path
}

/// An engine over `server` serving the built-in tables and the generic ones.
fn engine(server: &FixtureServer, name: &str) -> Engine {
    let config = LiveConfig {
        kubeconfig: Some(kubeconfig(server, name)),
        request_timeout: Duration::from_secs(10),
        ..Default::default()
    };
    let source: Arc<dyn DataSource> = Arc::new(LiveSource::connect(&config).expect("connecting"));
    let catalog = common::builtin_catalog();
    let tables: Vec<_> = catalog.tables().cloned().collect();
    let mut engine = Engine::new(&tables, source).expect("engine");
    engine.serve_generic_tables(catalog.generic().expect("the generic component is built in").clone());
    engine
}

fn rows(engine: &Engine, sql: &str) -> Vec<serde_json::Map<String, Value>> {
    common::run(engine, sql).unwrap_or_else(|e| panic!("{sql}: {e:?}")).remove(0)
}

fn error(engine: &Engine, sql: &str) -> String {
    common::run(engine, sql).err().unwrap_or_else(|| panic!("{sql} should fail"))[0].message.clone()
}

#[test]
fn a_custom_resource_is_a_table_with_no_code() {
    let server = cluster();
    let engine = engine(&server, "generic-live");
    server.clear_requests();
    let certificates = rows(
        &engine,
        "SELECT name, namespace, api_version, kind, labels, json_extract(spec, '$.secretName') AS secret, \
         json_extract(status, '$.conditions[0].type') AS condition, json_extract(object, '$.metadata.uid') AS uid \
         FROM k8s_certificates_cert_manager_io ORDER BY name",
    );
    assert_eq!(certificates.len(), 2);
    let api = &certificates[0];
    assert_eq!((&api["name"], &api["namespace"], &api["secret"]), (&json!("api"), &json!("ns-b"), &json!("api-tls")));
    assert_eq!((&api["api_version"], &api["kind"]), (&json!("cert-manager.io/v1"), &json!("Certificate")));
    assert_eq!(
        (&api["condition"], &api["uid"], &api["labels"]),
        (&json!("Ready"), &json!("uid-api"), &json!(r#"{"app":"api"}"#))
    );
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert!(paths.iter().any(|p| p == "/apis/cert-manager.io/v1/certificates"), "{paths:?}");
    // Namespace and name constraints reach the API server as for typed tables.
    server.clear_requests();
    assert_eq!(rows(&engine, "SELECT name FROM k8s_certificates_cert_manager_io WHERE namespace = 'ns-a'").len(), 1);
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/apis/cert-manager.io/v1/namespaces/ns-a/certificates"], "discovery is not repeated");
    // A built-in API without a typed table too.
    let lease = rows(
        &engine,
        "SELECT name, json_extract(spec, '$.holderIdentity') AS holder FROM k8s_leases_coordination_k8s_io",
    );
    assert_eq!(lease[0]["holder"], "node-1");
}

#[test]
fn a_query_that_names_no_generic_table_makes_no_discovery() {
    let server = cluster();
    let engine = engine(&server, "generic-quiet");
    server.clear_requests();
    rows(&engine, "SELECT name FROM kubernetes_namespaces");
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/api/v1/namespaces"]);
}

#[test]
fn typed_tables_win_and_secrets_never_get_a_generic_table() {
    let server = cluster();
    let engine = engine(&server, "generic-typed");
    assert_eq!(
        error(&engine, "SELECT * FROM k8s_pods"),
        "no such table: k8s_pods; its resource is read by the typed table kubernetes_pods"
    );
    assert_eq!(
        error(&engine, "SELECT * FROM k8s_secrets"),
        "no such table: k8s_secrets; its resource is read by the typed table kubernetes_secrets"
    );
    // A misspelt generic table is suggested like a typed one.
    assert!(
        error(&engine, "SELECT * FROM k8s_lease_coordination_k8s_io")
            .ends_with("did you mean k8s_leases_coordination_k8s_io?"),
    );
    // No request ever read a Secret whole: only the typed table's metadata-only ones exist.
    assert!(server.requests().iter().all(|r| !r.path.ends_with("/secrets")), "{:?}", server.requests());
}

fn kubequery(args: &[&str]) -> (Output, String, String) {
    common::run_command(common::kubequery().args(args))
}

#[test]
fn the_command_line_serves_generic_tables_and_a_typed_third_party_table_wins() {
    let server = cluster();
    let kubeconfig = kubeconfig(&server, "generic-cli");
    let kubeconfig = kubeconfig.display().to_string();
    let sql = "SELECT name FROM k8s_certificates_cert_manager_io ORDER BY name";
    let (output, stdout, stderr) = kubequery(&["query", "--kubeconfig", &kubeconfig, "-o", "jsonl", sql]);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stdout, "{\"name\":\"api\"}\n{\"name\":\"web\"}\n");
    // With the Rust example's typed table for Certificates loaded, it is the one to use.
    // Built with the built-in tables (host/build.rs builds the whole tables workspace).
    let example =
        common::guest::components_dir(&common::target_dir().join("wasm-tables")).join("cert_manager_certificates.wasm");
    assert!(example.is_file(), "{} was not built", example.display());
    let example = example.display().to_string();
    let (output, _, stderr) = kubequery(&["--table", &example, "query", "--kubeconfig", &kubeconfig, sql]);
    assert!(!output.status.success());
    assert!(stderr.contains("its resource is read by the typed table cert_manager_certificates"), "{stderr}");
}

#[test]
fn the_extension_registers_the_generic_tables_of_the_resources_served_at_start() {
    let server = cluster();
    let kubeconfig = kubeconfig(&server, "generic-extension");
    let mut osquery = common::scheduled::ScheduledQueries::start(&[
        format!("KUBECONFIG={}", kubeconfig.display()),
        "KUBEQUERY_GENERIC_TABLES=1".to_string(),
    ]);
    let mut names: Vec<String> = osquery
        .generate_rows("k8s_certificates_cert_manager_io")
        .iter()
        .map(|row| format!("{}/{}", row["namespace"].as_str().unwrap_or(""), row["name"].as_str().unwrap_or("")))
        .collect();
    names.sort();
    assert_eq!(names, ["ns-a/web", "ns-b/api"]);
    let lease = osquery.generate_rows("k8s_leases_coordination_k8s_io");
    assert_eq!(lease.len(), 1);
    let spec: Value = serde_json::from_str(lease[0]["spec"].as_str().expect("spec is JSON text")).expect("JSON");
    assert_eq!(spec["holderIdentity"], "node-1");
}

#[test]
fn a_resource_whose_names_break_the_rules_gets_no_table() {
    use kubequery::sources::snapshot::Snapshot;
    let objects = json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "a"}},
        {"apiVersion": "example.com/v1", "kind": "Bad\" Kind; --", "metadata": {"name": "x"}},
        {"apiVersion": "Not A Group/v1", "kind": "Gadget", "metadata": {"name": "y"}}
    ]});
    let snapshot = Snapshot::from_file_bytes("objects.json", objects.to_string().as_bytes(), "hostile".into());
    let catalog = common::builtin_catalog();
    let tables: Vec<_> = catalog.tables().cloned().collect();
    let mut engine = Engine::new(&tables, Arc::new(snapshot)).expect("engine");
    engine.serve_generic_tables(catalog.generic().expect("generic component").clone());
    assert_eq!(engine.generic_table_names(), ["k8s_widgets_example_com"]);
    assert_eq!(rows(&engine, "SELECT name, namespace FROM k8s_widgets_example_com").len(), 1);
}
