//! `kubernetes_service_accounts`: one row per ServiceAccount.

use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ServiceAccount<'a> {
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    metadata: ObjectMeta<'a>,
    #[serde(borrow)]
    secrets: Option<&'a RawValue>,
    #[serde(borrow)]
    image_pull_secrets: Option<&'a RawValue>,
    automount_service_account_token: Option<bool>,
}

struct ServiceAccounts;

impl ObjectTable for ServiceAccounts {
    const NAME: &'static str = "kubernetes_service_accounts";
    const DESCRIPTION: &'static str = "ServiceAccounts, one row each.";
    const SOURCE: Source = Source::resource("", "v1", "serviceaccounts", "ServiceAccount").namespaced();
    type Item<'a> = ServiceAccount<'a>;

    fn write(r: &mut Row, sa: &ServiceAccount) {
        object_columns(r, &sa.metadata, Scope::Namespaced);
        r.json(col("secrets", "secrets"), sa.secrets);
        r.json(col("image_pull_secrets", "imagePullSecrets"), sa.image_pull_secrets);
        r.boolean(
            col("automount_service_account_token", "automountServiceAccountToken"),
            sa.automount_service_account_token,
        );
        label_selector_column(r);
    }
}

export_table!(ServiceAccounts);
