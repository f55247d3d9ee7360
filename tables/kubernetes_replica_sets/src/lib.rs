//! `kubernetes_replica_sets`: one row per ReplicaSet, its pod template then its status.

use kubequery_builtin::workload::PodTemplateSpec;
use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::pod::{SpecOf, pod_spec_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct ReplicaSet<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
    status: Status<'a>,
}

#[view]
struct Spec<'a> {
    replicas: Option<i64>,
    min_ready_seconds: i64,
    selector: Option<&'a RawValue>,
    template: PodTemplateSpec<'a>,
}

#[view]
struct Status<'a> {
    replicas: i64,
    fully_labeled_replicas: i64,
    ready_replicas: i64,
    available_replicas: i64,
    observed_generation: i64,
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
        object_columns(r, &rs.metadata);
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
    }
}

export_table!(ReplicaSets);
