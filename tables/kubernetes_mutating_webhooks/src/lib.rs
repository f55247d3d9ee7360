//! `kubernetes_mutating_webhooks`: one row per webhook of each MutatingWebhookConfiguration (the configuration's own name is not a
//! column in kubequery 1.1.1).

use kubequery_table_sdk::admission::{Configuration, Webhook, webhook_columns};
use kubequery_table_sdk::meta::label_selector_column;
use kubequery_table_sdk::{Row, Rows, Source, Table, export_table};

struct Webhooks;

impl Webhooks {
    fn write(r: &mut Row, w: &Webhook) {
        webhook_columns(r, w, true);
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
