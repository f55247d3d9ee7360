//! Generic resource tables: a resource no typed table reads — a CRD, a built-in API such as
//! Leases — is a `k8s_<plural>_<group>` table with no code, from discovery on a live cluster
//! (the fixture API server) and from the kinds in a snapshot. Typed tables win; Secrets never
//! get one. A CRD's printer columns are typed columns of its table.

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

/// cert-manager's Certificate CRD, with the printer columns it declares (v1.14).
fn certificate_crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "certificates.cert-manager.io", "uid": "uid-crd"},
        "spec": {
            "group": "cert-manager.io", "scope": "Namespaced",
            "names": {"kind": "Certificate", "plural": "certificates", "singular": "certificate"},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "additionalPrinterColumns": [
                    {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
                    {"name": "Secret", "type": "string", "jsonPath": ".spec.secretName"},
                    {"name": "Issuer", "type": "string", "jsonPath": ".spec.issuerRef.name", "priority": 1},
                    {"name": "Status", "type": "string", "priority": 1,
                     "jsonPath": ".status.conditions[?(@.type==\"Ready\")].message"},
                    {"name": "Renewals", "type": "integer", "jsonPath": ".status.revision"},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
                ],
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {
                        "secretName": {"type": "string"}, "duration": {"type": "string"},
                        "isCA": {"type": "boolean"}, "dnsNames": {"type": "array", "items": {"type": "string"}},
                        "issuerRef": {"type": "object", "properties": {"name": {"type": "string"}}}
                    }},
                    "status": {"type": "object", "properties": {
                        "notAfter": {"type": "string", "format": "date-time"}, "revision": {"type": "integer"}
                    }}
                }}}
            }]
        }
    })
}

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
                "metadata": {"name": name, "namespace": namespace, "uid": format!("uid-{name}"), "labels": {"app": name},
                             "creationTimestamp": "2024-05-06T07:08:09Z"},
                "spec": {"secretName": format!("{name}-tls"), "dnsNames": [format!("{name}.example.com")],
                         "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"}, "duration": "2160h", "isCA": false},
                "status": {"revision": 3, "notAfter": "2024-08-04T07:08:09Z", "conditions": [
                    {"type": "Issuing", "status": "False", "message": "done"},
                    {"type": "Ready", "status": "True", "message": "Certificate is up to date"}
                ]}
            }))
            .expect("certificate");
    }
    store.insert(certificate_crd()).expect("CRD");
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
    engine_over(Arc::new(LiveSource::connect(&config).expect("connecting")))
}

/// An engine over a snapshot of `objects` (a List), called `name`, with generic tables.
fn snapshot_engine(objects: &Value, name: &str) -> Engine {
    use kubequery::sources::snapshot::Snapshot;
    let snapshot = Snapshot::from_file_bytes("objects.json", objects.to_string().as_bytes(), name.into());
    engine_over(Arc::new(snapshot))
}

/// An engine over `source` serving the built-in tables and the generic ones.
fn engine_over(source: Arc<dyn DataSource>) -> Engine {
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
         json_extract(status, '$.conditions[1].type') AS condition, json_extract(object, '$.metadata.uid') AS uid \
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
fn a_crds_printer_columns_are_typed_columns() {
    let server = cluster();
    let engine = engine(&server, "generic-printer");
    server.clear_requests();
    let certificates = rows(
        &engine,
        "SELECT name, ready, secret, issuer, printer_status, renewals, age, typeof(age) AS age_type          FROM k8s_certificates_cert_manager_io ORDER BY name",
    );
    let web = &certificates[1];
    assert_eq!((&web["name"], &web["ready"], &web["secret"]), (&json!("web"), &json!("True"), &json!("web-tls")));
    assert_eq!((&web["issuer"], &web["printer_status"]), (&json!("letsencrypt"), &json!("Certificate is up to date")));
    // `date` columns are Unix seconds like every kubequery timestamp; `integer` ones numbers.
    assert_eq!((&web["renewals"], &web["age"], &web["age_type"]), (&json!(3), &json!(1714979289), &json!("integer")));
    // The CRD is read by name, once, alongside the objects.
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    let crd = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/certificates.cert-manager.io";
    assert_eq!(paths.iter().filter(|p| *p == crd).count(), 1, "{paths:?}");
    // A printer column is a column like the others: filtered on, and projected alone.
    let ready = rows(&engine, "SELECT name FROM k8s_certificates_cert_manager_io WHERE ready = 'True' AND age > 0");
    assert_eq!(ready.len(), 2);
    // The top-level scalar fields of the CRD's schema too, those a printer column shows aside.
    let fields = rows(
        &engine,
        "SELECT spec_duration, spec_is_ca, status_not_after FROM k8s_certificates_cert_manager_io WHERE name = 'web'",
    );
    assert_eq!(
        serde_json::Value::Object(fields[0].clone()),
        json!({"spec_duration": "2160h", "spec_is_ca": 0, "status_not_after": 1722755289})
    );
    let columns: Vec<String> = rows(&engine, "SELECT name FROM pragma_table_info('k8s_certificates_cert_manager_io')")
        .iter()
        .map(|row| row["name"].as_str().unwrap_or_default().to_string())
        .collect();
    let typed = &columns[columns.iter().position(|c| c == "object").expect("object column") + 1..];
    assert_eq!(
        typed,
        [
            "ready",
            "secret",
            "issuer",
            "printer_status",
            "renewals",
            "age",
            "spec_duration",
            "spec_is_ca",
            "status_not_after"
        ]
    );
    // The status column the CRD calls `Status` does not hide the object's `status`.
    let status = rows(&engine, "SELECT json_type(status) AS t FROM k8s_certificates_cert_manager_io LIMIT 1");
    assert_eq!(status[0]["t"], "object");
    // Resources without a CRD (Leases) have only the common columns, and need no CRD read.
    server.clear_requests();
    rows(&engine, "SELECT * FROM k8s_leases_coordination_k8s_io");
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert!(paths.iter().all(|p| !p.contains("customresourcedefinitions/leases")), "{paths:?}");
}

#[test]
fn printer_columns_come_from_a_snapshots_crds_in_any_version() {
    // v1beta1's shape (columns for every version, `JSONPath`), as many dumps still hold, and
    // a column whose path is not JSONPath at all.
    let objects = json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "apiextensions.k8s.io/v1beta1", "kind": "CustomResourceDefinition",
         "metadata": {"name": "widgets.example.com"},
         "spec": {"group": "example.com", "version": "v1", "scope": "Namespaced",
                  "names": {"kind": "Widget", "plural": "widgets"},
                  "additionalPrinterColumns": [
                      {"name": "Size", "type": "number", "JSONPath": ".spec.size"},
                      {"name": "Enabled", "type": "boolean", "JSONPath": ".spec.enabled"},
                      {"name": "Owners", "type": "string", "JSONPath": ".spec.owners[*].name"},
                      {"name": "Broken", "type": "string", "JSONPath": ".spec[?(oops"}
                  ]}},
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "a"},
         "spec": {"size": 2.5, "enabled": true, "owners": [{"name": "ann"}, {"name": "bob"}]}},
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "v", "namespace": "a"},
         "spec": {"size": "large"}}
    ]});
    let engine = snapshot_engine(&objects, "printer");
    let widgets =
        rows(&engine, "SELECT name, size, enabled, owners, broken FROM k8s_widgets_example_com ORDER BY name");
    assert_eq!(
        widgets[1],
        json!({"name": "w", "size": 2.5, "enabled": 1, "owners": "ann bob", "broken": null})
            .as_object()
            .unwrap()
            .clone()
    );
    // A value that does not fit the column's type is NULL, like one the path does not find.
    assert_eq!(
        widgets[0],
        json!({"name": "v", "size": null, "enabled": null, "owners": null, "broken": null})
            .as_object()
            .unwrap()
            .clone()
    );
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
    // The CRD's printer columns are registered with the table.
    let ready: Vec<Value> =
        osquery.generate_rows("k8s_certificates_cert_manager_io").iter().map(|row| row["ready"].clone()).collect();
    assert_eq!(ready, [json!("True"), json!("True")]);
    let lease = osquery.generate_rows("k8s_leases_coordination_k8s_io");
    assert_eq!(lease.len(), 1);
    let spec: Value = serde_json::from_str(lease[0]["spec"].as_str().expect("spec is JSON text")).expect("JSON");
    assert_eq!(spec["holderIdentity"], "node-1");
}

#[test]
fn a_resource_whose_names_break_the_rules_gets_no_table() {
    let objects = json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "a"}},
        {"apiVersion": "example.com/v1", "kind": "Bad\" Kind; --", "metadata": {"name": "x"}},
        {"apiVersion": "Not A Group/v1", "kind": "Gadget", "metadata": {"name": "y"}}
    ]});
    let engine = snapshot_engine(&objects, "hostile");
    assert_eq!(engine.generic_table_names(), ["k8s_widgets_example_com"]);
    assert_eq!(rows(&engine, "SELECT name, namespace FROM k8s_widgets_example_com").len(), 1);
}

#[test]
fn tables_and_schema_show_a_sources_generic_tables_and_their_printer_columns() {
    let dir = common::scratch("generic-tables-command");
    std::fs::create_dir_all(&dir).expect("snapshot dir");
    let objects = json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "widgets.example.com"},
         "spec": {"group": "example.com", "scope": "Namespaced", "names": {"kind": "Widget", "plural": "widgets"},
                  "versions": [{"name": "v1", "served": true,
                                "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]}]}},
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "a"}, "spec": {"size": 3}}
    ]});
    std::fs::write(dir.join("objects.json"), objects.to_string()).expect("objects");
    let snapshot = dir.display().to_string();
    // Without --generic, `tables` reads no source and lists the typed tables only.
    let (output, stdout, stderr) = kubequery(&["tables", "--snapshot", &snapshot]);
    assert!(output.status.success(), "{stderr}");
    assert!(!stdout.contains("k8s_"), "{stdout}");
    let (output, stdout, stderr) = kubequery(&["tables", "--generic", "--snapshot", &snapshot]);
    assert!(output.status.success(), "{stderr}");
    let last: Vec<&str> = stdout.lines().rev().take(2).map(|l| l.split(' ').next().unwrap_or("")).collect();
    assert_eq!(last, ["k8s_widgets_example_com", "k8s_customresourcedefinitions_apiextensions_k8s_io"], "{stdout}");
    let (output, stdout, stderr) = kubequery(&["schema", "k8s_widgets_example_com", "--snapshot", &snapshot]);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stdout.lines().any(|l| l.split_whitespace().collect::<Vec<_>>().starts_with(&["size", "BIGINT", "printer"])),
        "{stdout}"
    );
    let (output, _, stderr) = kubequery(&["schema", "k8s_pods", "--snapshot", &snapshot]);
    assert!(!output.status.success());
    assert!(stderr.contains("its resource is read by the typed table kubernetes_pods"), "{stderr}");
}

#[test]
fn the_extension_starts_over_when_a_crd_is_created() {
    let server = cluster();
    let kubeconfig = kubeconfig(&server, "generic-refresh");
    let mut osquery = common::scheduled::ScheduledQueries::start(&[
        format!("KUBECONFIG={}", kubeconfig.display()),
        "KUBEQUERY_GENERIC_TABLES=1".to_string(),
        "KUBEQUERY_GENERIC_TABLES_REFRESH=1".to_string(),
    ]);
    assert_eq!(osquery.generate_rows("k8s_leases_coordination_k8s_io").len(), 1);
    // A CRD created while the extension runs: osqueryd cannot learn a table after registration,
    // so the extension exits (non-zero) for osqueryd to start it again with the new table.
    server.with_store(|store| store.add_type(ResourceType::new("example.com", "v1", "Widget", "widgets", true)));
    let (code, stderr) = osquery.wait_for_exit();
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("the cluster's resources changed (new: k8s_widgets_example_com)"), "{stderr}");
}
