//! The SQL engine's scan behaviour: pages are pulled lazily, a List read by several tables
//! of a statement is fetched once per namespace it needs, and joins look rows up instead of
//! rescanning.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use kubequery::schema::{Cluster, Source};
use kubequery::sources::snapshot::Snapshot;
use kubequery::sources::{DataSource, Pages, Selection};

/// A snapshot that counts how many scans start and how many pages they pull.
struct Counting {
    inner: Snapshot,
    scans: AtomicUsize,
    pages: AtomicUsize,
}

impl DataSource for Counting {
    fn clusters(&self) -> Vec<Arc<Cluster>> {
        self.inner.clusters()
    }

    fn pages(&self, table: &str, source: &Source, selection: &Selection) -> Pages<'_> {
        self.scans.fetch_add(1, Ordering::SeqCst);
        Box::new(self.inner.pages(table, source, selection).inspect(|_| {
            self.pages.fetch_add(1, Ordering::SeqCst);
        }))
    }
}

/// 1,234 pods in 7 namespaces, each with two containers: three pages of pods.
fn cluster() -> Arc<Counting> {
    let dir = common::scratch(&format!("sql_{:?}", std::thread::current().id()));
    let items: Vec<String> = (0..1234)
        .map(|i| {
            format!(
                r#"{{"metadata":{{"name":"p{i:04}","namespace":"ns{}","uid":"u{i}"}},"spec":{{"containers":[{{"name":"a"}},{{"name":"b"}}]}}}}"#,
                i % 7
            )
        })
        .collect();
    std::fs::write(
        dir.join("pods.json"),
        format!(r#"{{"apiVersion":"v1","kind":"PodList","items":[{}]}}"#, items.join(",")),
    )
    .expect("write");
    let inner = Snapshot::load_dir(&dir, None).expect("load");
    Arc::new(Counting { inner, scans: AtomicUsize::new(0), pages: AtomicUsize::new(0) })
}

#[test]
fn rows_reach_sqlite_before_the_next_page_is_converted() {
    let source = cluster();
    let rows = common::query(&common::builtin_catalog(), source.clone(), "SELECT name FROM kubernetes_pods LIMIT 3")
        .expect("query")
        .remove(0);
    assert_eq!(rows.len(), 3);
    assert_eq!(source.pages.load(Ordering::SeqCst), 1, "LIMIT 3 must only pull the first of three pages");
}

/// pods and pod_containers read the same List: a join filtered to one namespace fetches it
/// once for both; an unfiltered join streams the outer side and fetches each namespace of the
/// inner side once.
#[test]
fn a_join_fetches_each_list_it_needs_once() {
    let join = "SELECT count(*) AS n FROM kubernetes_pods p JOIN kubernetes_pod_containers c \
                ON c.namespace = p.namespace AND c.pod_name = p.name";
    for (filter, count, scans) in [(" WHERE p.namespace = 'ns3'", 352, 1), ("", 2468, 1 + 7)] {
        let source = cluster();
        let sql = format!("{join}{filter}");
        let rows = common::query(&common::builtin_catalog(), source.clone(), &sql).expect("query").remove(0);
        assert_eq!(rows[0]["n"], count, "{sql}");
        assert_eq!(source.scans.load(Ordering::SeqCst), scans, "{sql}");
    }
}

#[test]
fn equality_lookups_find_every_matching_row() {
    let source = cluster();
    let catalog = common::builtin_catalog();
    let sql = "SELECT p.name, c.name AS container FROM kubernetes_pods p JOIN kubernetes_pod_containers c \
               ON c.namespace = p.namespace AND c.pod_name = p.name WHERE p.name IN ('p0001', 'p1233') ORDER BY 1, 2";
    let rows = common::query(&catalog, source, sql).expect("query").remove(0);
    let got: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r["name"].as_str().unwrap_or("").into(), r["container"].as_str().unwrap_or("").into()))
        .collect();
    let want = [("p0001", "a"), ("p0001", "b"), ("p1233", "a"), ("p1233", "b")];
    assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())));
}

#[test]
fn a_table_kept_for_a_join_keeps_every_column_any_of_its_uses_reads() {
    // Rows kept for the inner side of a join drop the columns the statement never reads;
    // a self-join reads different columns through each alias, and both must survive.
    let source = cluster();
    let catalog = common::builtin_catalog();
    let joined = common::query(
        &catalog,
        source.clone(),
        "SELECT a.name, b.namespace, b.uid FROM kubernetes_pods a JOIN kubernetes_pods b ON b.name = a.name \
         ORDER BY a.name",
    )
    .expect("self-join")
    .remove(0);
    let plain = common::query(&catalog, source, "SELECT name, namespace, uid FROM kubernetes_pods ORDER BY name")
        .expect("plain")
        .remove(0);
    assert_eq!(joined.len(), 1234);
    assert_eq!(joined, plain);
}

#[test]
fn sql_cannot_write_files_on_the_host() {
    let dir = common::scratch("hostile-sql");
    let statements = [
        "ATTACH 'x.db' AS x; CREATE TABLE x.t AS SELECT 1",
        "ATTACH 'file:y.db?mode=rwc' AS y",
        "VACUUM INTO 'z.db'",
        "CREATE TABLE t AS SELECT name FROM kubernetes_pods",
        "PRAGMA writable_schema = 1",
    ];
    for sql in statements {
        let out = common::kubequery().current_dir(&dir).args(["query", "--demo", sql]).output().expect("run");
        assert!(!out.status.success(), "{sql} must fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("not authorized") || stderr.contains("too many attached"), "{sql}: {stderr}");
    }
    let written: Vec<_> = std::fs::read_dir(&dir).expect("scratch").filter_map(Result::ok).map(|e| e.path()).collect();
    assert!(written.is_empty(), "files written: {written:?}");
    // Reading, joins and the documented introspection still work.
    let out = common::kubequery()
        .args(["query", "--demo", "-o", "csv", "SELECT count(*) AS n FROM pragma_table_info('kubernetes_pods')"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn rows_kept_for_joins_have_a_cap() {
    let engine = common::engine(&common::builtin_catalog(), Arc::new(Snapshot::demo(None)));
    engine.set_max_kept_bytes(1000);
    let errors = common::run(
        &engine,
        "SELECT p.name, c.name FROM kubernetes_pods p JOIN kubernetes_pod_containers c \
         ON c.namespace = p.namespace AND c.pod_name = p.name",
    )
    .expect_err("over the cap");
    assert!(errors[0].message.contains("keeps more than 0 MiB of rows for its joins"), "{}", errors[0].message);
    engine.set_max_kept_bytes(kubequery::sql::MAX_KEPT_BYTES);
    assert!(common::run(&engine, "SELECT count(*) FROM kubernetes_pods").is_ok(), "the engine still answers");
}

/// Given a namespace by the WHERE clause and a pod name by the join, the inner side must be
/// looked up by both: by the namespace alone, every outer row would read the whole namespace.
#[test]
fn the_inner_side_of_a_join_is_looked_up_by_every_join_column() {
    let engine = common::engine(&common::builtin_catalog(), cluster());
    for filter in ["", " WHERE p.namespace = 'ns3'"] {
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT c.name FROM kubernetes_pods p JOIN kubernetes_pod_containers c \
             ON c.namespace = p.namespace AND c.pod_name = p.name{filter}"
        );
        let plan = common::run(&engine, &sql).expect("plan").remove(0);
        let details: Vec<&str> = plan.iter().filter_map(|row| row["detail"].as_str()).collect();
        // The inner side is the scan with values from the outer row.
        let inner = details.iter().find(|d| d.contains(":outer")).unwrap_or_else(|| panic!("{details:?}"));
        let constraints = inner.rsplit("INDEX 0:").next().unwrap_or("").split(',').count();
        assert_eq!(constraints, 2, "{filter}: {details:?}");
    }
}
