//! `kubernetes_validating_webhooks`: one row per webhook of each ValidatingWebhookConfiguration (the configuration's own name is not a
//! column in kubequery 1.1.1).

use kubequery_builtin::admission::ValidatingWebhooks;
use kubequery_table_sdk::export_table;

export_table!(ValidatingWebhooks);
