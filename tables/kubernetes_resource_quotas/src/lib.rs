//! `kubernetes_resource_quotas`: one row per ResourceQuota.

use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct ResourceQuota<'a> {
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
    hard: Option<&'a RawValue>,
    #[serde(borrow)]
    scopes: Option<&'a RawValue>,
    #[serde(borrow)]
    scope_selector: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Status<'a> {
    #[serde(borrow)]
    hard: Option<&'a RawValue>,
    #[serde(borrow)]
    used: Option<&'a RawValue>,
}

struct ResourceQuotas;

impl ObjectTable for ResourceQuotas {
    const NAME: &'static str = "kubernetes_resource_quotas";
    const DESCRIPTION: &'static str = "ResourceQuotas, one row each: limits and usage.";
    const SOURCE: Source = Source::resource("", "v1", "resourcequotas", "ResourceQuota").namespaced();
    type Item<'a> = ResourceQuota<'a>;

    fn write(r: &mut Row, q: &ResourceQuota) {
        object_columns(r, &q.metadata, Scope::Namespaced);
        r.json(col("hard", "spec.hard"), q.spec.hard);
        r.json(col("scopes", "spec.scopes"), q.spec.scopes);
        r.json(col("scope_selector", "spec.scopeSelector"), q.spec.scope_selector);
        r.json(col("status_hard", "status.hard"), q.status.hard);
        r.json(col("status_used", "status.used"), q.status.used);
        label_selector_column(r);
    }
}

export_table!(ResourceQuotas);
