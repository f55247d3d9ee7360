//! `kubernetes_replica_sets`: one row per ReplicaSet, its pod template then its status.

use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::pod::{SpecOf, pod_spec_columns};
use kubequery_table_sdk::workload::PodTemplateSpec;
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct ReplicaSet<'a> {
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    metadata: ObjectMeta<'a>,
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    spec: Spec<'a>,
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    status: Status<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Spec<'a> {
    replicas: Option<i64>,
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    min_ready_seconds: i64,
    #[serde(borrow)]
    selector: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    template: PodTemplateSpec<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Status<'a> {
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    replicas: i64,
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    fully_labeled_replicas: i64,
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    ready_replicas: i64,
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    available_replicas: i64,
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    observed_generation: i64,
    #[serde(borrow)]
    conditions: Option<&'a RawValue>,
}

struct ReplicaSets;

impl ObjectTable for ReplicaSets {
    const NAME: &'static str = "kubernetes_replica_sets";
    const DESCRIPTION: &'static str = "ReplicaSets, one row each: pod template and status.";
    const SOURCE: Source = Source::resource("apps", "v1", "replicasets", "ReplicaSet").namespaced();
    type Item<'a> = ReplicaSet<'a>;

    fn write(r: &mut Row, rs: &ReplicaSet) {
        let (spec, status) = (&rs.spec, &rs.status);
        object_columns(r, &rs.metadata, Scope::Namespaced);
        pod_spec_columns(r, &spec.template.spec, SpecOf::Template);
        r.integer(col("replicas", "status.replicas"), Some(status.replicas));
        r.integer(col("fully_labeled_replicas", "status.fullyLabeledReplicas"), Some(status.fully_labeled_replicas));
        r.integer(col("ready_replicas", "status.readyReplicas"), Some(status.ready_replicas));
        r.integer(col("available_replicas", "status.availableReplicas"), Some(status.available_replicas));
        r.bigint(col("observed_generation", "status.observedGeneration"), Some(status.observed_generation));
        r.json(col("conditions", "status.conditions"), status.conditions);
        r.integer(col("replica_set_replicas", "spec.replicas"), spec.replicas);
        r.integer(col("min_ready_seconds", "spec.minReadySeconds"), Some(spec.min_ready_seconds));
        r.json(col("selector", "spec.selector"), spec.selector);
        label_selector_column(r);
    }
}

export_table!(ReplicaSets);
