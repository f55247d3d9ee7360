//! `kubernetes_horizontal_pod_autoscalers`: one row per HorizontalPodAutoscaler, read as
//! autoscaling/v2 (every metric), with kubequery 1.1.1's autoscaling/v1 CPU columns filled from
//! the `cpu` Resource metric. On a cluster too old to serve v2 the host lists v2beta2 (the same
//! shape) or v1, whose CPU fields are read as they are.

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
    metrics: Option<&'a RawValue>,
    behavior: Option<&'a RawValue>,
    /// autoscaling/v1 only.
    #[serde(rename = "targetCPUUtilizationPercentage")]
    target_cpu_utilization_percentage: Option<i64>,
}

#[view]
struct Status<'a> {
    observed_generation: Option<i64>,
    last_scale_time: Option<Cow<'a, str>>,
    current_replicas: i64,
    desired_replicas: i64,
    current_metrics: Option<&'a RawValue>,
    conditions: Option<&'a RawValue>,
    /// autoscaling/v1 only.
    #[serde(rename = "currentCPUUtilizationPercentage")]
    current_cpu_utilization_percentage: Option<i64>,
}

/// A metric of `spec.metrics` or `status.currentMetrics`, as far as the CPU columns need it.
#[view]
struct Metric {
    #[serde(rename = "type")]
    kind: String,
    resource: ResourceMetric,
}

#[view]
struct ResourceMetric {
    name: String,
    target: Value,
    current: Value,
}

/// A v2 `MetricTarget` or `MetricValueStatus`: the utilization is the CPU columns' value.
#[view]
struct Value {
    average_utilization: Option<i64>,
}

/// The CPU utilization (a `target` or a `current` value, picked by `value`) of the `cpu`
/// Resource metric among `metrics`, parsed only when a CPU column is read.
fn cpu(metrics: Option<&RawValue>, value: impl Fn(&ResourceMetric) -> &Value) -> Option<i64> {
    let metrics: Vec<Metric> = serde_json::from_str(metrics?.get()).ok()?;
    metrics
        .iter()
        .filter(|m| m.kind == "Resource" && m.resource.name == "cpu")
        .find_map(|m| value(&m.resource).average_utilization)
}

/// Go's encoding of the zero CrossVersionObjectReference kubequery emitted when unset.
const ZERO_TARGET: &str = r#"{"kind":"","name":""}"#;

struct HorizontalPodAutoscalers;

impl ObjectTable for HorizontalPodAutoscalers {
    const NAME: &'static str = "kubernetes_horizontal_pod_autoscalers";
    const DESCRIPTION: &'static str = "HorizontalPodAutoscalers (autoscaling/v2), one row each.";
    const SOURCE: Source =
        Source::resource("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler").namespaced();
    type Item<'a> = Hpa<'a>;

    fn write(r: &mut Row, hpa: &Hpa) {
        let (spec, status) = (&hpa.spec, &hpa.status);
        object_columns(r, &hpa.metadata);
        r.json_or(col("scale_target_ref", "spec.scaleTargetRef"), spec.scale_target_ref, ZERO_TARGET);
        r.integer(col("min_replicas", "spec.minReplicas"), spec.min_replicas);
        r.integer(col("max_replicas", "spec.maxReplicas"), Some(spec.max_replicas));
        let target_cpu = if r.reads_next() {
            spec.target_cpu_utilization_percentage.or_else(|| cpu(spec.metrics, |r| &r.target))
        } else {
            None
        };
        r.integer(
            col("target_cpu_utilization_percentage", "the cpu Resource metric's target averageUtilization"),
            target_cpu,
        );
        r.bigint(col("observed_generation", "status.observedGeneration"), status.observed_generation);
        r.timestamp(col("last_scale_time", "status.lastScaleTime, Unix seconds"), status.last_scale_time.as_deref());
        r.integer(col("current_replicas", "status.currentReplicas"), Some(status.current_replicas));
        r.integer(col("desired_replicas", "status.desiredReplicas"), Some(status.desired_replicas));
        let current_cpu = if r.reads_next() {
            status.current_cpu_utilization_percentage.or_else(|| cpu(status.current_metrics, |r| &r.current))
        } else {
            None
        };
        r.integer(
            col("current_cpu_utilization_percentage", "the cpu Resource metric's current averageUtilization"),
            current_cpu,
        );
        r.json(col("metrics", "spec.metrics"), spec.metrics);
        r.json(col("behavior", "spec.behavior"), spec.behavior);
        r.json(col("current_metrics", "status.currentMetrics"), status.current_metrics);
        r.json(col("conditions", "status.conditions"), status.conditions);
    }
}

export_table!(HorizontalPodAutoscalers);
