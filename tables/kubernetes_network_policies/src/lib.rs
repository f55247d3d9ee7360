//! `kubernetes_network_policies`: one row per ingress rule, then one per egress rule, of each
//! NetworkPolicy (a policy without rules, such as a default deny, has no rows).

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{RawValue, Row, Rows, Source, Table, col, export_table, view};

#[view]
struct NetworkPolicy<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
}

#[view]
struct Spec<'a> {
    pod_selector: Option<&'a RawValue>,
    policy_types: Option<&'a RawValue>,
    ingress: Vec<PolicyRule<'a>>,
    egress: Vec<PolicyRule<'a>>,
}

#[view]
struct PolicyRule<'a> {
    ports: Option<&'a RawValue>,
    from: Option<&'a RawValue>,
    to: Option<&'a RawValue>,
}

struct NetworkPolicies;

impl NetworkPolicies {
    fn write(r: &mut Row, np: &NetworkPolicy, kind: &str, rule: &PolicyRule) {
        object_columns(r, &np.metadata);
        r.json_or(col("pod_selector", "spec.podSelector"), np.spec.pod_selector, "{}");
        r.json(col("policy_types", "spec.policyTypes"), np.spec.policy_types);
        r.text(col("type", "ingress or egress"), Some(kind));
        r.json(col("ports", "spec.ingress[].ports / spec.egress[].ports"), rule.ports);
        r.json(col("from_to", "spec.ingress[].from / spec.egress[].to"), rule.from.or(rule.to));
    }
}

impl Table for NetworkPolicies {
    const NAME: &'static str = "kubernetes_network_policies";
    const DESCRIPTION: &'static str = "NetworkPolicy rules, one row per ingress or egress rule.";
    const SOURCE: Source = Source::resource("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy").namespaced();
    type Item<'a> = NetworkPolicy<'a>;

    fn describe(row: &mut Row) {
        Self::write(row, &NetworkPolicy::default(), "ingress", &PolicyRule::default());
    }

    fn rows(np: &NetworkPolicy, rows: &mut Rows) {
        for rule in &np.spec.ingress {
            rows.row(|r| Self::write(r, np, "ingress", rule));
        }
        for rule in &np.spec.egress {
            rows.row(|r| Self::write(r, np, "egress", rule));
        }
    }
}

export_table!(NetworkPolicies);
