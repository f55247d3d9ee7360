//! `kubernetes_horizontal_pod_autoscalers`: one row per HorizontalPodAutoscaler, read as
//! autoscaling/v1 (whose CPU target and utilization columns kubequery 1.1.1 exposed).

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct Hpa<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
    status: Status<'a>,
}

#[view]
struct Spec<'a> {
    scale_target_ref: Option<&'a RawValue>,
    min_replicas: Option<i64>,
    max_replicas: i64,
    #[serde(rename = "targetCPUUtilizationPercentage")]
    target_cpu_utilization_percentage: Option<i64>,
}

#[view]
struct Status<'a> {
    observed_generation: Option<i64>,
    last_scale_time: Option<Cow<'a, str>>,
    current_replicas: i64,
    desired_replicas: i64,
    #[serde(rename = "currentCPUUtilizationPercentage")]
    current_cpu_utilization_percentage: Option<i64>,
}

/// Go's encoding of the zero CrossVersionObjectReference kubequery emitted when unset.
const ZERO_TARGET: &str = r#"{"kind":"","name":""}"#;

struct HorizontalPodAutoscalers;

impl ObjectTable for HorizontalPodAutoscalers {
    const NAME: &'static str = "kubernetes_horizontal_pod_autoscalers";
    const DESCRIPTION: &'static str = "HorizontalPodAutoscalers (autoscaling/v1), one row each.";
    const SOURCE: Source =
        Source::resource("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler").namespaced();
    type Item<'a> = Hpa<'a>;

    fn write(r: &mut Row, hpa: &Hpa) {
        let (spec, status) = (&hpa.spec, &hpa.status);
        object_columns(r, &hpa.metadata);
        r.json_or(col("scale_target_ref", "spec.scaleTargetRef"), spec.scale_target_ref, ZERO_TARGET);
        r.integer(col("min_replicas", "spec.minReplicas"), spec.min_replicas);
        r.integer(col("max_replicas", "spec.maxReplicas"), Some(spec.max_replicas));
        r.integer(
            col("target_cpu_utilization_percentage", "spec.targetCPUUtilizationPercentage"),
            spec.target_cpu_utilization_percentage,
        );
        r.bigint(col("observed_generation", "status.observedGeneration"), status.observed_generation);
        r.timestamp(col("last_scale_time", "status.lastScaleTime, Unix seconds"), status.last_scale_time.as_deref());
        r.integer(col("current_replicas", "status.currentReplicas"), Some(status.current_replicas));
        r.integer(col("desired_replicas", "status.desiredReplicas"), Some(status.desired_replicas));
        r.integer(
            col("current_cpu_utilization_percentage", "status.currentCPUUtilizationPercentage"),
            status.current_cpu_utilization_percentage,
        );
    }
}

export_table!(HorizontalPodAutoscalers);
