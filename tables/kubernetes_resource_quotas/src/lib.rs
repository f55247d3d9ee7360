//! `kubernetes_resource_quotas`: one row per ResourceQuota.

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct ResourceQuota<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
    status: Status<'a>,
}

#[view]
struct Spec<'a> {
    hard: Option<&'a RawValue>,
    scopes: Option<&'a RawValue>,
    scope_selector: Option<&'a RawValue>,
}

#[view]
struct Status<'a> {
    hard: Option<&'a RawValue>,
    used: Option<&'a RawValue>,
}

struct ResourceQuotas;

impl ObjectTable for ResourceQuotas {
    const NAME: &'static str = "kubernetes_resource_quotas";
    const DESCRIPTION: &'static str = "ResourceQuotas, one row each: limits and usage.";
    const SOURCE: Source = Source::resource("", "v1", "resourcequotas", "ResourceQuota").namespaced();
    type Item<'a> = ResourceQuota<'a>;

    fn write(r: &mut Row, q: &ResourceQuota) {
        object_columns(r, &q.metadata);
        r.json(col("hard", "spec.hard"), q.spec.hard);
        r.json(col("scopes", "spec.scopes"), q.spec.scopes);
        r.json(col("scope_selector", "spec.scopeSelector"), q.spec.scope_selector);
        r.json(col("status_hard", "status.hard"), q.status.hard);
        r.json(col("status_used", "status.used"), q.status.used);
    }
}

export_table!(ResourceQuotas);
