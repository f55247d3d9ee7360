//! Tables against hand-checked expected rows.
//!
//! Inputs are kubequery 1.1.1's own test objects (tests/fixtures/kubequery-1.1.1) and a pod
//! list written for the cases those lack (tests/fixtures/pod-statuses: statuses out of order,
//! init and ephemeral containers, a pending pod without statuses). Expected rows live in
//! tests/fixtures/expected/<snapshot>/<table>.json; every column of every row is compared,
//! JSON-valued columns as parsed documents.

mod common;

use std::sync::Arc;

use kubequery::sources::snapshot::Snapshot;

fn check(snapshot: &str, table: &str) {
    let catalog = common::builtin_catalog();
    let source = Snapshot::load_dir(&common::fixture(snapshot), None).expect("loading the fixture snapshot");
    assert!(source.problems().is_empty(), "fixture problems: {:?}", source.problems());
    let mut rows = common::query(&catalog, Arc::new(source), &format!("SELECT * FROM {table}"))
        .unwrap_or_else(|e| panic!("{table}: {e:?}"))
        .remove(0);
    let schema = &catalog.get(table).expect("table exists").schema;
    common::parse_json_columns(schema, &mut rows);
    let expected_path = common::fixture(&format!("expected/{snapshot}/{table}.json"));
    let expected: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_slice(
        &std::fs::read(&expected_path).unwrap_or_else(|e| panic!("{}: {e}", expected_path.display())),
    )
    .expect("expected rows are JSON");
    assert_eq!(rows.len(), expected.len(), "{table}: row count");
    for (n, (row, want)) in rows.iter().zip(&expected).enumerate() {
        assert_eq!(
            row.keys().collect::<Vec<_>>(),
            schema.columns.iter().filter(|c| !c.options.hidden).map(|c| &c.name).collect::<Vec<_>>(),
            "{table}: SELECT * columns"
        );
        for (column, value) in want {
            assert_eq!(row.get(column), Some(value), "{table} row {n} column {column}");
        }
        assert_eq!(row.len(), want.len(), "{table} row {n}: expected file must list every column");
    }
}

#[test]
fn namespaces() {
    check("kubequery-1.1.1", "kubernetes_namespaces");
}

#[test]
fn nodes() {
    check("kubequery-1.1.1", "kubernetes_nodes");
}

#[test]
fn pods() {
    check("kubequery-1.1.1", "kubernetes_pods");
}

#[test]
fn pod_containers() {
    check("kubequery-1.1.1", "kubernetes_pod_containers");
}

#[test]
fn pod_containers_match_statuses_by_name() {
    check("pod-statuses", "kubernetes_pod_containers");
}

#[test]
fn pods_without_status() {
    check("pod-statuses", "kubernetes_pods");
}

#[test]
fn pod_volumes() {
    check("kubequery-1.1.1", "kubernetes_pod_volumes");
}

#[test]
fn stateful_set_volumes_render_an_empty_dir_without_size_limit_as_null() {
    check("kubequery-1.1.1", "kubernetes_stateful_set_volumes");
}

#[test]
fn deployments() {
    check("kubequery-1.1.1", "kubernetes_deployments");
}
