//! Real clusters' dumps by third parties (`../shared/realworld/`, provenance in its
//! SOURCES.md), read in place, never copied here: each source (the files sharing a prefix,
//! one cluster) loads as a snapshot with no problem, every built-in table runs over it without
//! an error, and objects written at other API versions than the tables read (core/v1 Events,
//! `extensions/v1beta1` DaemonSets, `autoscaling/v2*` HPAs) give their rows. Skipped, saying
//! so, when the folder is absent.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use kubequery::schema::Source;
use kubequery::sources::snapshot::Snapshot;

use crate::common;

/// The corpus, or `None` (said on stderr) when this machine has none.
fn corpus() -> Option<PathBuf> {
    common::realworld("realworld: the corpus tests")
}

/// The corpus's files by source: `ts-k3s131-EventList.json` is of `ts-k3s131`.
fn sources(dir: &PathBuf) -> BTreeMap<String, Vec<PathBuf>> {
    let mut sources: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("reading the corpus") {
        let path = entry.expect("entry").path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name == "SOURCES.md" {
            continue;
        }
        // Sources are named by their first one or two dash-separated words (`argo`, `ocp-aws`).
        let words: Vec<&str> = name.split('-').collect();
        let source = if words.len() > 2 && words[1].chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
            format!("{}-{}", words[0], words[1])
        } else {
            words[0].to_string()
        };
        sources.entry(source).or_default().push(path);
    }
    sources
}

fn load(files: &[PathBuf], name: &str) -> Arc<Snapshot> {
    // `version.json` is the /version document; the corpus names them `<source>-version.json`.
    Arc::new(Snapshot::load_files(files, name.to_string()))
}

fn count(snapshot: &Arc<Snapshot>, sql: &str) -> i64 {
    let catalog = common::builtin_catalog();
    let rows = common::query(&catalog, snapshot.clone(), sql).unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    rows[0][0].values().next().and_then(serde_json::Value::as_i64).unwrap_or_default()
}

/// The built-in tables with one row per object (the others have a row per container, rule,
/// subject, …, and none for an object without any).
const ONE_ROW_PER_OBJECT: &[&str] = &[
    "kubernetes_config_maps",
    "kubernetes_cron_jobs",
    "kubernetes_csi_drivers",
    "kubernetes_daemon_sets",
    "kubernetes_deployments",
    "kubernetes_events",
    "kubernetes_horizontal_pod_autoscalers",
    "kubernetes_ingress_classes",
    "kubernetes_ingresses",
    "kubernetes_jobs",
    "kubernetes_namespaces",
    "kubernetes_nodes",
    "kubernetes_persistent_volume_claims",
    "kubernetes_persistent_volumes",
    "kubernetes_pod_disruption_budgets",
    "kubernetes_pod_security_policies",
    "kubernetes_pod_templates",
    "kubernetes_pods",
    "kubernetes_replica_sets",
    "kubernetes_secrets",
    "kubernetes_service_accounts",
    "kubernetes_services",
    "kubernetes_stateful_sets",
    "kubernetes_storage_classes",
    "kubernetes_volume_attachments",
];

#[test]
fn every_source_loads_and_every_table_reads_it_without_an_error() {
    let Some(dir) = corpus() else { return };
    let catalog = common::builtin_catalog();
    let read = kubequery::schema::kinds_read(catalog.tables().map(|t| &t.schema));
    let mut failures = Vec::new();
    let mut generic_kinds = Vec::new();
    let mut objects_checked = 0;
    for (source, files) in sources(&dir) {
        let snapshot = load(&files, &source);
        for problem in snapshot.problems() {
            failures.push(format!("{source}: {problem}"));
        }
        // Every kind no typed table reads has a generic table, with a row per object.
        let tables: Vec<_> = catalog.tables().cloned().collect();
        let mut engine = kubequery::sql::Engine::new(&tables, snapshot.clone()).expect("engine");
        engine.serve_generic_tables(catalog.generic().expect("generic component").clone());
        for unread in snapshot.unread_kinds(&read) {
            let name = unread.resource.generic_table_name();
            let sql = format!("SELECT count(*) AS n FROM {name}");
            let rows = common::run(&engine, &sql).map(|rows| rows[0][0]["n"].as_u64().unwrap_or_default());
            let objects = snapshot.count(&unread.resource) as u64;
            objects_checked += objects as usize;
            if rows.as_ref().ok() != Some(&objects) {
                failures.push(format!("{source}: {sql}: {rows:?} for {objects} objects ({unread})"));
            }
            generic_kinds.push(unread.resource.kind.clone());
        }
        for table in catalog.tables() {
            let name = &table.schema.name;
            let sql = format!("SELECT * FROM {name}");
            let rows = match common::query(&catalog, snapshot.clone(), &sql) {
                Ok(rows) => rows[0].len(),
                Err(errors) => {
                    failures.push(format!("{source}: {sql}: {errors:?}"));
                    continue;
                }
            };
            // A table of one row per object gives every object its row: none is left out
            // as malformed.
            if let Source::Resource(resource) = &table.schema.source
                && ONE_ROW_PER_OBJECT.contains(&name.as_str())
            {
                let objects = snapshot.count(resource);
                objects_checked += objects;
                if rows != objects {
                    failures.push(format!("{source}: {name} has {rows} rows for {objects} objects"));
                }
            }
        }
    }
    assert!(objects_checked > 300, "the corpus has real clusters' objects: {objects_checked}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for expected in ["Lease", "EndpointSlice", "Route", "PriorityClass", "CustomResourceDefinition"] {
        assert!(generic_kinds.iter().any(|k| k == expected), "{expected} has no generic table: {generic_kinds:?}");
    }
    assert!(!generic_kinds.iter().any(|k| k == "Pod" || k == "Event"), "typed tables read them: {generic_kinds:?}");
}

#[test]
fn core_v1_events_read_as_events_k8s_io_v1() {
    let Some(dir) = corpus() else { return };
    let snapshot = load(&[dir.join("ts-k3s131-EventList.json")], "k3s");
    // All 85 core/v1 Events of the k3s support bundle, their message as the note and their
    // involved object as what they regard.
    assert_eq!(count(&snapshot, "SELECT count(*) FROM kubernetes_events"), 85);
    assert_eq!(
        count(&snapshot, "SELECT count(*) FROM kubernetes_events WHERE note IS NULL OR regarding_name IS NULL"),
        0
    );
    assert_eq!(count(&snapshot, "SELECT count(*) FROM kubernetes_events WHERE time IS NULL"), 0);
}

#[test]
fn old_workload_and_autoscaler_versions_give_their_rows() {
    let Some(dir) = corpus() else { return };
    let daemon_sets = load(&[dir.join("sonobuoy-kind114-DaemonSet-extv1beta1-array.json")], "kind114");
    assert!(count(&daemon_sets, "SELECT count(*) FROM kubernetes_daemon_sets") > 0, "extensions/v1beta1 DaemonSets");
    for file in [
        "argo-HorizontalPodAutoscaler-hpa-v2beta1-healthy.yaml",
        "argo-HorizontalPodAutoscaler-hpa-v2beta2-healthy.yaml",
    ] {
        let hpa = load(&[dir.join(file)], "argo");
        assert_eq!(
            count(
                &hpa,
                "SELECT count(*) FROM kubernetes_horizontal_pod_autoscalers WHERE target_cpu_utilization_percentage > 0"
            ),
            1,
            "{file}: the CPU target from the v2 metrics"
        );
    }
}
