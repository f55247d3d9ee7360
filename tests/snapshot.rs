//! The snapshot source: every accepted file layout, cluster identity, paging, secrets, and
//! malformed files.

use crate::common;

use std::fs;
use std::path::Path;
use std::sync::Arc;

use kubequery::sources::snapshot::Snapshot;
use kubequery::sources::{DataSource, Selection};

fn write(dir: &Path, relative: &str, content: &str) {
    let path = dir.join(relative);
    fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
    fs::write(path, content).expect("write");
}

fn names(dir: &Path, sql: &str) -> Vec<String> {
    let snapshot = Snapshot::load_dir(dir, None).expect("loading");
    assert!(snapshot.problems().is_empty(), "problems: {:?}", snapshot.problems());
    let rows = common::query(&common::builtin_catalog(), Arc::new(snapshot), sql).expect("query").remove(0);
    rows.iter().map(|r| r.values().next().and_then(|v| v.as_str()).unwrap_or("").to_string()).collect()
}

const POD: &str = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"solo","namespace":"default","uid":"u-1"},"spec":{"containers":[{"name":"c","image":"i"}]}}"#;

#[test]
fn single_object_json() {
    let dir = common::scratch("single_object_json");
    write(&dir, "pod.json", POD);
    assert_eq!(names(&dir, "SELECT name FROM kubernetes_pods"), ["solo"]);
}

#[test]
fn typed_list_whose_items_omit_kind() {
    // What the API server (and `kubectl cluster-info dump`) writes: a PodList without item kinds.
    let dir = common::scratch("typed_list");
    write(
        &dir,
        "pods.json",
        r#"{"apiVersion":"v1","kind":"PodList","metadata":{},"items":[
            {"metadata":{"name":"b","namespace":"x"}},{"metadata":{"name":"a","namespace":"x"}}]}"#,
    );
    assert_eq!(names(&dir, "SELECT name FROM kubernetes_pods"), ["a", "b"], "API-server order: namespace, name");
}

#[test]
fn kind_list_json_from_kubectl_get() {
    let dir = common::scratch("kind_list_json");
    fs::copy(common::fixture("kubequery-1.1.1/namespaces_test.json"), dir.join("ns.json")).expect("copy");
    assert_eq!(names(&dir, "SELECT name FROM kubernetes_namespaces").len(), 7, "every namespace of the List");
    let snapshot = Snapshot::load_dir(&dir, None).expect("loading");
    assert_eq!(snapshot.object_count(), 7);
}

#[test]
fn kind_list_yaml_and_multi_document_yaml() {
    let dir = common::scratch("yaml");
    write(
        &dir,
        "list.yaml",
        "apiVersion: v1\nkind: List\nmetadata:\n  resourceVersion: \"\"\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: alpha\n    uid: ua\n- apiVersion: v1\n  kind: Node\n  metadata:\n    name: n1\n",
    );
    write(
        &dir,
        "docs.yml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: beta\n---\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: gamma\n  labels:\n    team: \"a&b\"\n",
    );
    assert_eq!(names(&dir, "SELECT name FROM kubernetes_namespaces"), ["alpha", "beta", "gamma"]);
    assert_eq!(
        names(&dir, "SELECT json_extract(labels, '$.team') FROM kubernetes_namespaces WHERE name = 'gamma'"),
        ["a&b"]
    );
    assert_eq!(names(&dir, "SELECT name FROM kubernetes_nodes"), ["n1"]);
}

#[test]
fn cluster_info_dump_layout() {
    // `kubectl cluster-info dump --output-directory`: typed lists per namespace, logs beside them.
    let dir = common::scratch("cluster_info_dump");
    write(
        &dir,
        "nodes.json",
        r#"{"kind":"NodeList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"n1"}}]}"#,
    );
    write(
        &dir,
        "kube-system/pods.json",
        r#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"dns","namespace":"kube-system"}}]}"#,
    );
    write(
        &dir,
        "default/pods.json",
        r#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"web","namespace":"default"}}]}"#,
    );
    write(&dir, "kube-system/dns/logs.txt", "not a Kubernetes object");
    assert_eq!(names(&dir, "SELECT namespace || '/' || name FROM kubernetes_pods"), ["default/web", "kube-system/dns"]);
    assert_eq!(names(&dir, "SELECT name FROM kubernetes_nodes"), ["n1"]);
}

#[test]
fn duplicate_objects_are_served_once() {
    let dir = common::scratch("duplicates");
    write(&dir, "a.json", POD);
    write(&dir, "b.json", POD);
    assert_eq!(names(&dir, "SELECT name FROM kubernetes_pods"), ["solo"]);
}

#[test]
fn cluster_identity_from_kube_system_and_directory() {
    let dir = common::scratch("my-cluster");
    fs::copy(common::fixture("kubequery-1.1.1/namespaces_test.json"), dir.join("ns.json")).expect("copy");
    let snapshot = Snapshot::load_dir(&dir, None).expect("loading");
    assert_eq!(snapshot.cluster().name, "my-cluster");
    assert_eq!(snapshot.cluster().uid, "ebca5546-b939-4765-bf3d-869ac644ea0f");
    let named = Snapshot::load_dir(&dir, Some("prod-eu".into())).expect("loading");
    assert_eq!(named.cluster().name, "prod-eu");
    let rows = common::query(
        &common::builtin_catalog(),
        Arc::new(named),
        "SELECT DISTINCT cluster_name, cluster_uid FROM kubernetes_namespaces",
    )
    .expect("query")
    .remove(0);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["cluster_name"], "prod-eu");
    assert_eq!(rows[0]["cluster_uid"], "ebca5546-b939-4765-bf3d-869ac644ea0f");
}

#[test]
fn large_lists_are_served_in_pages_of_500() {
    let dir = common::scratch("paging");
    let items: Vec<String> =
        (0..1234).map(|i| format!(r#"{{"metadata":{{"name":"p{i:04}","namespace":"ns{}"}}}}"#, i % 7)).collect();
    write(&dir, "pods.json", &format!(r#"{{"apiVersion":"v1","kind":"PodList","items":[{}]}}"#, items.join(",")));
    let snapshot = Snapshot::load_dir(&dir, None).expect("loading");
    let pods = common::core_source("pods", "Pod", false);
    let sizes: Vec<usize> = snapshot
        .pages("kubernetes_pods", &pods, &Selection::default())
        .map(|page| {
            let body: serde_json::Value = serde_json::from_slice(&page.expect("page").body).expect("page is JSON");
            assert_eq!(body["kind"], "PodList");
            body["items"].as_array().expect("items").len()
        })
        .collect();
    assert_eq!(sizes, [500, 500, 234]);
    let count =
        common::query(&common::builtin_catalog(), Arc::new(snapshot), "SELECT count(*) AS n FROM kubernetes_pods")
            .expect("query")
            .remove(0);
    assert_eq!(count[0]["n"], 1234);
}

#[test]
fn secret_values_are_dropped_when_loading() {
    let dir = common::scratch("secrets");
    fs::copy(common::repo().join("tests/fixtures/secret_test.json"), dir.join("secret.json")).expect("copy");
    let snapshot = Snapshot::load_dir(&dir, None).expect("loading");
    for metadata_only in [false, true] {
        let secrets = common::core_source("secrets", "Secret", metadata_only);
        let pages: Vec<bytes::Bytes> =
            snapshot.pages("secrets", &secrets, &Selection::default()).map(|p| p.expect("page").body).collect();
        assert_eq!(pages.len(), 1);
        let text = String::from_utf8(pages[0].to_vec()).expect("UTF-8");
        assert!(text.contains("istio.jaeger-operator"), "metadata is kept: {text}");
        assert!(!text.contains("\"data\"") && !text.contains("LS0t"), "secret data must not be served: {text}");
    }
}

#[test]
fn malformed_files_are_reported_by_name_and_the_rest_is_served() {
    let dir = common::scratch("malformed");
    write(&dir, "good.json", POD);
    write(&dir, "broken.json", r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"#);
    write(&dir, "notk8s.yaml", "hello: world\n");
    write(&dir, "bad.yaml", "kind: [unclosed\n");
    write(&dir, "list.json", r#"{"apiVersion":"v1","kind":"List","items":[{"metadata":{"name":"x"}}]}"#);
    let snapshot = Snapshot::load_dir(&dir, None).expect("a directory with bad files still loads");
    let mut problems: Vec<String> = snapshot.problems().iter().map(ToString::to_string).collect();
    problems.sort();
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert!(problems[0].contains("bad.yaml") && problems[0].contains("invalid YAML"), "{}", problems[0]);
    assert!(problems[1].contains("broken.json") && problems[1].contains("invalid JSON"), "{}", problems[1]);
    assert!(
        problems[2].contains("list.json") && problems[2].contains("item 0 of the List has no `kind`"),
        "{}",
        problems[2]
    );
    assert!(problems[3].contains("notk8s.yaml") && problems[3].contains("no `kind`"), "{}", problems[3]);
    let rows = common::query(&common::builtin_catalog(), Arc::new(snapshot), "SELECT name FROM kubernetes_pods")
        .expect("query");
    assert_eq!(rows[0].len(), 1);
}

#[test]
fn missing_directory_is_an_error_naming_it() {
    let err = Snapshot::load_dir(Path::new("/nonexistent/kubequery-snapshot"), None).err().expect("must fail");
    assert!(err.to_string().contains("/nonexistent/kubequery-snapshot"), "{err}");
}

#[test]
fn a_hostile_snapshot_directory_cannot_hang_or_walk_the_host() {
    let dir = common::scratch("hostile-snapshot");
    write(&dir, "good/pod.json", POD);
    let link = |target: &str, name: &str| std::os::unix::fs::symlink(target, dir.join(name)).expect("symlink");
    // Two links back up: an endless walk if links were followed blindly.
    link("..", "good/up");
    link("..", "loop");
    link("/", "root");
    link("/etc", "etc");
    link("/dev/zero", "zero.json");
    link("missing.json", "dangling.json");
    let fifo = dir.join("f.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    // A sparse file just over the size limit: refused from its length, never read.
    fs::File::create(dir.join("huge.json")).expect("create").set_len((1 << 30) + 1).expect("set_len");
    let mut bomb = String::from("a: &a [");
    bomb.push_str(&vec!["x"; 20_000].join(","));
    bomb.push_str("]\nb: [");
    bomb.push_str(&vec!["*a"; 20_000].join(","));
    bomb.push_str("]\n");
    write(&dir, "bomb.yaml", &bomb);

    let snapshot = Snapshot::load_dir(&dir, None).expect("loading");
    assert_eq!(snapshot.object_count(), 1, "only the pod is loaded");
    let problems: Vec<String> = snapshot.problems().iter().map(ToString::to_string).collect();
    let about = |name: &str, reason: &str| {
        assert!(
            problems.iter().any(|p| p.contains(name) && p.contains(reason)),
            "a problem naming {name} ({reason}): {problems:#?}"
        );
    };
    about("root", "outside the snapshot directory");
    about("etc", "outside the snapshot directory");
    about("zero.json", "outside the snapshot directory");
    about("dangling.json", "broken link");
    about("f.json", "not a regular file");
    about("huge.json", "over the limit of 1024 MiB");
    about("bomb.yaml", "expands far beyond its text");
    assert!(!problems.iter().any(|p| p.contains("/etc/")), "nothing under /etc was read: {problems:#?}");

    // The same through the command line, which must answer with the one pod.
    let out = common::kubequery()
        .args(["query", "-o", "csv", "--snapshot"])
        .arg(&dir)
        .arg("SELECT name FROM kubernetes_pods")
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "name\r\nsolo\r\n", "RFC 4180 CSV");
}
