//! `kubernetes_deployments`: one row per Deployment, its pod template, status and strategy.

use kubequery_builtin::workload::PodTemplateSpec;
use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::pod::{SpecOf, pod_spec_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct Deployment<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
    status: Status<'a>,
}

#[view]
struct Spec<'a> {
    replicas: Option<i64>,
    selector: Option<&'a RawValue>,
    template: PodTemplateSpec<'a>,
    strategy: Option<&'a RawValue>,
    min_ready_seconds: i64,
    revision_history_limit: Option<i64>,
    paused: bool,
    progress_deadline_seconds: Option<i64>,
}

#[view]
struct Status<'a> {
    observed_generation: i64,
    replicas: i64,
    updated_replicas: i64,
    ready_replicas: i64,
    available_replicas: i64,
    unavailable_replicas: i64,
    conditions: Option<&'a RawValue>,
    collision_count: Option<i64>,
}

struct Deployments;

impl ObjectTable for Deployments {
    const NAME: &'static str = "kubernetes_deployments";
    const DESCRIPTION: &'static str = "Deployments, one row each: pod template, status and rollout strategy.";
    const SOURCE: Source = Source::resource("apps", "v1", "deployments", "Deployment").namespaced();
    type Item<'a> = Deployment<'a>;

    fn write(r: &mut Row, d: &Deployment) {
        let (spec, status) = (&d.spec, &d.status);
        object_columns(r, &d.metadata);
        pod_spec_columns(r, &spec.template.spec, SpecOf::Template);
        r.bigint(col("observed_generation", "status.observedGeneration"), Some(status.observed_generation));
        r.integer(col("replicas", "status.replicas"), Some(status.replicas));
        r.integer(col("updated_replicas", "status.updatedReplicas"), Some(status.updated_replicas));
        r.integer(col("ready_replicas", "status.readyReplicas"), Some(status.ready_replicas));
        r.integer(col("available_replicas", "status.availableReplicas"), Some(status.available_replicas));
        r.integer(col("unavailable_replicas", "status.unavailableReplicas"), Some(status.unavailable_replicas));
        r.json(col("conditions", "status.conditions"), status.conditions);
        r.integer(col("collision_count", "status.collisionCount"), status.collision_count);
        r.integer(col("deployment_replicas", "spec.replicas"), spec.replicas);
        r.json(col("selector", "spec.selector"), spec.selector);
        r.json_or(col("strategy", "spec.strategy"), spec.strategy, "{}");
        r.integer(col("min_ready_seconds", "spec.minReadySeconds"), Some(spec.min_ready_seconds));
        r.integer(col("revision_history_limit", "spec.revisionHistoryLimit"), spec.revision_history_limit);
        r.boolean(col("paused", "spec.paused"), Some(spec.paused));
        r.integer(col("progress_deadline_seconds", "spec.progressDeadlineSeconds"), spec.progress_deadline_seconds);
    }
}

export_table!(Deployments);
