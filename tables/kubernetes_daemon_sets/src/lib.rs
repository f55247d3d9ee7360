//! `kubernetes_daemon_sets`: one row per DaemonSet, its pod template then its status.

use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::pod::{PodSpec, SpecOf, pod_spec_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct DaemonSet<'a> {
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
    #[serde(borrow)]
    selector: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    template: Template<'a>,
    #[serde(borrow)]
    update_strategy: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    min_ready_seconds: i64,
    revision_history_limit: Option<i64>,
}

#[derive(Deserialize, Default)]
struct Template<'a> {
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    spec: PodSpec<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Status<'a> {
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    current_number_scheduled: i64,
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    number_misscheduled: i64,
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    desired_number_scheduled: i64,
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    number_ready: i64,
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    observed_generation: i64,
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    updated_number_scheduled: i64,
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    number_available: i64,
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    number_unavailable: i64,
    collision_count: Option<i64>,
    #[serde(borrow)]
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
        object_columns(r, &ds.metadata, Scope::Namespaced);
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
        label_selector_column(r);
    }
}

export_table!(DaemonSets);
