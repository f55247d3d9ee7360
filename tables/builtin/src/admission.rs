//! Admission webhooks: one row per `webhooks[]` entry of a Mutating- or
//! ValidatingWebhookConfiguration, with the same columns (mutating ones add
//! `reinvocation_policy`).

use std::borrow::Cow;

use kubequery_table_sdk::meta::cluster_columns;
use kubequery_table_sdk::{RawValue, Row, Rows, Source, Table, col, view};

/// A webhook configuration: only its webhooks are columns in kubequery 1.1.1.
#[view]
pub struct Configuration<'a> {
    pub webhooks: Vec<Webhook<'a>>,
}

/// One webhook of a configuration.
#[view]
pub struct Webhook<'a> {
    pub name: Option<Cow<'a, str>>,
    pub client_config: Option<&'a RawValue>,
    pub rules: Option<&'a RawValue>,
    pub failure_policy: Option<Cow<'a, str>>,
    pub match_policy: Option<Cow<'a, str>>,
    pub namespace_selector: Option<&'a RawValue>,
    pub object_selector: Option<&'a RawValue>,
    pub side_effects: Option<Cow<'a, str>>,
    pub timeout_seconds: Option<i64>,
    pub admission_review_versions: Option<&'a RawValue>,
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
