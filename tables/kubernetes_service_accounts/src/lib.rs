//! `kubernetes_service_accounts`: one row per ServiceAccount.

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct ServiceAccount<'a> {
    metadata: ObjectMeta<'a>,
    secrets: Option<&'a RawValue>,
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
        object_columns(r, &sa.metadata);
        r.json(col("secrets", "secrets"), sa.secrets);
        r.json(col("image_pull_secrets", "imagePullSecrets"), sa.image_pull_secrets);
        r.boolean(
            col("automount_service_account_token", "automountServiceAccountToken"),
            sa.automount_service_account_token,
        );
    }
}

export_table!(ServiceAccounts);
