//! `kubernetes_stateful_sets`: one row per StatefulSet, its pod template, status and claims.

use std::borrow::Cow;

use kubequery_builtin::workload::PodTemplateSpec;
use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::pod::{SpecOf, pod_spec_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct StatefulSet<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
    status: Status<'a>,
}

#[view]
struct Spec<'a> {
    replicas: Option<i64>,
    selector: Option<&'a RawValue>,
    template: PodTemplateSpec<'a>,
    volume_claim_templates: Option<&'a RawValue>,
    service_name: Option<Cow<'a, str>>,
    pod_management_policy: Option<Cow<'a, str>>,
    update_strategy: Option<&'a RawValue>,
    revision_history_limit: Option<i64>,
}

#[view]
struct Status<'a> {
    observed_generation: i64,
    replicas: i64,
    ready_replicas: i64,
    current_replicas: i64,
    updated_replicas: i64,
    current_revision: Option<Cow<'a, str>>,
    update_revision: Option<Cow<'a, str>>,
    collision_count: Option<i64>,
    conditions: Option<&'a RawValue>,
    available_replicas: i64,
}

struct StatefulSets;

impl ObjectTable for StatefulSets {
    const NAME: &'static str = "kubernetes_stateful_sets";
    const DESCRIPTION: &'static str = "StatefulSets, one row each: pod template, status and volume claim templates.";
    const SOURCE: Source = Source::resource("apps", "v1", "statefulsets", "StatefulSet").namespaced();
    type Item<'a> = StatefulSet<'a>;

    fn write(r: &mut Row, ss: &StatefulSet) {
        let (spec, status) = (&ss.spec, &ss.status);
        object_columns(r, &ss.metadata);
        pod_spec_columns(r, &spec.template.spec, SpecOf::Template);
        r.bigint(col("observed_generation", "status.observedGeneration"), Some(status.observed_generation));
        r.integer(col("replicas", "status.replicas"), Some(status.replicas));
        r.integer(col("ready_replicas", "status.readyReplicas"), Some(status.ready_replicas));
        r.integer(col("current_replicas", "status.currentReplicas"), Some(status.current_replicas));
        r.integer(col("updated_replicas", "status.updatedReplicas"), Some(status.updated_replicas));
        r.text(col("current_revision", "status.currentRevision"), status.current_revision.as_deref());
        r.text(col("update_revision", "status.updateRevision"), status.update_revision.as_deref());
        r.integer(col("collision_count", "status.collisionCount"), status.collision_count);
        r.json(col("conditions", "status.conditions"), status.conditions);
        r.integer(col("available_replicas", "status.availableReplicas"), Some(status.available_replicas));
        r.integer(col("stateful_set_replicas", "spec.replicas"), spec.replicas);
        r.json(col("selector", "spec.selector"), spec.selector);
        r.json(col("volume_claim_templates", "spec.volumeClaimTemplates"), spec.volume_claim_templates);
        r.text(col("service_name", "spec.serviceName"), spec.service_name.as_deref());
        r.text(col("pod_management_policy", "spec.podManagementPolicy"), spec.pod_management_policy.as_deref());
        r.json_or(col("update_strategy", "spec.updateStrategy"), spec.update_strategy, "{}");
        r.integer(col("revision_history_limit", "spec.revisionHistoryLimit"), spec.revision_history_limit);
    }
}

export_table!(StatefulSets);
