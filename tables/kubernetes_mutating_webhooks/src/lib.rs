//! `kubernetes_mutating_webhooks`: one row per webhook of each MutatingWebhookConfiguration (the configuration's own name is not a
//! column in kubequery 1.1.1).

use std::borrow::Cow;

use kubequery_table_sdk::meta::{cluster_columns, label_selector_column};
use kubequery_table_sdk::{RawValue, Row, Rows, Source, Table, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct Configuration<'a> {
    #[serde(borrow, default)]
    webhooks: Vec<Webhook<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Webhook<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    client_config: Option<&'a RawValue>,
    #[serde(borrow)]
    rules: Option<&'a RawValue>,
    #[serde(borrow)]
    failure_policy: Option<Cow<'a, str>>,
    #[serde(borrow)]
    match_policy: Option<Cow<'a, str>>,
    #[serde(borrow)]
    namespace_selector: Option<&'a RawValue>,
    #[serde(borrow)]
    object_selector: Option<&'a RawValue>,
    #[serde(borrow)]
    side_effects: Option<Cow<'a, str>>,
    timeout_seconds: Option<i64>,
    #[serde(borrow)]
    admission_review_versions: Option<&'a RawValue>,
    #[serde(borrow)]
    reinvocation_policy: Option<Cow<'a, str>>,
}

struct Webhooks;

impl Webhooks {
    fn write(r: &mut Row, w: &Webhook) {
        cluster_columns(r);
        r.text(col("name", "webhooks[].name"), w.name.as_deref());
        r.json(col("client_config", "webhooks[].clientConfig"), w.client_config);
        r.json(col("rules", "webhooks[].rules"), w.rules);
        r.text(col("failure_policy", "webhooks[].failurePolicy"), w.failure_policy.as_deref());
        r.text(col("match_policy", "webhooks[].matchPolicy"), w.match_policy.as_deref());
        r.json(col("namespace_selector", "webhooks[].namespaceSelector"), w.namespace_selector);
        r.json(col("object_selector", "webhooks[].objectSelector"), w.object_selector);
        r.text(col("side_effects", "webhooks[].sideEffects"), w.side_effects.as_deref());
        r.integer(col("timeout_seconds", "webhooks[].timeoutSeconds"), w.timeout_seconds);
        r.json(col("admission_review_versions", "webhooks[].admissionReviewVersions"), w.admission_review_versions);
        r.text(col("reinvocation_policy", "webhooks[].reinvocationPolicy"), w.reinvocation_policy.as_deref());
        label_selector_column(r);
    }
}

impl Table for Webhooks {
    const NAME: &'static str = "kubernetes_mutating_webhooks";
    const DESCRIPTION: &'static str = "Admission webhooks of MutatingWebhookConfigurations, one row per webhook.";
    const SOURCE: Source = Source::resource(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
    );
    type Item<'a> = Configuration<'a>;

    fn describe(row: &mut Row) {
        Self::write(row, &Webhook::default());
    }

    fn rows(config: &Configuration, rows: &mut Rows) {
        for webhook in &config.webhooks {
            rows.row(|r| Self::write(r, webhook));
        }
    }
}

export_table!(Webhooks);
