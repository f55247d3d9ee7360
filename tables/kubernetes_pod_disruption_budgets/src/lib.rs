//! `kubernetes_pod_disruption_budgets`: one row per PodDisruptionBudget (policy/v1).

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct Pdb<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
    status: Status<'a>,
}

#[view]
struct Spec<'a> {
    min_available: Option<&'a RawValue>,
    selector: Option<&'a RawValue>,
    max_unavailable: Option<&'a RawValue>,
}

#[view]
struct Status<'a> {
    observed_generation: i64,
    disrupted_pods: Option<&'a RawValue>,
    disruptions_allowed: i64,
    current_healthy: i64,
    desired_healthy: i64,
    expected_pods: i64,
    conditions: Option<&'a RawValue>,
}

struct PodDisruptionBudgets;

impl ObjectTable for PodDisruptionBudgets {
    const NAME: &'static str = "kubernetes_pod_disruption_budgets";
    const DESCRIPTION: &'static str = "PodDisruptionBudgets, one row each.";
    const SOURCE: Source = Source::resource("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget").namespaced();
    type Item<'a> = Pdb<'a>;

    fn write(r: &mut Row, pdb: &Pdb) {
        let (spec, status) = (&pdb.spec, &pdb.status);
        object_columns(r, &pdb.metadata);
        // IntOrString as JSON: 1 or "50%", quotes included, as kubequery rendered it.
        r.json(col("min_available", "spec.minAvailable (JSON scalar)"), spec.min_available);
        r.json(col("selector", "spec.selector"), spec.selector);
        r.json(col("max_unavailable", "spec.maxUnavailable (JSON scalar)"), spec.max_unavailable);
        r.bigint(col("observed_generation", "status.observedGeneration"), Some(status.observed_generation));
        r.json(col("disrupted_pods", "status.disruptedPods"), status.disrupted_pods);
        r.integer(col("disruptions_allowed", "status.disruptionsAllowed"), Some(status.disruptions_allowed));
        r.integer(col("current_healthy", "status.currentHealthy"), Some(status.current_healthy));
        r.integer(col("desired_healthy", "status.desiredHealthy"), Some(status.desired_healthy));
        r.integer(col("expected_pods", "status.expectedPods"), Some(status.expected_pods));
        r.json(col("conditions", "status.conditions"), status.conditions);
    }
}

export_table!(PodDisruptionBudgets);
