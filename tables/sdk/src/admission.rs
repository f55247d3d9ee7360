//! Admission webhooks: one row per `webhooks[]` entry of a Mutating- or
//! ValidatingWebhookConfiguration, with the same columns (mutating ones add
//! `reinvocation_policy`).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::meta::{cluster_columns, label_selector_column};
use crate::{Row, Rows, Source, Table, col};

/// A webhook configuration: only its webhooks are columns in kubequery 1.1.1.
#[derive(Deserialize, Default)]
pub struct Configuration<'a> {
    #[serde(borrow, default, deserialize_with = "crate::json::nullable")]
    pub webhooks: Vec<Webhook<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Webhook<'a> {
    #[serde(borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub client_config: Option<&'a RawValue>,
    #[serde(borrow)]
    pub rules: Option<&'a RawValue>,
    #[serde(borrow)]
    pub failure_policy: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub match_policy: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub namespace_selector: Option<&'a RawValue>,
    #[serde(borrow)]
    pub object_selector: Option<&'a RawValue>,
    #[serde(borrow)]
    pub side_effects: Option<Cow<'a, str>>,
    pub timeout_seconds: Option<i64>,
    #[serde(borrow)]
    pub admission_review_versions: Option<&'a RawValue>,
    #[serde(borrow)]
    pub reinvocation_policy: Option<Cow<'a, str>>,
}

/// The webhook columns, from `cluster_name` to `admission_review_versions`,
/// `reinvocation_policy` for mutating webhooks, and the hidden `label_selector`.
fn webhook_columns(r: &mut Row, w: &Webhook, mutating: bool) {
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
    if mutating {
        r.text(col("reinvocation_policy", "webhooks[].reinvocationPolicy"), w.reinvocation_policy.as_deref());
    }
    label_selector_column(r);
}

macro_rules! webhooks_table {
    ($table:ident, $name:literal, $kind:literal, $plural:literal, $mutating:literal) => {
        #[doc = concat!("`", $name, "`: one row per webhook of each ", $kind, ".")]
        pub struct $table;

        impl Table for $table {
            const NAME: &'static str = $name;
            const DESCRIPTION: &'static str = concat!("Admission webhooks of ", $kind, "s, one row per webhook.");
            const SOURCE: Source = Source::resource("admissionregistration.k8s.io", "v1", $plural, $kind);
            type Item<'a> = Configuration<'a>;

            fn describe(row: &mut Row) {
                webhook_columns(row, &Webhook::default(), $mutating);
            }

            fn rows(config: &Configuration, rows: &mut Rows) {
                for webhook in &config.webhooks {
                    rows.row(|r| webhook_columns(r, webhook, $mutating));
                }
            }
        }
    };
}

webhooks_table!(
    MutatingWebhooks,
    "kubernetes_mutating_webhooks",
    "MutatingWebhookConfiguration",
    "mutatingwebhookconfigurations",
    true
);
webhooks_table!(
    ValidatingWebhooks,
    "kubernetes_validating_webhooks",
    "ValidatingWebhookConfiguration",
    "validatingwebhookconfigurations",
    false
);
