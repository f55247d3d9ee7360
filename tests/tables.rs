//! Tables against hand-checked expected rows.
//!
//! Inputs are kubequery 1.1.1's own test objects (tests/fixtures/kubequery-1.1.1), objects
//! written for the resources those lack (tests/fixtures/modern-cluster: PVs of four source
//! kinds, PVCs, pod templates, quotas, limit ranges, HPAs, jobs, cron jobs, events, webhooks,
//! volume attachments, a CSINode, `version.json` and discovery documents) and a pod list for
//! container statuses (tests/fixtures/pod-statuses: statuses out of order, init and ephemeral
//! containers, a pending pod without statuses). Expected rows live in
//! tests/fixtures/expected/<snapshot>/<table>.json and were derived by hand from the spec;
//! every column of every row is compared, JSON-valued columns as parsed documents. Each table
//! is also read a column at a time apart (every other column), which its component computes
//! alone (WIT 0.2's projection): the values must be the same.

use crate::common;

use std::collections::BTreeSet;
use std::sync::Arc;

use kubequery::sources::snapshot::Snapshot;

fn check(snapshot: &str, table: &str) {
    let catalog = common::builtin_catalog();
    let source = Snapshot::load_dir(&common::fixture(snapshot), None).expect("loading the fixture snapshot");
    assert!(source.problems().is_empty(), "fixture problems: {:?}", source.problems());
    let source = Arc::new(source);
    let mut rows = common::query(&catalog, source.clone(), &format!("SELECT * FROM {table}"))
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
    // Every other column alone: the table computes only those, with the same values.
    let some: Vec<&str> = rows.first().map(|r| r.keys().map(String::as_str).step_by(2).collect()).unwrap_or_default();
    if !some.is_empty() {
        let mut projected = common::query(&catalog, source, &format!("SELECT {} FROM {table}", some.join(", ")))
            .unwrap_or_else(|e| panic!("{table}: {e:?}"))
            .remove(0);
        common::parse_json_columns(schema, &mut projected);
        for (n, (row, full)) in projected.iter().zip(&rows).enumerate() {
            for column in &some {
                assert_eq!(
                    row.get(*column),
                    full.get(*column),
                    "{table} row {n} column {column}, read with fewer columns"
                );
            }
        }
        assert_eq!(projected.len(), rows.len(), "{table}: row count with fewer columns");
    }
}

/// One test per expected-rows file, named after its snapshot and table.
macro_rules! conformance {
    ($($test:ident: $snapshot:literal, $table:literal;)*) => {
        $(
            #[test]
            fn $test() {
                check($snapshot, $table);
            }
        )*

        /// Every built-in table is checked against at least one non-empty expected file.
        #[test]
        fn every_builtin_table_has_hand_checked_rows() {
            let mut covered = BTreeSet::new();
            $(
                let path = common::fixture(&format!("expected/{}/{}.json", $snapshot, $table));
                let rows: Vec<serde_json::Value> =
                    serde_json::from_slice(&std::fs::read(&path).expect("expected file")).expect("JSON");
                if !rows.is_empty() {
                    covered.insert($table);
                }
            )*
            let catalog = common::builtin_catalog();
            // kubequery's own state has no rows on a snapshot; tests/watch.rs checks its rows.
            let missing: Vec<_> = catalog
                .tables()
                .map(|t| t.schema.name.as_str())
                .filter(|name| !covered.contains(name) && !name.starts_with("kubequery_"))
                .collect();
            assert!(missing.is_empty(), "tables without hand-checked rows: {missing:?}");
        }
    };
}

conformance! {
    kubequery_1_1_1_cluster_role_binding_subjects: "kubequery-1.1.1", "kubernetes_cluster_role_binding_subjects";
    kubequery_1_1_1_cluster_role_policy_rules: "kubequery-1.1.1", "kubernetes_cluster_role_policy_rules";
    kubequery_1_1_1_component_statuses: "kubequery-1.1.1", "kubernetes_component_statuses";
    kubequery_1_1_1_config_maps: "kubequery-1.1.1", "kubernetes_config_maps";
    kubequery_1_1_1_csi_drivers: "kubequery-1.1.1", "kubernetes_csi_drivers";
    kubequery_1_1_1_csi_node_drivers: "kubequery-1.1.1", "kubernetes_csi_node_drivers";
    kubequery_1_1_1_daemon_set_containers: "kubequery-1.1.1", "kubernetes_daemon_set_containers";
    kubequery_1_1_1_daemon_set_volumes: "kubequery-1.1.1", "kubernetes_daemon_set_volumes";
    kubequery_1_1_1_daemon_sets: "kubequery-1.1.1", "kubernetes_daemon_sets";
    kubequery_1_1_1_deployments: "kubequery-1.1.1", "kubernetes_deployments";
    kubequery_1_1_1_deployments_containers: "kubequery-1.1.1", "kubernetes_deployments_containers";
    kubequery_1_1_1_deployments_volumes: "kubequery-1.1.1", "kubernetes_deployments_volumes";
    kubequery_1_1_1_endpoint_subsets: "kubequery-1.1.1", "kubernetes_endpoint_subsets";
    kubequery_1_1_1_ingress_classes: "kubequery-1.1.1", "kubernetes_ingress_classes";
    kubequery_1_1_1_ingresses: "kubequery-1.1.1", "kubernetes_ingresses";
    kubequery_1_1_1_namespaces: "kubequery-1.1.1", "kubernetes_namespaces";
    kubequery_1_1_1_network_policies: "kubequery-1.1.1", "kubernetes_network_policies";
    kubequery_1_1_1_nodes: "kubequery-1.1.1", "kubernetes_nodes";
    kubequery_1_1_1_pod_containers: "kubequery-1.1.1", "kubernetes_pod_containers";
    kubequery_1_1_1_pod_disruption_budgets: "kubequery-1.1.1", "kubernetes_pod_disruption_budgets";
    kubequery_1_1_1_pod_security_policies: "kubequery-1.1.1", "kubernetes_pod_security_policies";
    kubequery_1_1_1_pod_volumes: "kubequery-1.1.1", "kubernetes_pod_volumes";
    kubequery_1_1_1_pods: "kubequery-1.1.1", "kubernetes_pods";
    kubequery_1_1_1_replica_set_containers: "kubequery-1.1.1", "kubernetes_replica_set_containers";
    kubequery_1_1_1_replica_set_volumes: "kubequery-1.1.1", "kubernetes_replica_set_volumes";
    kubequery_1_1_1_replica_sets: "kubequery-1.1.1", "kubernetes_replica_sets";
    kubequery_1_1_1_role_binding_subjects: "kubequery-1.1.1", "kubernetes_role_binding_subjects";
    kubequery_1_1_1_role_policy_rules: "kubequery-1.1.1", "kubernetes_role_policy_rules";
    kubequery_1_1_1_secrets: "kubequery-1.1.1", "kubernetes_secrets";
    kubequery_1_1_1_service_accounts: "kubequery-1.1.1", "kubernetes_service_accounts";
    kubequery_1_1_1_services: "kubequery-1.1.1", "kubernetes_services";
    kubequery_1_1_1_stateful_set_containers: "kubequery-1.1.1", "kubernetes_stateful_set_containers";
    kubequery_1_1_1_stateful_set_volumes: "kubequery-1.1.1", "kubernetes_stateful_set_volumes";
    kubequery_1_1_1_stateful_sets: "kubequery-1.1.1", "kubernetes_stateful_sets";
    kubequery_1_1_1_storage_classes: "kubequery-1.1.1", "kubernetes_storage_classes";
    modern_cluster_api_resources: "modern-cluster", "kubernetes_api_resources";
    modern_cluster_cron_jobs: "modern-cluster", "kubernetes_cron_jobs";
    modern_cluster_csi_node_drivers: "modern-cluster", "kubernetes_csi_node_drivers";
    modern_cluster_events: "modern-cluster", "kubernetes_events";
    modern_cluster_horizontal_pod_autoscalers: "modern-cluster", "kubernetes_horizontal_pod_autoscalers";
    modern_cluster_info: "modern-cluster", "kubernetes_info";
    modern_cluster_jobs: "modern-cluster", "kubernetes_jobs";
    modern_cluster_limit_ranges: "modern-cluster", "kubernetes_limit_ranges";
    modern_cluster_mutating_webhooks: "modern-cluster", "kubernetes_mutating_webhooks";
    modern_cluster_namespaces: "modern-cluster", "kubernetes_namespaces";
    modern_cluster_persistent_volume_claims: "modern-cluster", "kubernetes_persistent_volume_claims";
    modern_cluster_persistent_volumes: "modern-cluster", "kubernetes_persistent_volumes";
    modern_cluster_pod_template_containers: "modern-cluster", "kubernetes_pod_template_containers";
    modern_cluster_pod_templates: "modern-cluster", "kubernetes_pod_templates";
    modern_cluster_pod_templates_volumes: "modern-cluster", "kubernetes_pod_templates_volumes";
    modern_cluster_replica_set_volumes: "modern-cluster", "kubernetes_replica_set_volumes";
    modern_cluster_resource_quotas: "modern-cluster", "kubernetes_resource_quotas";
    modern_cluster_validating_webhooks: "modern-cluster", "kubernetes_validating_webhooks";
    modern_cluster_volume_attachments: "modern-cluster", "kubernetes_volume_attachments";
    pod_statuses_pod_containers: "pod-statuses", "kubernetes_pod_containers";
    pod_statuses_pods: "pod-statuses", "kubernetes_pods";
}
