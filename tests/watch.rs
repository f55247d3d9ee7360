//! WATCH: the fixture API server's, as real clients use it (kube-rs's `Api::watch`, an
//! independent implementation of the protocol, and the real `kubectl get -w`), and
//! kubequery's watch cache on top of it. Changes are made while the watches run; resuming,
//! bookmarks, 410 Gone after a compaction and broken connections behave as kube-apiserver's
//! watch cache does, and the cache answers as a fresh List would.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, WatchEvent, WatchParams};
use kubequery::catalog::Catalog;
use kubequery::sources::live::{CacheConfig, LiveConfig, LiveSource};
use kubequery_fixture_apiserver::{Fault, FixtureServer, Store, synthetic};
use serde_json::{Value, json};

use crate::common;
use crate::common::scheduled::ScheduledQueries;

/// A cluster of three pods in `ns-0`.
fn cluster() -> FixtureServer {
    let mut store = Store::new();
    store.insert(synthetic::namespace("ns-0")).expect("namespace");
    for pod in synthetic::pods(3, 1) {
        store.insert(pod).expect("pod");
    }
    FixtureServer::start(store).expect("fixture server")
}

fn pod(name: &str, phase: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "ns-0", "uid": format!("uid-{name}"), "labels": {"app": "new"}},
        "spec": {"containers": [{"name": "app", "image": "app:1"}]},
        "status": {"phase": phase}
    })
}

/// A watch of at most 10 s without bookmarks, so that the events are exactly the changes.
fn changes_only() -> WatchParams {
    WatchParams::default().timeout(10).disable_bookmarks()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// The pods of `ns-0` through kube-rs (on the runtime being driven: its client spawns there).
fn pods(server: &FixtureServer) -> Api<Pod> {
    let config = kube::Config::new(server.url().parse().expect("URL"));
    Api::namespaced(kube::Client::try_from(config).expect("client"), "ns-0")
}

/// What an event says, for comparisons: its type, the object's name and resourceVersion.
fn describe(event: &WatchEvent<Pod>) -> (String, String, String) {
    let (kind, pod) = match event {
        WatchEvent::Added(pod) => ("ADDED", pod),
        WatchEvent::Modified(pod) => ("MODIFIED", pod),
        WatchEvent::Deleted(pod) => ("DELETED", pod),
        WatchEvent::Bookmark(bookmark) => {
            return ("BOOKMARK".into(), String::new(), bookmark.metadata.resource_version.clone());
        }
        WatchEvent::Error(status) => return ("ERROR".into(), status.reason.clone(), status.code.to_string()),
    };
    (
        kind.into(),
        pod.metadata.name.clone().unwrap_or_default(),
        pod.metadata.resource_version.clone().unwrap_or_default(),
    )
}

/// The events of a watch from `version` until one satisfies `last` (or 10 s pass).
async fn events_until(
    api: &Api<Pod>,
    params: &WatchParams,
    version: &str,
    last: impl Fn(&(String, String, String)) -> bool,
) -> Vec<(String, String, String)> {
    let stream = api.watch(params, version).await.expect("watch");
    let mut stream = std::pin::pin!(stream);
    let mut seen = Vec::new();
    let collect = async {
        while let Some(event) = stream.next().await {
            let event = describe(&event.expect("event"));
            let done = last(&event);
            seen.push(event);
            if done {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), collect).await.unwrap_or_else(|_| panic!("no end; saw {seen:?}"));
    seen
}

#[test]
fn a_watch_from_a_list_sees_every_later_change_in_order() {
    let server = cluster();
    runtime().block_on(async {
        let api = pods(&server);
        let list = api.list(&ListParams::default()).await.expect("list");
        let version = list.metadata.resource_version.expect("a List has a resourceVersion");
        assert_eq!(version, "1000");
        let params = changes_only();
        let watching = events_until(&api, &params, &version, |(kind, ..)| kind == "DELETED");
        let changing = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            server.create(pod("new", "Pending")).expect("create");
            server.replace(pod("new", "Running")).expect("replace");
            server.delete("v1", "Pod", "ns-0", "new").expect("delete");
        };
        let (seen, ()) = tokio::join!(watching, changing);
        let expected: Vec<(String, String, String)> = [("ADDED", "1001"), ("MODIFIED", "1002"), ("DELETED", "1003")]
            .iter()
            .map(|(kind, version)| (kind.to_string(), "new".to_string(), version.to_string()))
            .collect();
        assert_eq!(seen, expected);
        // A List now reports the latest version, and resuming from the middle sees the rest.
        let list = api.list(&ListParams::default()).await.expect("list");
        assert_eq!(list.metadata.resource_version.as_deref(), Some("1003"));
        let rest = events_until(&api, &params, "1001", |(kind, ..)| kind == "DELETED").await;
        assert_eq!(rest, expected[1..]);
    });
}

#[test]
fn a_watch_without_a_version_starts_with_the_objects_and_gets_bookmarks() {
    let server = cluster();
    server.set_bookmark_interval(Duration::from_millis(100));
    runtime().block_on(async {
        let api = pods(&server);
        let params = WatchParams::default().timeout(10).labels("app=app-1");
        let seen = events_until(&api, &params, "0", |(kind, ..)| kind == "BOOKMARK").await;
        let added: Vec<&str> =
            seen.iter().filter(|(kind, ..)| kind == "ADDED").map(|(_, name, _)| name.as_str()).collect();
        assert_eq!(added, ["pod-000001"], "the current objects the label selector picks: {seen:?}");
        assert_eq!(seen.last().map(|(_, _, version)| version.as_str()), Some("1000"));
    });
}

#[test]
fn a_watch_from_a_compacted_version_is_told_410_gone() {
    let server = cluster();
    server.create(pod("a", "Running")).expect("create");
    server.compact();
    runtime().block_on(async {
        let api = pods(&server);
        let seen = events_until(&api, &changes_only(), "1000", |_| true).await;
        assert_eq!(seen, [("ERROR".to_string(), "Expired".to_string(), "410".to_string())]);
        // From the version the compaction kept, the watch works.
        let params = changes_only();
        let watching = events_until(&api, &params, "1001", |_| true);
        let changing = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            server.delete("v1", "Pod", "ns-0", "a").expect("delete");
        };
        let (seen, ()) = tokio::join!(watching, changing);
        assert_eq!(seen, [("DELETED".to_string(), "a".to_string(), "1002".to_string())]);
    });
}

#[test]
fn a_broken_watch_resumes_from_its_last_version_without_losing_a_change() {
    let server = cluster();
    runtime().block_on(async {
        let api = pods(&server);
        let stream = api.watch(&changes_only(), "1000").await.expect("watch");
        let mut stream = std::pin::pin!(stream);
        server.create(pod("a", "Running")).expect("create");
        let first = tokio::time::timeout(Duration::from_secs(10), stream.next()).await.expect("an event");
        let first = describe(&first.expect("open").expect("event"));
        assert_eq!(first, ("ADDED".into(), "a".into(), "1001".into()));
        server.disconnect_watches();
        // It ends at once, not at its 10 s timeout (kube-rs reads a broken stream as its end).
        let end = tokio::time::timeout(Duration::from_secs(5), stream.try_next()).await.expect("the watch ends");
        assert!(!matches!(end, Ok(Some(_))), "no event after the break: {end:?}");
        // Changes while no watch is open are told on resuming from the last version seen.
        server.replace(pod("a", "Failed")).expect("replace");
        server.create(pod("b", "Running")).expect("create");
        let seen = events_until(&api, &changes_only(), &first.2, |(_, name, _)| name == "b").await;
        assert_eq!(
            seen,
            [
                ("MODIFIED".to_string(), "a".to_string(), "1002".to_string()),
                ("ADDED".into(), "b".into(), "1003".into())
            ]
        );
    });
}

/// `kubectl get --watch` of `args` against `server`, and its lines as they are printed; `None`
/// (the test skipped, visibly) without kubectl.
fn kubectl_watch(
    server: &FixtureServer,
    test: &str,
    args: &[&str],
) -> Option<(std::process::Child, mpsc::Receiver<String>)> {
    if Command::new("kubectl").args(["version", "--client"]).output().is_err() {
        common::skipped(test, "kubectl is not installed");
        return None;
    }
    let kubeconfig = common::scratch(test).join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig("fixture")).expect("kubeconfig");
    let mut kubectl = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["get", "--watch", "--request-timeout", "30s"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl");
    let (lines, seen) = mpsc::channel();
    let stdout = kubectl.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    Some((kubectl, seen))
}

#[test]
fn kubectl_get_watch_prints_changes_as_they_happen() {
    let server = cluster();
    let test = "watch::kubectl_get_watch_prints_changes_as_they_happen";
    let Some((mut kubectl, seen)) = kubectl_watch(&server, test, &["pods", "-n", "ns-0", "-o", "name"]) else { return };
    let next = || seen.recv_timeout(Duration::from_secs(20));
    let listed: Vec<String> = (0..3).map(|_| next().expect("kubectl lists the pods first")).collect();
    assert_eq!(listed, ["pod/pod-000000", "pod/pod-000001", "pod/pod-000002"]);
    server.create(pod("watched", "Pending")).expect("create");
    let printed = next();
    let _ = kubectl.kill();
    let _ = kubectl.wait();
    assert_eq!(printed.as_deref(), Ok("pod/watched"), "kubectl prints the pod created while it watches");
    let watch = server.requests().into_iter().find(|r| r.param("watch").is_some()).expect("kubectl watched");
    let from_the_list = watch.param("resourceVersion") == Some("1000");
    let streaming_list = watch.param("sendInitialEvents") == Some("true");
    assert!(from_the_list || streaming_list, "from the List's version, or a streaming list: {watch:?}");
}

#[test]
fn kubectl_get_watch_prints_secrets_from_their_table() {
    let server = cluster();
    server.with_store(|store| store.insert(secret("listed", "Opaque", "dmFsdWUtMQ=="))).expect("secret");
    let test = "watch::kubectl_get_watch_prints_secrets_from_their_table";
    let Some((mut kubectl, seen)) = kubectl_watch(&server, test, &["secrets", "-n", "ns-0"]) else { return };
    let next = || {
        seen.recv_timeout(Duration::from_secs(20))
            .map(|line| line.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
    };
    assert_eq!(next().as_deref(), Ok("NAME TYPE DATA"));
    assert_eq!(next().as_deref(), Ok("listed Opaque 1"));
    // A Secret created while kubectl watches arrives as a Table of one row without column
    // definitions, which kubectl prints under the header it has.
    server.create(secret("watched", "kubernetes.io/tls", "dmFsdWUtMg==")).expect("create");
    let printed = next();
    let _ = kubectl.kill();
    let _ = kubectl.wait();
    assert_eq!(printed.as_deref(), Ok("watched kubernetes.io/tls 1"));
    let watch = server.requests().into_iter().find(|r| r.param("watch").is_some()).expect("kubectl watched");
    assert!(watch.accept.starts_with("application/json;as=Table;"), "{watch:?}");
}

/// A live source on `server`, with the watch cache when `cache` is given.
fn source(server: &FixtureServer, name: &str, cache: Option<CacheConfig>) -> Arc<LiveSource> {
    let kubeconfig = common::scratch(name).join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig(name)).expect("kubeconfig");
    let config = LiveConfig {
        kubeconfig: Some(kubeconfig),
        request_timeout: Duration::from_secs(10),
        watch_cache: cache,
        ..Default::default()
    };
    Arc::new(LiveSource::connect(&config).expect("connecting"))
}

/// A source with the watch cache `cache` and one without (named `{name}-fresh`), on `server`.
fn cached_and_fresh(server: &FixtureServer, name: &str, cache: CacheConfig) -> (Arc<LiveSource>, Arc<LiveSource>) {
    (source(server, name, Some(cache)), source(server, &format!("{name}-fresh"), None))
}

type Rows = Vec<serde_json::Map<String, Value>>;

fn rows(catalog: &Catalog, source: &Arc<LiveSource>, sql: &str) -> Rows {
    common::query(catalog, source.clone(), sql).unwrap_or_else(|e| panic!("{sql}: {e:?}")).remove(0)
}

/// Queries `cached` until it answers as `fresh` (a source without the cache, queried once)
/// does, for up to 10 s: a change reaches the cache when the server sends its event.
fn converges(catalog: &Catalog, cached: &Arc<LiveSource>, fresh: &Arc<LiveSource>, sql: &str) -> Rows {
    let expected = rows(catalog, fresh, sql);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let got = rows(catalog, cached, sql);
        if got == expected {
            return got;
        }
        assert!(std::time::Instant::now() < deadline, "the cache never caught up: {got:?}, expected {expected:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// LISTs (not watches) of `plural` the server answered.
fn lists(server: &FixtureServer, plural: &str) -> usize {
    server.requests().iter().filter(|r| r.path.ends_with(plural) && r.param("watch").is_none()).count()
}

fn watches(server: &FixtureServer, plural: &str) -> usize {
    server.requests().iter().filter(|r| r.path.ends_with(plural) && r.param("watch").is_some()).count()
}

const PODS: &str = "SELECT namespace, name, phase, labels FROM kubernetes_pods ORDER BY namespace, name";

#[test]
fn the_watch_cache_lists_once_and_follows_every_change() {
    let server = cluster();
    let catalog = common::builtin_catalog();
    let (cached, fresh) = cached_and_fresh(&server, "cache-follows", CacheConfig::default());
    server.clear_requests();
    assert_eq!(converges(&catalog, &cached, &fresh, PODS).len(), 3);
    assert_eq!(lists(&server, "/pods"), 2, "one List for the cache, one for the fresh source");
    server.create(pod("new", "Pending")).expect("create");
    converges(&catalog, &cached, &fresh, PODS);
    server.replace(pod("new", "Running")).expect("replace");
    server.delete("v1", "Pod", "ns-0", "pod-000001").expect("delete");
    let after = converges(&catalog, &cached, &fresh, PODS);
    let names: Vec<&str> = after.iter().map(|r| r["name"].as_str().unwrap_or("")).collect();
    assert_eq!(names, ["new", "pod-000000", "pod-000002"]);
    // Repeated and narrowed scans (a namespace, a name, a LIMIT) read the cache: no List.
    server.clear_requests();
    for _ in 0..5 {
        assert_eq!(rows(&catalog, &cached, PODS), after);
    }
    let one = rows(&catalog, &cached, "SELECT name FROM kubernetes_pods WHERE namespace = 'ns-0' AND name = 'new'");
    assert_eq!(one.len(), 1);
    assert_eq!(rows(&catalog, &cached, "SELECT name FROM kubernetes_pods LIMIT 2").len(), 2);
    assert_eq!(lists(&server, "/pods"), 0, "{:?}", server.requests());
}

/// Objects whose rows scans of `cached` reused so far, and the bytes of rows kept, for pods.
fn reuse_of_pods(catalog: &Catalog, cached: &Arc<LiveSource>) -> (i64, i64) {
    let state = rows(catalog, cached, "SELECT objects_reused, row_bytes FROM kubequery_cache WHERE resource = 'pods'");
    let field = |name: &str| state[0][name].as_i64().unwrap_or_else(|| panic!("{name} in {state:?}"));
    (field("objects_reused"), field("row_bytes"))
}

#[test]
fn cached_scans_reuse_the_rows_of_unchanged_objects_and_convert_the_changed_ones() {
    let server = cluster();
    let catalog = common::builtin_catalog();
    let (cached, fresh) = cached_and_fresh(&server, "cache-reuse", CacheConfig::default());
    converges(&catalog, &cached, &fresh, PODS);
    let (before, kept) = reuse_of_pods(&catalog, &cached);
    assert!(kept > 0, "the rows of the pods are kept once converted");
    // Every object unchanged: every one's rows reused, none converted again.
    let expected = rows(&catalog, &fresh, PODS);
    assert_eq!(rows(&catalog, &cached, PODS), expected);
    assert_eq!(reuse_of_pods(&catalog, &cached), (before + 3, kept));
    // A changed object's new rows replace its old ones (the result equals a fresh List's);
    // its old rows are dropped, not kept beside them.
    server.replace(pod("pod-000001", "Failed")).expect("replace");
    server.delete("v1", "Pod", "ns-0", "pod-000002").expect("delete");
    let after = converges(&catalog, &cached, &fresh, PODS);
    assert_eq!((after.len(), &after[1]["name"], &after[1]["phase"]), (2, &json!("pod-000001"), &json!("Failed")));
    let (before, kept_after) = reuse_of_pods(&catalog, &cached);
    assert!(kept_after < kept, "rows of the deleted pod are gone: {kept_after} bytes, {kept} before");
    assert_eq!(rows(&catalog, &cached, PODS), after);
    assert_eq!(reuse_of_pods(&catalog, &cached).0, before + 2);
    // Other columns are other rows: converted once, then reused in turn.
    let names = "SELECT name FROM kubernetes_pods ORDER BY name";
    assert_eq!(rows(&catalog, &cached, names), rows(&catalog, &fresh, names));
    assert_eq!(reuse_of_pods(&catalog, &cached).0, before + 2, "nothing to reuse for these columns yet");
    assert_eq!(rows(&catalog, &cached, names).len(), 2);
    assert_eq!(reuse_of_pods(&catalog, &cached).0, before + 4);
}

#[test]
fn the_watch_cache_survives_broken_watches_and_compactions() {
    let server = cluster();
    let catalog = common::builtin_catalog();
    let (cached, fresh) = cached_and_fresh(&server, "cache-recovers", CacheConfig::default());
    converges(&catalog, &cached, &fresh, PODS);
    // A broken watch resumes from its version: nothing is lost and nothing is listed again
    // (the one List is the fresh source's).
    server.clear_requests();
    server.disconnect_watches();
    server.create(pod("while-broken", "Running")).expect("create");
    converges(&catalog, &cached, &fresh, PODS);
    assert_eq!(lists(&server, "/pods"), 1, "{:?}", server.requests());
    // A watch resuming from before a compaction is told 410 and lists again.
    server.clear_requests();
    server.disconnect_watches();
    server.create(pod("after-compaction", "Running")).expect("create");
    server.compact();
    converges(&catalog, &cached, &fresh, PODS);
    assert_eq!(lists(&server, "/pods"), 2, "the fresh source's List and the cache's new one");
}

fn secret(name: &str, secret_type: &str, value: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Secret", "type": secret_type,
        "metadata": {
            "name": name, "namespace": "ns-0", "labels": {"app": name},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": format!("{{\"data\":{{\"k\":\"{value}\"}}}}")}
        },
        "data": {"k": value}
    })
}

const SECRETS: &str = "SELECT namespace, name, type, labels, annotations FROM kubernetes_secrets ORDER BY name";

#[test]
fn secrets_are_cached_as_value_free_metadata_with_their_type() {
    let server = cluster();
    server.with_store(|store| store.insert(secret("s", "Opaque", "dmFsdWUtMQ=="))).expect("secret");
    let catalog = common::builtin_catalog();
    let (cached, fresh) = cached_and_fresh(&server, "cache-secrets", CacheConfig::default());
    server.clear_requests();
    let first = converges(&catalog, &cached, &fresh, SECRETS);
    assert_eq!((first.len(), &first[0]["type"]), (1, &json!("Opaque")));
    for _ in 0..3 {
        assert_eq!(rows(&catalog, &cached, SECRETS), first);
    }
    assert_eq!(lists(&server, "/secrets"), 2, "one List for the cache, one for the fresh source");
    assert!(watches(&server, "/secrets") >= 1);
    // Changes arrive as Tables of one row, their columns defined in a watch's first event
    // only: the type of a Secret created later is still read from its column.
    server.create(secret("t", "kubernetes.io/tls", "dmFsdWUtMg==")).expect("create");
    server.replace(secret("s", "Opaque", "dmFsdWUtMw==")).expect("replace");
    let after = converges(&catalog, &cached, &fresh, SECRETS);
    assert_eq!(
        after.iter().map(|r| r["type"].clone()).collect::<Vec<_>>(),
        [json!("Opaque"), json!("kubernetes.io/tls")]
    );
    server.delete("v1", "Secret", "ns-0", "s").expect("delete");
    assert_eq!(converges(&catalog, &cached, &fresh, SECRETS).len(), 1);
    // A broken watch resumes as a Table watch, without a List.
    server.disconnect_watches();
    server.create(secret("u", "kubernetes.io/dockerconfigjson", "dmFsdWUtNA==")).expect("create");
    let resumed = converges(&catalog, &cached, &fresh, SECRETS);
    assert_eq!(
        resumed.iter().map(|r| r["type"].clone()).collect::<Vec<_>>(),
        [json!("kubernetes.io/tls"), json!("kubernetes.io/dockerconfigjson")]
    );
    assert_eq!(lists(&server, "/secrets"), 5, "the cache's one List, and one per query of the fresh source");
    // Nothing kubequery asked for could carry a value: every request for Secrets wanted a
    // Table of their metadata, and no answer's value reached a row.
    for request in server.requests().iter().filter(|r| r.path.ends_with("/secrets")) {
        assert!(request.accept.starts_with("application/json;as=Table;"), "{request:?}");
        assert_eq!(request.param("includeObject"), Some("Metadata"), "{request:?}");
    }
    let all = format!("{:?}", rows(&catalog, &cached, "SELECT * FROM kubernetes_secrets"));
    assert!(!all.contains("dmFsdWU"), "{all}");
    assert!(all.contains("last-applied-configuration"), "the annotation is there, its value redacted: {all}");
}

#[test]
fn a_server_answering_secrets_with_their_values_is_not_cached() {
    let server = cluster();
    server.with_store(|store| store.insert(secret("s", "Opaque", "dmFsdWUtMQ=="))).expect("secret");
    server.set_faults(vec![Fault::IgnoreAs { resource: "secrets".into() }]);
    let catalog = common::builtin_catalog();
    let cached = source(&server, "cache-secrets-values", Some(CacheConfig::default()));
    server.clear_requests();
    for _ in 0..2 {
        let refused = common::query(&catalog, cached.clone(), SECRETS).expect_err("full Secrets are refused");
        let message = format!("{refused:?}");
        assert!(message.contains("not Secret metadata") && !message.contains("dmFsdWU"), "{message}");
    }
    assert_eq!(watches(&server, "/secrets"), 0, "the cache gave Secrets up at its List");
}

#[test]
fn scans_with_selectors_are_listed_every_time() {
    let server = cluster();
    let catalog = common::builtin_catalog();
    let cached = source(&server, "cache-selectors", Some(CacheConfig::default()));
    server.clear_requests();
    for _ in 0..2 {
        rows(&catalog, &cached, "SELECT name FROM kubernetes_pods WHERE label_selector = 'app=app-1'");
    }
    assert_eq!(lists(&server, "/pods"), 2, "label selectors are the server's to apply");
    assert_eq!(watches(&server, "/pods"), 0);
}

#[test]
fn a_resource_over_the_cache_budget_is_listed_instead() {
    let server = cluster();
    let catalog = common::builtin_catalog();
    // Three pods take about 3 KB of JSON, over 1 KB compressed: 300 bytes cannot hold them.
    let (cached, fresh) =
        cached_and_fresh(&server, "cache-budget", CacheConfig { max_bytes: 300, ..CacheConfig::default() });
    let expected = rows(&catalog, &fresh, PODS);
    server.clear_requests();
    assert_eq!(rows(&catalog, &cached, PODS), expected, "the first scan lists once the cache gives up");
    assert_eq!(lists(&server, "/pods"), 2, "the cache's List, given up, and the scan's own");
    assert_eq!(rows(&catalog, &cached, PODS), expected);
    assert_eq!(lists(&server, "/pods"), 3, "later scans list without trying the cache again");
    assert_eq!(watches(&server, "/pods"), 0);
}

#[test]
fn the_extension_answers_scheduled_queries_from_the_cache_as_the_cluster_changes() {
    let server = cluster();
    let dir = common::scratch("watch-extension");
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig("fixture")).expect("kubeconfig");
    let mut osquery = ScheduledQueries::start(&[
        format!("KUBECONFIG={}", kubeconfig.display()),
        "KUBEQUERY_WATCH_CACHE=1".to_string(),
    ]);
    let catalog = common::builtin_catalog();
    let fresh = source(&server, "watch-extension-fresh", None);
    let expected = || {
        let mut rows: Vec<(String, String)> = rows(&catalog, &fresh, "SELECT name, phase FROM kubernetes_pods")
            .iter()
            .map(|r| (r["name"].as_str().unwrap_or("").to_string(), r["phase"].as_str().unwrap_or("").to_string()))
            .collect();
        rows.sort();
        rows
    };
    type Change = dyn Fn(&FixtureServer) -> Result<u64, String>;
    let changes: [&Change; 4] = [
        &|_| Ok(0),
        &|server| server.create(pod("scheduled", "Pending")),
        &|server| server.replace(pod("scheduled", "Running")),
        &|server| server.delete("v1", "Pod", "ns-0", "pod-000000"),
    ];
    server.clear_requests();
    for (round, change) in changes.iter().enumerate() {
        change(&server).expect("changing the cluster");
        let want = expected();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let got = osquery.generate("kubernetes_pods");
            // The pod tables share the pods the cache keeps.
            let containers = osquery.generate("kubernetes_pod_containers");
            if got == want {
                assert!(!containers.is_empty());
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "round {round}: osquery got {got:?}, the cluster has {want:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    // The fresh source listed once a round; the extension listed pods once in all.
    assert_eq!(lists(&server, "/pods"), changes.len() + 1, "{:?}", server.requests());
    assert!(watches(&server, "/pods") >= 1);
}

#[test]
fn a_watch_answered_with_a_list_is_retried_after_a_back_off_and_scans_list() {
    let server = cluster();
    server.set_faults(vec![Fault::IgnoreWatch { resource: "pods".into() }]);
    let catalog = common::builtin_catalog();
    let (cached, fresh) = cached_and_fresh(&server, "cache-no-watch", CacheConfig::default());
    assert_eq!(rows(&catalog, &cached, PODS), rows(&catalog, &fresh, PODS));
    // A change is seen at once: the scans list, since the cache cannot follow changes.
    server.create(pod("unwatched", "Running")).expect("create");
    assert_eq!(rows(&catalog, &cached, PODS), rows(&catalog, &fresh, PODS));
    std::thread::sleep(Duration::from_secs(2));
    // Back-offs of 0.5 s, then 1 s: a handful of watch attempts, not a loop.
    let attempts = watches(&server, "/pods");
    assert!((1..=4).contains(&attempts), "{attempts} watch requests in about 2 s");
}

#[test]
fn a_watch_answered_with_a_large_gzipped_list_is_told_from_a_stream() {
    // 2 500 pods: a List of 19 MB, which the server gzips, so the client sees no length.
    let mut store = Store::new();
    synthetic::realistic_cluster(&mut store, 2_500, synthetic::PodSize::Typical).expect("cluster");
    let server = FixtureServer::start(store).expect("fixture server");
    server.set_faults(vec![Fault::IgnoreWatch { resource: "pods".into() }]);
    let catalog = common::builtin_catalog();
    let cached = source(&server, "cache-gzipped-list", Some(CacheConfig::default()));
    let phase = || rows(&catalog, &cached, "SELECT phase FROM kubequery_cache WHERE resource = 'pods'");
    assert_eq!(rows(&catalog, &cached, "SELECT count(*) AS n FROM kubernetes_pods")[0]["n"], json!(2_500));
    // Taken for a watch that broke on an over-long event, the List was asked for again every
    // half second, each time read to 16 MiB a byte at a time from the start of the line.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while phase().first().map(|row| row["phase"].clone()) != Some(json!("failed")) {
        assert!(std::time::Instant::now() < deadline, "never judged not a stream: {:?}", phase());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_resource_the_server_refuses_is_not_retried_by_the_cache() {
    let server = cluster();
    server.set_faults(vec![Fault::Status { resource: "pods".into(), code: 403, times: None }]);
    let catalog = common::builtin_catalog();
    let cached = source(&server, "cache-forbidden", Some(CacheConfig::default()));
    server.clear_requests();
    assert!(rows(&catalog, &cached, PODS).is_empty(), "403: no rows, as without the cache");
    assert_eq!(lists(&server, "/pods"), 2, "the cache's List and the scan's, both refused");
    std::thread::sleep(Duration::from_secs(2));
    assert!(rows(&catalog, &cached, PODS).is_empty());
    assert_eq!(lists(&server, "/pods"), 3, "the cache does not list again: only the scan does");
}

#[test]
fn without_the_watch_verb_scans_list_at_once_instead_of_waiting() {
    let server = cluster();
    server.set_faults(vec![Fault::ForbidWatch { resource: "pods".into() }]);
    let catalog = common::builtin_catalog();
    let (cached, fresh) = cached_and_fresh(&server, "cache-no-watch-verb", CacheConfig::default());
    let expected = rows(&catalog, &fresh, PODS);
    server.clear_requests();
    for _ in 0..3 {
        assert_eq!(rows(&catalog, &cached, PODS), expected);
    }
    // Retrying the watch would make each scan wait for it (up to 30 s) and then list.
    assert_eq!(watches(&server, "/pods"), 1, "one refused watch, not retried");
    assert_eq!(lists(&server, "/pods"), 4, "the cache's List, then one per scan");
}

/// An events.k8s.io/v1 Event about pod `pod-000000`, saying `note`.
fn event(name: &str, note: &str) -> Value {
    json!({
        "apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": name, "namespace": "ns-0", "uid": format!("uid-{name}"),
                     "creationTimestamp": "2026-12-01T00:00:00Z"},
        "eventTime": "2026-12-01T00:00:00.000000Z",
        "reason": "Pulled", "note": note, "type": "Normal",
        "regarding": {"kind": "Pod", "namespace": "ns-0", "name": "pod-000000"}
    })
}

/// The names of `rows`, sorted.
fn names(rows: &[impl std::borrow::Borrow<serde_json::Map<String, Value>>]) -> Vec<String> {
    let mut names: Vec<String> = rows.iter().map(|r| r.borrow()["name"].as_str().unwrap_or("").to_string()).collect();
    names.sort();
    names
}

const EVENTS: &str = "SELECT name, note FROM kubernetes_events";

#[test]
fn expired_events_are_served_until_the_retention_passes() {
    let server = cluster();
    server.create(event("first", "one")).expect("create");
    let catalog = common::builtin_catalog();
    let cache = CacheConfig { events_retention: Duration::from_secs(3), events_retained: 2, ..Default::default() };
    let cached = source(&server, "events-retained", Some(cache));
    assert_eq!(names(&rows(&catalog, &cached, EVENTS)), ["first"]);
    // Three events come and go between two queries; the cache keeps the last two it saw go.
    for name in ["a", "b", "c"] {
        server.create(event(name, "came")).expect("create");
    }
    for name in ["a", "b", "c"] {
        server.delete("events.k8s.io/v1", "Event", "ns-0", name).expect("delete");
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    let got = loop {
        let got = names(&rows(&catalog, &cached, EVENTS));
        if got.contains(&"c".to_string()) || std::time::Instant::now() > deadline {
            break got;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(got, ["b", "c", "first"], "the live event and the last two expired ones");
    // Past the retention only the live event is left; the cache listed once in all.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(names(&rows(&catalog, &cached, EVENTS)), ["first"]);
    assert_eq!(lists(&server, "/events"), 1, "{:?}", server.requests());
}

#[test]
fn scheduled_event_queries_report_each_event_once_even_after_it_expires() {
    let server = cluster();
    server.create(event("early", "before the first query")).expect("create");
    let dir = common::scratch("watch-events");
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig("fixture")).expect("kubeconfig");
    let retention = Duration::from_secs(8);
    let mut osquery = ScheduledQueries::start(&[
        format!("KUBECONFIG={}", kubeconfig.display()),
        format!("KUBEQUERY_EVENTS_RETENTION={}", retention.as_secs()),
    ]);
    let first = osquery.generate_rows("kubernetes_events");
    assert_eq!(names(&as_maps(&first)), ["early"]);
    // Between two scheduled queries: one event is created and updated, one created and
    // expired, and the one already reported expires.
    server.create(event("updated", "once")).expect("create");
    server.replace(event("updated", "twice")).expect("replace");
    server.create(event("brief", "came and went")).expect("create");
    server.delete("events.k8s.io/v1", "Event", "ns-0", "brief").expect("delete");
    server.delete("events.k8s.io/v1", "Event", "ns-0", "early").expect("delete");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let second = loop {
        let rows = osquery.generate_rows("kubernetes_events");
        if names(&as_maps(&rows)) == ["brief", "early", "updated"] {
            break rows;
        }
        assert!(std::time::Instant::now() < deadline, "the extension answers {rows:?}");
        std::thread::sleep(Duration::from_millis(50));
    };
    // osquery's differential results: what the second run adds to the first is exactly the
    // two new events (the expired `early` is the same row as before, so it is not reported
    // again), the update as its latest note.
    let added: Vec<&Value> = second.iter().filter(|row| !first.contains(row)).collect();
    assert_eq!(names(&as_maps(&added.into_iter().cloned().collect::<Vec<_>>())), ["brief", "updated"]);
    assert!(second.iter().any(|row| row["name"] == "updated" && row["note"] == "twice"), "{second:?}");
    assert!(first.iter().all(|row| second.contains(row)), "a reported event's row never changes when it expires");
    // The operator sees the same through osquery.
    let cache = osquery.generate_rows("kubequery_cache");
    let events =
        cache.iter().find(|row| row["resource"] == "events.events.k8s.io").unwrap_or_else(|| panic!("{cache:?}"));
    assert_eq!(
        (&events["phase"], &events["objects"], &events["expired_events"]),
        (&json!("watching"), &json!("1"), &json!("2"))
    );
    // Past the retention, the expired events leave the answer; only the live one is left.
    std::thread::sleep(retention);
    assert_eq!(names(&as_maps(&osquery.generate_rows("kubernetes_events"))), ["updated"]);
    assert_eq!(lists(&server, "/events"), 1, "one List in all: {:?}", server.requests());
}

fn as_maps(rows: &[Value]) -> Vec<serde_json::Map<String, Value>> {
    rows.iter().map(|row| row.as_object().cloned().unwrap_or_default()).collect()
}

#[test]
fn the_kubequery_cache_table_shows_what_the_cache_holds() {
    let server = cluster();
    let catalog = common::builtin_catalog();
    // A budget past SQL's integers (the benchmark's) shows as the largest one.
    let unbounded = CacheConfig { max_bytes: usize::MAX, ..CacheConfig::default() };
    let (cached, fresh) = cached_and_fresh(&server, "cache-table", unbounded);
    converges(&catalog, &cached, &fresh, PODS);
    server.create(pod("new", "Running")).expect("create");
    converges(&catalog, &cached, &fresh, PODS);
    server.clear_requests();
    let state = rows(
        &catalog,
        &cached,
        "SELECT cluster_name, resource, api_version, phase, objects, bytes, memory_budget, resource_version, lists, \
         watch_requests, last_sync FROM kubequery_cache",
    );
    assert_eq!(state.len(), 1, "{state:?}");
    let pods = &state[0];
    assert_eq!(pods["cluster_name"], "cache-table");
    assert_eq!(
        (&pods["resource"], &pods["api_version"], &pods["phase"]),
        (&json!("pods"), &json!("v1"), &json!("watching"))
    );
    assert_eq!((&pods["objects"], &pods["lists"], &pods["resource_version"]), (&json!(4), &json!(1), &json!("1001")));
    assert!(pods["watch_requests"].as_i64() >= Some(1) && pods["bytes"].as_i64() > Some(1000), "{pods:?}");
    assert_eq!(pods["memory_budget"], json!(i64::MAX));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    assert!(pods["last_sync"].as_u64().is_some_and(|t| t.abs_diff(now) < 60), "{pods:?}");
    assert!(server.requests().is_empty(), "the host answers it, not the cluster: {:?}", server.requests());
    // Without the cache there is nothing to show, and nothing is asked of the cluster.
    assert!(rows(&catalog, &fresh, "SELECT * FROM kubequery_cache").is_empty());
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}
