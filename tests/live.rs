//! Live clusters against the fixture API server (tests/apiserver), over real HTTP: paging,
//! every pushdown (asserting the exact requests the server saw), the shared List of a join,
//! every error case, several clusters, metadata-only secrets — and the real kubectl against
//! the same server, to prove it speaks the Kubernetes protocol.

use crate::common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kubequery::sources::live::{LiveConfig, LiveSource};
use kubequery::sources::{DataSource, Selection};
use kubequery_fixture_apiserver::{Fault, FixtureServer, Recorded, Store, kubeconfig, synthetic};
use serde_json::json;

/// A cluster with kube-system, ten namespaces and `pods` pods.
fn cluster(pods: usize, kube_system_uid: &str) -> FixtureServer {
    let mut store = Store::new();
    let mut kube_system = synthetic::namespace("kube-system");
    kube_system["metadata"]["uid"] = json!(kube_system_uid);
    store.insert(kube_system).expect("namespace");
    for i in 0..10 {
        store.insert(synthetic::namespace(&format!("ns-{i}"))).expect("namespace");
    }
    for pod in synthetic::pods(pods, 10) {
        store.insert(pod).expect("pod");
    }
    store
        .insert(json!({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": {"name": "db", "namespace": "ns-1", "uid": "uid-secret"},
            "data": {"password": "c3VwZXItc2VjcmV0"}
        }))
        .expect("secret");
    FixtureServer::start(store).expect("starting the fixture server")
}

fn write_kubeconfig(name: &str, text: &str) -> PathBuf {
    let path = common::scratch(name).join("kubeconfig");
    std::fs::write(&path, text).expect("writing kubeconfig");
    path
}

fn connect(server: &FixtureServer, name: &str) -> Arc<LiveSource> {
    let config = LiveConfig {
        kubeconfig: Some(write_kubeconfig(name, &server.kubeconfig(name))),
        request_timeout: Duration::from_secs(5),
        ..Default::default()
    };
    Arc::new(LiveSource::connect(&config).expect("connecting to the fixture server"))
}

fn query(source: Arc<LiveSource>, sql: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    common::query(&common::builtin_catalog(), source, sql).unwrap_or_else(|e| panic!("{sql}: {e:?}")).remove(0)
}

fn pod_requests(server: &FixtureServer) -> Vec<Recorded> {
    server.requests().into_iter().filter(|r| r.path.ends_with("/pods") || r.path.contains("/pods/")).collect()
}

#[test]
fn lists_2000_pods_in_pages_of_500() {
    let server = cluster(2000, "uid-a");
    let rows = query(connect(&server, "paging"), "SELECT count(*) AS n, count(DISTINCT uid) AS u FROM kubernetes_pods");
    assert_eq!((rows[0]["n"].as_i64(), rows[0]["u"].as_i64()), (Some(2000), Some(2000)));
    let requests = pod_requests(&server);
    assert_eq!(requests.len(), 4, "{requests:#?}");
    assert!(requests.iter().all(|r| r.path == "/api/v1/pods" && r.param("limit") == Some("500")));
    assert!(requests[0].param("continue").is_none());
    assert!(requests[1..].iter().all(|r| r.param("continue").is_some_and(|c| !c.is_empty())));
}

#[test]
fn namespace_pushdown_uses_the_namespaced_endpoint() {
    let server = cluster(200, "uid-a");
    let rows = query(connect(&server, "ns"), "SELECT count(*) AS n FROM kubernetes_pods WHERE namespace = 'ns-3'");
    assert_eq!(rows[0]["n"], 20);
    let paths: Vec<String> = pod_requests(&server).iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, ["/api/v1/namespaces/ns-3/pods"]);
}

#[test]
fn namespace_in_list_makes_one_request_per_namespace() {
    let server = cluster(200, "uid-a");
    let rows =
        query(connect(&server, "in"), "SELECT count(*) AS n FROM kubernetes_pods WHERE namespace IN ('ns-1', 'ns-2')");
    assert_eq!(rows[0]["n"], 40);
    let mut paths: Vec<String> = pod_requests(&server).iter().map(|r| r.path.clone()).collect();
    paths.sort();
    assert_eq!(paths, ["/api/v1/namespaces/ns-1/pods", "/api/v1/namespaces/ns-2/pods"]);
}

#[test]
fn name_pushdown_gets_one_object() {
    let server = cluster(200, "uid-a");
    let source = connect(&server, "name");
    let rows =
        query(source.clone(), "SELECT name FROM kubernetes_pods WHERE namespace = 'ns-3' AND name = 'pod-000013'");
    assert_eq!(rows.len(), 1);
    let requests = pod_requests(&server);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/api/v1/namespaces/ns-3/pods/pod-000013");
    server.clear_requests();
    // Without a namespace, a name becomes a field selector on a cluster-wide list.
    let rows = query(source.clone(), "SELECT namespace FROM kubernetes_pods WHERE name = 'pod-000013'");
    assert_eq!(rows[0]["namespace"], "ns-3");
    let requests = pod_requests(&server);
    assert_eq!(
        (requests[0].path.as_str(), requests[0].param("fieldSelector")),
        ("/api/v1/pods", Some("metadata.name=pod-000013"))
    );
    server.clear_requests();
    // A missing object is no rows, not an error.
    assert!(query(source, "SELECT name FROM kubernetes_pods WHERE namespace = 'ns-3' AND name = 'nope'").is_empty());
}

#[test]
fn label_selector_pushdown() {
    let server = cluster(200, "uid-a");
    let rows = query(
        connect(&server, "labels"),
        "SELECT name, label_selector FROM kubernetes_pods WHERE label_selector = 'app=app-3,tier=back'",
    );
    assert_eq!(rows.len(), 4, "pods 3, 53, 103, 153");
    assert!(rows.iter().all(|r| r["label_selector"] == "app=app-3,tier=back"));
    let requests = pod_requests(&server);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].param("labelSelector"), Some("app=app-3,tier=back"));
}

#[test]
fn label_selectors_in_a_list_are_listed_once_each_and_rows_say_which_matched() {
    let server = cluster(200, "uid-a");
    let source = connect(&server, "labels-in");
    let count = |sql: &str| query(source.clone(), sql)[0]["n"].as_i64().expect("a count");
    let back = count("SELECT count(*) AS n FROM kubernetes_pods WHERE label_selector = 'app=app-3,tier=back'");
    let app4 = count("SELECT count(*) AS n FROM kubernetes_pods WHERE label_selector = 'app=app-4'");
    server.clear_requests();
    let rows = query(
        source,
        "SELECT name, label_selector FROM kubernetes_pods WHERE label_selector IN ('app=app-3,tier=back', 'app=app-4')",
    );
    assert!(back > 0 && app4 > 0);
    assert_eq!(rows.len() as i64, back + app4, "{rows:#?}");
    let tagged = |selector: &str| rows.iter().filter(|r| r["label_selector"] == selector).count() as i64;
    assert_eq!((tagged("app=app-3,tier=back"), tagged("app=app-4")), (back, app4));
    let selectors: Vec<Option<String>> =
        pod_requests(&server).iter().map(|r| r.param("labelSelector").map(str::to_string)).collect();
    assert_eq!(selectors, [Some("app=app-3,tier=back".to_string()), Some("app=app-4".to_string())]);
}

#[test]
fn node_name_and_phase_become_field_selectors() {
    let server = cluster(200, "uid-a");
    let source = connect(&server, "fields");
    let rows = query(source.clone(), "SELECT count(*) AS n FROM kubernetes_pods WHERE node_name = 'node-4'");
    assert_eq!(rows[0]["n"], 10);
    assert_eq!(pod_requests(&server)[0].param("fieldSelector"), Some("spec.nodeName=node-4"));
    server.clear_requests();
    let rows =
        query(source, "SELECT count(*) AS n FROM kubernetes_pods WHERE phase = 'Pending' AND namespace = 'ns-9'");
    assert_eq!(rows[0]["n"], 20);
    let requests = pod_requests(&server);
    assert_eq!(
        (requests[0].path.as_str(), requests[0].param("fieldSelector")),
        ("/api/v1/namespaces/ns-9/pods", Some("status.phase=Pending"))
    );
}

#[test]
fn events_regarding_an_object_become_field_selectors() {
    let server = cluster(10, "uid-a");
    server.with_store(|store| {
        for (name, pod) in [("e1", "pod-000001"), ("e2", "pod-000002")] {
            store
                .insert(json!({
                    "apiVersion": "events.k8s.io/v1", "kind": "Event",
                    "metadata": {"name": name, "namespace": "ns-1", "uid": format!("uid-{name}")},
                    "reason": "BackOff", "type": "Warning",
                    "regarding": {"kind": "Pod", "namespace": "ns-1", "name": pod}
                }))
                .expect("event");
        }
    });
    let rows =
        query(connect(&server, "events"), "SELECT name FROM kubernetes_events WHERE regarding_name = 'pod-000002'");
    assert_eq!(rows.len(), 1);
    let request =
        server.requests().into_iter().find(|r| r.path == "/apis/events.k8s.io/v1/events").expect("an events list");
    assert_eq!(request.param("fieldSelector"), Some("regarding.name=pod-000002"));
}

/// An unfiltered join streams its outer side (one List of every pod, never held) and keeps
/// its inner side one namespace at a time: each namespace is listed once, as the outer side
/// reaches it, and with a window too small for two namespaces each is dropped when the next
/// is listed. The answer is the same either way.
#[test]
fn an_unfiltered_join_streams_its_outer_side_and_keeps_one_namespace_of_the_inner() {
    let server = cluster(1200, "uid-a");
    let engine = common::engine(&common::builtin_catalog(), connect(&server, "join"));
    let sql = "SELECT count(*) AS n, count(DISTINCT c.namespace) AS ns FROM kubernetes_pods p \
               JOIN kubernetes_pod_containers c ON c.namespace = p.namespace AND c.pod_name = p.name";
    let every_namespace: Vec<String> = (0..10).map(|i| format!("/api/v1/namespaces/ns-{i}/pods?limit=500")).collect();
    let mut expected: Vec<String> = [vec!["/api/v1/pods?limit=500".to_string(); 3], every_namespace].concat();
    expected.sort();
    for window in [kubequery::sql::MAX_KEPT_BYTES, 1] {
        engine.set_namespace_window_bytes(window);
        server.clear_requests();
        let rows = common::run(&engine, sql).expect("join").remove(0);
        assert_eq!((rows[0]["n"].as_i64(), rows[0]["ns"].as_i64()), (Some(3600), Some(10)), "window {window}");
        let mut made: Vec<String> = pod_requests(&server).iter().map(rendered).collect();
        made.sort();
        assert_eq!(made, expected, "window {window}: one List of the outer side, each namespace once");
    }
}

/// When the outer side does not run namespace by namespace, a small window would list a
/// namespace per outer row: after a few namespaces listed again, the inner side is kept
/// whole instead, and the answer does not change.
#[test]
fn an_inner_side_needed_out_of_namespace_order_is_kept_whole() {
    let server = cluster(1200, "uid-a");
    let engine = common::engine(&common::builtin_catalog(), connect(&server, "join-order"));
    engine.set_namespace_window_bytes(1);
    // Pods sorted by name alternate between the ten namespaces.
    let rows = common::run(
        &engine,
        "WITH p AS MATERIALIZED (SELECT name, namespace FROM kubernetes_pods ORDER BY name) \
         SELECT count(*) AS n FROM p JOIN kubernetes_pod_containers c ON c.namespace = p.namespace AND c.pod_name = p.name",
    )
    .expect("join")
    .remove(0);
    assert_eq!(rows[0]["n"], 3600);
    let made: Vec<String> = pod_requests(&server).iter().map(rendered).collect();
    let whole = made.iter().filter(|r| r.as_str() == "/api/v1/pods?limit=500").count();
    let namespaces = made.iter().filter(|r| r.starts_with("/api/v1/namespaces/")).count();
    assert_eq!(whole, 6, "the outer List, then the inner side's, once: {made:?}");
    assert!((10..=20).contains(&namespaces), "a few namespaces listed again, then no more: {made:?}");
}

#[test]
fn a_join_filtered_by_namespace_lists_only_that_namespace() {
    let server = cluster(2000, "uid-a");
    let source = connect(&server, "join-ns");
    // SQLite carries `p.namespace = 'ns-3'` over to `c.namespace`, so the List both tables
    // share is of ns-3 alone.
    let rows = query(
        source.clone(),
        "SELECT count(*) AS n FROM kubernetes_pods p JOIN kubernetes_pod_containers c \
         ON c.namespace = p.namespace AND c.pod_name = p.name WHERE p.namespace = 'ns-3'",
    );
    assert_eq!(rows[0]["n"], 600, "200 pods of ns-3, three containers each");
    let paths: Vec<String> = pod_requests(&server).into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/api/v1/namespaces/ns-3/pods"], "one page of one namespace");

    // An inner side not joined on namespace needs every pod: one List of all of them, kept,
    // besides the outer side's namespace, streamed.
    server.clear_requests();
    let rows = query(
        source,
        "SELECT count(*) AS n FROM kubernetes_pods p JOIN kubernetes_pod_containers c \
         ON c.pod_name = p.name WHERE p.namespace = 'ns-3'",
    );
    assert_eq!(rows[0]["n"], 600);
    let mut paths: Vec<String> = pod_requests(&server).into_iter().map(|r| r.path).collect();
    paths.sort();
    assert_eq!(paths, [&["/api/v1/namespaces/ns-3/pods"][..], &["/api/v1/pods"; 4]].concat(), "{paths:?}");
}

#[test]
fn limit_fetches_only_the_objects_it_returns() {
    let server = cluster(2000, "uid-a");
    let source = connect(&server, "limit");
    let rows = query(source.clone(), "SELECT name FROM kubernetes_pods LIMIT 1");
    assert_eq!(rows.len(), 1);
    let requests = pod_requests(&server);
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_eq!((requests[0].path.as_str(), requests[0].param("limit")), ("/api/v1/pods", Some("1")));

    // OFFSET counts: the first five objects, SQLite skips three; the rows are those a full
    // scan returns in those places.
    let all = query(source.clone(), "SELECT name FROM kubernetes_pods");
    server.clear_requests();
    let rows = query(source.clone(), "SELECT name FROM kubernetes_pods LIMIT 2 OFFSET 3");
    assert_eq!(rows, all[3..5]);
    assert_eq!(pod_requests(&server).iter().map(|r| r.param("limit")).collect::<Vec<_>>(), [Some("5")]);

    // More than a page: pages of 500 until 700 objects are in.
    server.clear_requests();
    assert_eq!(query(source.clone(), "SELECT name FROM kubernetes_pods LIMIT 700").len(), 700);
    assert_eq!(pod_requests(&server).len(), 2);

    // An order SQLite applies comes first: the first object listed is not the one returned.
    let first = query(source.clone(), "SELECT name FROM kubernetes_pods ORDER BY name DESC LIMIT 1");
    assert_eq!(first[0]["name"], "pod-001999");

    // A filter the API cannot apply comes first: then every object is needed.
    server.clear_requests();
    let rows = query(source, "SELECT name FROM kubernetes_pods WHERE uid LIKE '%1999%' LIMIT 1");
    assert_eq!(rows.len(), 1);
    assert!(pod_requests(&server).iter().all(|r| r.param("limit") == Some("500")));
}

#[test]
fn forbidden_and_unserved_resources_give_no_rows() {
    let server = cluster(50, "uid-a");
    let source = connect(&server, "forbidden");
    server.set_faults(vec![Fault::Status { resource: "pods".into(), code: 403, times: None }]);
    assert!(query(source.clone(), "SELECT name FROM kubernetes_pods").is_empty());
    server.set_faults(vec![Fault::Status { resource: "pods".into(), code: 404, times: None }]);
    assert!(query(source.clone(), "SELECT name FROM kubernetes_pods").is_empty());
    server.set_faults(Vec::new());
    assert_eq!(query(source, "SELECT count(*) AS n FROM kubernetes_pods")[0]["n"], 50);
}

#[test]
fn forbidden_prints_a_warning_naming_resource_and_verb() {
    let server = cluster(50, "uid-a");
    server.set_faults(vec![Fault::Status { resource: "pods".into(), code: 403, times: None }]);
    let kubeconfig = write_kubeconfig("cli_forbidden", &server.kubeconfig("prod"));
    let out = common::kubequery()
        .args(["query", "-o", "jsonl", "--kubeconfig"])
        .arg(&kubeconfig)
        .arg("SELECT count(*) AS n FROM kubernetes_pods")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{\"n\":0}\n");
    // The table and the cluster come from the spans the line was logged in.
    assert!(stderr.contains("WARN table kubernetes_pods: cluster prod: forbidden to list pods"), "{stderr}");
}

#[test]
fn logs_can_be_selected_by_cluster() {
    let server = cluster(50, "uid-a");
    let kubeconfig = write_kubeconfig("cli_log_filter", &server.kubeconfig("prod"));
    let run = |filter: &str| {
        let out = common::kubequery()
            .env("KUBEQUERY_LOG", filter)
            .args(["query", "-o", "jsonl", "--kubeconfig"])
            .arg(&kubeconfig)
            .arg("SELECT count(*) AS n FROM kubernetes_pods")
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let prod = run("warn,[cluster{cluster=prod}]=info");
    assert!(prod.contains("INFO table kubernetes_pods: cluster prod: GET /api/v1/pods"), "{prod}");
    let other = run("warn,[cluster{cluster=staging}]=info");
    assert!(!other.contains("GET /api/v1/pods"), "{other}");
}

#[test]
fn server_errors_are_retried_then_reported() {
    let server = cluster(600, "uid-a");
    let source = connect(&server, "retry");
    server.set_faults(vec![Fault::Status { resource: "pods".into(), code: 500, times: Some(2) }]);
    assert_eq!(query(source.clone(), "SELECT count(*) AS n FROM kubernetes_pods")[0]["n"], 600);
    assert_eq!(pod_requests(&server).len(), 4, "two failures, then two pages");
    server.set_faults(vec![Fault::Status { resource: "pods".into(), code: 503, times: None }]);
    let errors = common::query(&common::builtin_catalog(), source, "SELECT count(*) FROM kubernetes_pods")
        .expect_err("must fail");
    let message = &errors[0].message;
    assert!(
        message.contains("cluster retry") && message.contains("pods") && message.contains("failed after 4 attempts"),
        "{message}"
    );
}

#[test]
fn truncated_responses_are_retried() {
    let server = cluster(600, "uid-a");
    let source = connect(&server, "truncated");
    server.set_faults(vec![Fault::Truncate { resource: "pods".into(), times: 1 }]);
    assert_eq!(query(source, "SELECT count(*) AS n FROM kubernetes_pods")[0]["n"], 600);
}

#[test]
fn slow_responses_time_out_and_are_reported() {
    let server = cluster(10, "uid-a");
    let config = LiveConfig {
        kubeconfig: Some(write_kubeconfig("slow", &server.kubeconfig("slow"))),
        request_timeout: Duration::from_secs(1),
        ..Default::default()
    };
    let source = Arc::new(LiveSource::connect(&config).expect("connect"));
    server.set_faults(vec![Fault::Slow { resource: "pods".into(), delay: Duration::from_secs(3) }]);
    let errors = common::query(&common::builtin_catalog(), source, "SELECT count(*) FROM kubernetes_pods")
        .expect_err("must fail");
    assert!(
        errors[0].message.contains("cluster slow") && errors[0].message.contains("failed after 4 attempts"),
        "{errors:?}"
    );
}

#[test]
fn an_expired_continue_token_restarts_the_list_without_losing_or_repeating_rows() {
    let server = cluster(1700, "uid-a");
    let source = connect(&server, "expired");
    server.set_faults(vec![Fault::ExpireContinue { resource: "pods".into(), times: 1 }]);
    let rows = query(source, "SELECT count(*) AS n, count(DISTINCT uid) AS u FROM kubernetes_pods");
    assert_eq!((rows[0]["n"].as_i64(), rows[0]["u"].as_i64()), (Some(1700), Some(1700)));
    let requests = pod_requests(&server);
    assert!(
        requests.iter().filter(|r| r.param("continue").is_none()).count() == 2,
        "the list restarted once: {requests:#?}"
    );
}

#[test]
fn secrets_are_listed_as_metadata_only() {
    let server = cluster(1, "uid-a");
    let source = connect(&server, "secrets");
    let secrets = common::core_source("secrets", "Secret", true);
    let pages: Vec<_> =
        source.pages("secrets", &secrets, &Selection::default()).map(|p| p.expect("page").body).collect();
    let text = String::from_utf8_lossy(&pages[0]);
    assert!(text.contains("PartialObjectMetadataList") && text.contains("\"db\""), "{text}");
    assert!(
        !text.contains("c3VwZXItc2VjcmV0") && !text.contains("\"data\""),
        "secret data reached the process: {text}"
    );
    let request = server.requests().into_iter().find(|r| r.path == "/api/v1/secrets").expect("a secrets request");
    assert!(request.accept.contains("as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"), "{}", request.accept);
}

#[test]
fn two_clusters_in_one_query() {
    let a = cluster(30, "uid-a");
    let b = cluster(20, "uid-b");
    let kubeconfig = write_kubeconfig("two_clusters", &kubeconfig(&[("a", &a), ("b", &b)]));
    let out = common::kubequery()
        .args(["query", "-o", "csv", "--kubeconfig"])
        .arg(&kubeconfig)
        .args(["--context", "a", "--context", "b"])
        .arg("SELECT cluster_name, cluster_uid, count(*) FROM kubernetes_pods GROUP BY 1, 2 ORDER BY 1")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout, "cluster_name,cluster_uid,count(*)\na,uid-a,30\nb,uid-b,20\n");
}

#[test]
fn one_failing_cluster_does_not_hide_the_others() {
    let a = cluster(30, "uid-a");
    let b = cluster(20, "uid-b");
    b.set_faults(vec![Fault::Status { resource: "pods".into(), code: 500, times: None }]);
    let kubeconfig = write_kubeconfig("one_failing", &kubeconfig(&[("a", &a), ("b", &b)]));
    let out = common::kubequery()
        .args(["query", "-o", "csv", "--kubeconfig"])
        .arg(&kubeconfig)
        .args(["--all-contexts", "SELECT cluster_name, count(*) FROM kubernetes_pods GROUP BY 1"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n"), "cluster_name,count(*)\na,30\n");
    assert!(stderr.contains("cluster b:") && stderr.contains("other clusters"), "{stderr}");
}

#[test]
fn kubectl_speaks_to_the_fixture_server() {
    if std::process::Command::new("kubectl").arg("version").arg("--client").output().is_err() {
        common::skipped("live::kubectl_speaks_to_the_fixture_server", "kubectl is not installed");
        return;
    }
    let server = cluster(700, "uid-a");
    let kubeconfig = write_kubeconfig("kubectl", &server.kubeconfig("fixture"));
    let kubectl = |args: &[&str]| {
        let out = std::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(args)
            .output()
            .expect("kubectl");
        assert!(out.status.success(), "kubectl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let version: serde_json::Value = serde_json::from_str(&kubectl(&["version", "-o", "json"])).expect("JSON");
    assert_eq!(version["serverVersion"]["gitVersion"], "v1.31.2");
    let pods: serde_json::Value =
        serde_json::from_str(&kubectl(&["get", "pods", "-A", "-o", "json", "--chunk-size", "300"])).expect("JSON");
    assert_eq!(pods["items"].as_array().map(Vec::len), Some(700));
    let requests = pod_requests(&server);
    assert!(requests.iter().any(|r| r.param("continue").is_some()), "kubectl paged with continue tokens");
    let names = kubectl(&[
        "get",
        "pods",
        "-n",
        "ns-2",
        "-l",
        "app=app-2",
        "--field-selector",
        "status.phase=Running",
        "-o",
        "name",
    ]);
    assert_eq!(names.lines().count(), 14, "{names}");
    let listed = kubectl(&["get", "namespaces"]);
    assert!(listed.contains("kube-system") && listed.contains("ns-9"), "{listed}");
    let resources = kubectl(&["api-resources", "--api-group=apps", "-o", "name"]);
    assert!(resources.contains("deployments.apps"), "{resources}");
    // Secrets come back in the Table format, which kubectl prints with the server's columns;
    // it is the format kubequery reads Secret types from.
    let secrets = kubectl(&["get", "secrets", "-n", "ns-1"]);
    let header: Vec<&str> = secrets.lines().next().unwrap_or_default().split_whitespace().collect();
    assert_eq!(header, ["NAME", "TYPE", "DATA", "AGE"], "{secrets}");
    assert!(
        secrets.lines().nth(1).is_some_and(|row| row.split_whitespace().take(3).eq(["db", "Opaque", "1"])),
        "{secrets}"
    );
}

#[test]
fn a_hostile_kubeconfig_gets_a_clear_message() {
    let dir = common::scratch("hostile-kubeconfig");
    // A broken kubeconfig inside a pod must not silently switch to the pod's service account.
    let broken = dir.join("broken");
    std::fs::write(&broken, "apiVersion: v1\nclusters: [ {\n").expect("write");
    let out = common::kubequery()
        .env("KUBECONFIG", &broken)
        .env("KUBERNETES_SERVICE_HOST", "10.0.0.1")
        .env("KUBERNETES_SERVICE_PORT", "443")
        .args(["query", "SELECT 1"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("kubeconfig {}", broken.display())), "names the file: {stderr}");
    assert!(!stderr.contains("in-cluster"), "no fallback to the service account: {stderr}");

    // insecure-skip-tls-verify is honoured, but never silently.
    let server = cluster(3, "uid-a");
    let insecure = server.kubeconfig("risky").replace("    server:", "    insecure-skip-tls-verify: true\n    server:");
    let path = write_kubeconfig("insecure", &insecure);
    let out = common::kubequery()
        .args(["query", "--kubeconfig"])
        .arg(&path)
        .arg("SELECT count(*) FROM kubernetes_namespaces")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("context risky") && stderr.contains("insecure-skip-tls-verify"), "{stderr}");

    // An unreachable server: kubequery's message naming the cluster, not kube's bare ERROR lines.
    let unreachable = server.kubeconfig("gone").replace(&server.url(), "http://127.0.0.1:1");
    let path = write_kubeconfig("unreachable", &unreachable);
    let out = common::kubequery().args(["query", "--kubeconfig"]).arg(&path).arg("SELECT 1").output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("cluster gone"), "{stderr}");
    assert!(!stderr.contains("failed with error"), "kube's own error lines are not shown: {stderr}");
}

/// A request as the planner tests compare it: path and parameters, without the continue
/// token (which differs from run to run).
fn rendered(request: &Recorded) -> String {
    let parameters: Vec<String> =
        request.query.iter().filter(|(k, _)| k != "continue").map(|(k, v)| format!("{k}={v}")).collect();
    if parameters.is_empty() { request.path.clone() } else { format!("{}?{}", request.path, parameters.join("&")) }
}

/// The planner never over-fetches: for each statement, exactly the requests it must make
/// (in any order), on a cluster of 1200 pods (three pages of 500) in ten namespaces.
#[test]
fn each_statement_makes_exactly_the_requests_it_needs() {
    let server = cluster(1200, "uid-a");
    let source = connect(&server, "planner");
    let all_pods = ["/api/v1/pods?limit=500"; 3];
    let every_namespace: Vec<String> = (0..10).map(|i| format!("/api/v1/namespaces/ns-{i}/pods?limit=500")).collect();
    let every_namespace: Vec<&str> = every_namespace.iter().map(String::as_str).collect();
    let ns_1_2 = vec!["/api/v1/namespaces/ns-1/pods?limit=500", "/api/v1/namespaces/ns-2/pods?limit=500"];
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("SELECT * FROM kubernetes_pods", all_pods.to_vec()),
        ("SELECT name FROM kubernetes_pods WHERE namespace = 'ns-3'", vec!["/api/v1/namespaces/ns-3/pods?limit=500"]),
        (
            "SELECT name FROM kubernetes_pods WHERE namespace IN ('ns-1', 'ns-2')",
            vec!["/api/v1/namespaces/ns-1/pods?limit=500", "/api/v1/namespaces/ns-2/pods?limit=500"],
        ),
        (
            "SELECT name FROM kubernetes_pods WHERE namespace = 'ns-3' AND name = 'pod-000003'",
            vec!["/api/v1/namespaces/ns-3/pods/pod-000003"],
        ),
        (
            "SELECT namespace FROM kubernetes_pods WHERE name = 'pod-000003'",
            vec!["/api/v1/pods?limit=500&fieldSelector=metadata.name=pod-000003"],
        ),
        (
            "SELECT name FROM kubernetes_pods WHERE label_selector = 'app=app-3'",
            vec!["/api/v1/pods?limit=500&labelSelector=app=app-3"],
        ),
        (
            "SELECT name FROM kubernetes_pods WHERE label_selector IN ('app=app-3', 'tier=back')",
            // 600 pods are tier=back: two pages.
            vec![
                "/api/v1/pods?limit=500&labelSelector=app=app-3",
                "/api/v1/pods?limit=500&labelSelector=tier=back",
                "/api/v1/pods?limit=500&labelSelector=tier=back",
            ],
        ),
        (
            "SELECT name FROM kubernetes_pods WHERE node_name = 'node-4'",
            vec!["/api/v1/pods?limit=500&fieldSelector=spec.nodeName=node-4"],
        ),
        (
            "SELECT name FROM kubernetes_pods WHERE phase = 'Pending' AND namespace = 'ns-9'",
            vec!["/api/v1/namespaces/ns-9/pods?limit=500&fieldSelector=status.phase=Pending"],
        ),
        (
            "SELECT name FROM kubernetes_pods WHERE namespace = 'ns-3' AND uid LIKE '%0%'",
            vec!["/api/v1/namespaces/ns-3/pods?limit=500"],
        ),
        ("SELECT name FROM kubernetes_pods LIMIT 1", vec!["/api/v1/pods?limit=1"]),
        ("SELECT name FROM kubernetes_pods LIMIT 2 OFFSET 3", vec!["/api/v1/pods?limit=5"]),
        ("SELECT name FROM kubernetes_pods LIMIT 600", vec!["/api/v1/pods?limit=500"; 2]),
        // An aggregate, or an order the API does not give, needs every object first.
        ("SELECT count(*) FROM kubernetes_pods LIMIT 1", all_pods.to_vec()),
        ("SELECT name FROM kubernetes_pods ORDER BY name LIMIT 1", all_pods.to_vec()),
        ("SELECT name FROM kubernetes_pods WHERE uid LIKE '%1%' LIMIT 1", all_pods.to_vec()),
        // The outer side streams every pod; the inner side lists each namespace once.
        (
            "SELECT count(*) FROM kubernetes_pods p JOIN kubernetes_pod_containers c \
             ON c.namespace = p.namespace AND c.pod_name = p.name",
            [&all_pods[..], &every_namespace[..]].concat(),
        ),
        (
            "SELECT count(*) FROM kubernetes_pods p JOIN kubernetes_pod_containers c \
             ON c.namespace = p.namespace AND c.pod_name = p.name WHERE p.namespace = 'ns-3'",
            vec!["/api/v1/namespaces/ns-3/pods?limit=500"],
        ),
        (
            "SELECT count(*) FROM kubernetes_pods p JOIN kubernetes_pod_containers c \
             ON c.namespace = p.namespace AND c.pod_name = p.name WHERE c.namespace = 'ns-3'",
            vec!["/api/v1/namespaces/ns-3/pods?limit=500"],
        ),
        // The inner side, joined on name alone, needs every pod.
        (
            "SELECT count(*) FROM kubernetes_pods p JOIN kubernetes_pod_containers c \
             ON c.pod_name = p.name WHERE p.namespace = 'ns-3'",
            [&["/api/v1/namespaces/ns-3/pods?limit=500"][..], &all_pods[..]].concat(),
        ),
        (
            "SELECT count(*) FROM kubernetes_pods p JOIN kubernetes_pod_volumes v \
             ON v.namespace = p.namespace AND v.pod_name = p.name WHERE p.namespace IN ('ns-1', 'ns-2')",
            [ns_1_2.clone(), ns_1_2.clone()].concat(),
        ),
        // SQLite carries `n.name = 'ns-3'` over to `p.namespace`: one namespace is read, by
        // name, and the pods of that namespace alone.
        (
            "SELECT count(*) FROM kubernetes_namespaces n JOIN kubernetes_pods p ON p.namespace = n.name \
             WHERE n.name = 'ns-3'",
            vec!["/api/v1/namespaces/ns-3", "/api/v1/namespaces/ns-3/pods?limit=500"],
        ),
        ("SELECT DISTINCT namespace FROM kubernetes_pods LIMIT 2", all_pods.to_vec()),
        (
            "SELECT EXISTS (SELECT 1 FROM kubernetes_pods WHERE namespace = 'ns-2')",
            vec!["/api/v1/namespaces/ns-2/pods?limit=500"],
        ),
        (
            "SELECT count(*) FROM kubernetes_pods a JOIN kubernetes_pods b ON b.name = a.name \
             WHERE a.namespace = 'ns-1'",
            [&["/api/v1/namespaces/ns-1/pods?limit=500"][..], &all_pods[..]].concat(),
        ),
        ("SELECT * FROM kubernetes_namespaces", vec!["/api/v1/namespaces?limit=500"]),
        ("SELECT * FROM kubernetes_deployments", vec!["/apis/apps/v1/deployments?limit=500"]),
        ("SELECT * FROM kubernetes_info", vec!["/version"]),
    ];
    let mut failures = Vec::new();
    for (sql, expected) in &cases {
        server.clear_requests();
        query(source.clone(), sql);
        let mut made: Vec<String> = server.requests().iter().map(rendered).collect();
        let mut expected: Vec<String> = expected.iter().map(|r| (*r).to_string()).collect();
        made.sort();
        expected.sort();
        if made != expected {
            failures.push(format!("{sql}\n  made:     {made:?}\n  expected: {expected:?}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} statements:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// Every query of the osquery pack in docs/deploy/osquery.conf lists its table's resource
/// once, whole, and nothing else.
#[test]
fn each_query_of_the_osquery_pack_lists_only_its_resource() {
    let server = cluster(20, "uid-a");
    let source = connect(&server, "pack");
    let conf: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(common::repo().join("docs/deploy/osquery.conf")).expect("conf"))
            .expect("osquery.conf is JSON");
    let mut queries = Vec::new();
    collect_queries(&conf, &mut queries);
    assert!(queries.len() >= 40, "the pack has a query per table: {queries:?}");
    let catalog = common::builtin_catalog();
    let mut failures = Vec::new();
    for sql in &queries {
        let table = sql.trim_end_matches(';').rsplit(' ').next().expect("a table name");
        let schema = &catalog.get(table).unwrap_or_else(|| panic!("{sql}: no table {table}")).schema;
        server.clear_requests();
        query(source.clone(), sql);
        let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
        let fine = match &schema.source {
            kubequery::schema::Source::Resource(resource) => {
                let collection = if resource.group.is_empty() {
                    format!("/api/{}/{}", resource.version, resource.resource)
                } else {
                    format!("/apis/{}/{}/{}", resource.group, resource.version, resource.resource)
                };
                // A resource some clusters serve at another version only: which versions this
                // one serves is read once, from `/apis`.
                let discovery = ["/apis".to_string(), collection.clone()];
                paths == [collection]
                    || (!kubequery::schema::fallback_versions(resource).is_empty() && paths == discovery)
            }
            // The host answers it from its own cache.
            kubequery::schema::Source::Path(path) if path == kubequery::sources::WATCH_CACHE_PATH => paths.is_empty(),
            kubequery::schema::Source::Path(path) => paths == [path.clone()],
            kubequery::schema::Source::Discovery => {
                paths.iter().all(|p| p == "/api" || p == "/apis" || p.starts_with("/api"))
            }
        };
        if !fine {
            failures.push(format!("{sql}: {paths:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn collect_queries(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("query", serde_json::Value::String(sql)) => out.push(sql.clone()),
                    _ => collect_queries(value, out),
                }
            }
        }
        serde_json::Value::Array(values) => values.iter().for_each(|v| collect_queries(v, out)),
        _ => {}
    }
}

/// kubequery asks for gzip as kubectl does, and reads the pages kube-apiserver compresses
/// (128 KiB and more); a kubeconfig cluster with `disable-compression: true` turns it off,
/// as it does for kubectl. The rows are the same either way.
#[test]
fn pages_travel_gzipped_unless_the_kubeconfig_disables_compression() {
    let server = cluster(2000, "uid-a");
    let sql = "SELECT count(*) AS n, count(DISTINCT uid) AS u, max(name) AS last FROM kubernetes_pods";
    let plain = server.kubeconfig_without_compression("gzip");
    let mut served = Vec::new();
    for (name, kubeconfig, gzip) in [("gzip", server.kubeconfig("gzip"), true), ("plain", plain, false)] {
        let config = LiveConfig {
            kubeconfig: Some(write_kubeconfig(&format!("compression-{name}"), &kubeconfig)),
            request_timeout: Duration::from_secs(5),
            ..Default::default()
        };
        let source = Arc::new(LiveSource::connect(&config).expect("connecting"));
        server.clear_requests();
        let rows = query(source, sql);
        assert_eq!(
            (rows[0]["n"].as_i64(), rows[0]["u"].as_i64(), rows[0]["last"].as_str()),
            (Some(2000), Some(2000), Some("pod-001999")),
            "{name}"
        );
        let requests = pod_requests(&server);
        assert_eq!(requests.len(), 4, "{name}: {requests:#?}");
        for request in &requests {
            assert_eq!(request.accept_encoding.contains("gzip"), gzip, "{name}: {request:?}");
        }
        served.push(server.bytes_served());
    }
    assert!(served[0] * 4 < served[1], "gzipped pages are a fraction of the plain ones: {served:?}");
}

#[test]
fn pages_converted_on_several_workers_come_back_in_page_order() {
    // 2000 pods in four pages, listed in namespace-then-name order; the rows must keep it
    // whatever the number of workers converting the pages.
    let server = cluster(2000, "uid-a");
    let source = connect(&server, "workers");
    let catalog = common::builtin_catalog();
    let mut answers = Vec::new();
    for workers in [1, 2, 3, 4] {
        let engine = common::engine(&catalog, source.clone());
        engine.set_conversion_workers(workers);
        let rows = common::run(&engine, "SELECT namespace, name FROM kubernetes_pods").expect("query").remove(0);
        assert_eq!(rows.len(), 2000, "{workers} workers");
        answers.push(rows);
    }
    let mut sorted = answers[0].clone();
    sorted.sort_by_key(|r| (r["namespace"].as_str().map(str::to_string), r["name"].as_str().map(str::to_string)));
    assert_eq!(answers[0], sorted, "one worker gives the List's order");
    assert!(answers.iter().all(|a| *a == answers[0]), "every number of workers gives the same order");
}

/// An HPA scaling on CPU and memory, as autoscaling/v2 writes it.
fn hpa_v2() -> serde_json::Value {
    let metric = |name: &str, key: &str, value: serde_json::Value| json!({"type": "Resource", "resource": {"name": name, key: value}});
    json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "ns-1", "uid": "uid-hpa"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2, "maxReplicas": 10,
            "metrics": [
                metric("memory", "target", json!({"type": "AverageValue", "averageValue": "500Mi"})),
                metric("cpu", "target", json!({"type": "Utilization", "averageUtilization": 75}))
            ],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}}
        },
        "status": {
            "currentReplicas": 3, "desiredReplicas": 3,
            "currentMetrics": [
                metric("memory", "current", json!({"averageValue": "410Mi"})),
                metric("cpu", "current", json!({"averageUtilization": 41, "averageValue": "120m"}))
            ],
            "conditions": [{"type": "ScalingActive", "status": "True"}]
        }
    })
}

#[test]
fn autoscalers_are_read_as_autoscaling_v2_with_every_metric() {
    let mut store = Store::new();
    store.insert(synthetic::namespace("kube-system")).expect("namespace");
    store.insert(hpa_v2()).expect("hpa");
    let server = FixtureServer::start(store).expect("fixture server");
    let rows = query(
        connect(&server, "hpa-v2"),
        "SELECT name, target_cpu_utilization_percentage AS target, current_cpu_utilization_percentage AS current, \
         json_extract(metrics, '$[0].resource.name') AS first_metric, \
         json_extract(current_metrics, '$[0].resource.current.averageValue') AS memory, \
         json_extract(behavior, '$.scaleDown.stabilizationWindowSeconds') AS window, \
         json_extract(conditions, '$[0].type') AS condition FROM kubernetes_horizontal_pod_autoscalers",
    );
    assert_eq!(
        serde_json::Value::Object(rows[0].clone()),
        json!({"name": "web", "target": 75, "current": 41, "first_metric": "memory", "memory": "410Mi",
               "window": 300, "condition": "ScalingActive"})
    );
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert!(paths.iter().any(|p| p == "/apis/autoscaling/v2/horizontalpodautoscalers"), "{paths:?}");
}

#[test]
fn a_cluster_without_autoscaling_v2_is_read_at_v1() {
    let mut store = Store::new();
    store.remove_group_version("autoscaling", "v2");
    store.insert(synthetic::namespace("kube-system")).expect("namespace");
    store
        .insert(json!({
            "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "old", "namespace": "ns-1", "uid": "uid-old"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "old"}, "maxReplicas": 4, "targetCPUUtilizationPercentage": 60},
            "status": {"currentReplicas": 1, "desiredReplicas": 1, "currentCPUUtilizationPercentage": 12}
        }))
        .expect("hpa");
    let server = FixtureServer::start(store).expect("fixture server");
    let source = connect(&server, "hpa-v1");
    let sql = "SELECT name, target_cpu_utilization_percentage AS target, current_cpu_utilization_percentage AS current \
               FROM kubernetes_horizontal_pod_autoscalers";
    let rows = query(source.clone(), sql);
    assert_eq!(serde_json::Value::Object(rows[0].clone()), json!({"name": "old", "target": 60, "current": 12}));
    // Which versions are served is asked once per cluster, not per query.
    query(source, sql);
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths.iter().filter(|p| *p == "/apis").count(), 1, "{paths:?}");
    assert_eq!(paths.iter().filter(|p| *p == "/apis/autoscaling/v1/horizontalpodautoscalers").count(), 2, "{paths:?}");
    assert!(!paths.iter().any(|p| p.starts_with("/apis/autoscaling/v2")), "{paths:?}");
}
