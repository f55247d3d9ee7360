//! `kubernetes_daemon_sets`: one row per DaemonSet, its pod template then its status.

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::pod::{PodSpec, SpecOf, pod_spec_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct DaemonSet<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
    status: Status<'a>,
}

#[view]
struct Spec<'a> {
    selector: Option<&'a RawValue>,
    template: Template<'a>,
    update_strategy: Option<&'a RawValue>,
    min_ready_seconds: i64,
    revision_history_limit: Option<i64>,
}

#[view]
struct Template<'a> {
    spec: PodSpec<'a>,
}

#[view]
struct Status<'a> {
    current_number_scheduled: i64,
    number_misscheduled: i64,
    desired_number_scheduled: i64,
    number_ready: i64,
    observed_generation: i64,
    updated_number_scheduled: i64,
    number_available: i64,
    number_unavailable: i64,
    collision_count: Option<i64>,
    conditions: Option<&'a RawValue>,
}

struct DaemonSets;

impl ObjectTable for DaemonSets {
    const NAME: &'static str = "kubernetes_daemon_sets";
    const DESCRIPTION: &'static str = "DaemonSets, one row each: pod template and status.";
    const SOURCE: Source = Source::resource("apps", "v1", "daemonsets", "DaemonSet").namespaced();
    type Item<'a> = DaemonSet<'a>;

    fn write(r: &mut Row, ds: &DaemonSet) {
        let (spec, status) = (&ds.spec, &ds.status);
        object_columns(r, &ds.metadata);
        pod_spec_columns(r, &spec.template.spec, SpecOf::Template);
        r.integer(
            col("current_number_scheduled", "status.currentNumberScheduled"),
            Some(status.current_number_scheduled),
        );
        r.integer(col("number_misscheduled", "status.numberMisscheduled"), Some(status.number_misscheduled));
        r.integer(
            col("desired_number_scheduled", "status.desiredNumberScheduled"),
            Some(status.desired_number_scheduled),
        );
        r.integer(col("number_ready", "status.numberReady"), Some(status.number_ready));
        r.bigint(col("observed_generation", "status.observedGeneration"), Some(status.observed_generation));
        r.integer(
            col("updated_number_scheduled", "status.updatedNumberScheduled"),
            Some(status.updated_number_scheduled),
        );
        r.integer(col("number_available", "status.numberAvailable"), Some(status.number_available));
        r.integer(col("number_unavailable", "status.numberUnavailable"), Some(status.number_unavailable));
        r.integer(col("collision_count", "status.collisionCount"), status.collision_count);
        r.json(col("conditions", "status.conditions"), status.conditions);
        r.json(col("selector", "spec.selector"), spec.selector);
        r.json_or(col("update_strategy", "spec.updateStrategy"), spec.update_strategy, "{}");
        r.integer(col("min_ready_seconds", "spec.minReadySeconds"), Some(spec.min_ready_seconds));
        r.integer(col("revision_history_limit", "spec.revisionHistoryLimit"), spec.revision_history_limit);
    }
}

export_table!(DaemonSets);
