//! `kubernetes_role_policy_rules`: one row per rule of each Role (roles without rules have no rows).

use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::{RawValue, Row, Rows, Source, Table, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Role<'a> {
    #[serde(borrow, default)]
    metadata: ObjectMeta<'a>,
    #[serde(borrow, default)]
    rules: Vec<Rule<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    #[serde(borrow)]
    verbs: Option<&'a RawValue>,
    #[serde(borrow)]
    api_groups: Option<&'a RawValue>,
    #[serde(borrow)]
    resources: Option<&'a RawValue>,
    #[serde(borrow)]
    resource_names: Option<&'a RawValue>,
    #[serde(borrow, rename = "nonResourceURLs")]
    non_resource_urls: Option<&'a RawValue>,
}

struct Rules;

impl Rules {
    fn write(r: &mut Row, role: &Role, rule: &Rule) {
        object_columns(r, &role.metadata, Scope::Namespaced);
        r.json(col("verbs", "rules[].verbs"), rule.verbs);
        r.json(col("api_groups", "rules[].apiGroups"), rule.api_groups);
        r.json(col("resources", "rules[].resources"), rule.resources);
        r.json(col("resource_names", "rules[].resourceNames"), rule.resource_names);
        r.json(col("non_resource_urls", "rules[].nonResourceURLs"), rule.non_resource_urls);
        label_selector_column(r);
    }
}

impl Table for Rules {
    const NAME: &'static str = "kubernetes_role_policy_rules";
    const DESCRIPTION: &'static str = "Rules of Roles, one row each.";
    const SOURCE: Source = Source::resource("rbac.authorization.k8s.io", "v1", "roles", "Role").namespaced();
    type Item<'a> = Role<'a>;

    fn describe(row: &mut Row) {
        Self::write(row, &Role::default(), &Rule::default());
    }

    fn rows(role: &Role, rows: &mut Rows) {
        for rule in &role.rules {
            rows.row(|r| Self::write(r, role, rule));
        }
    }
}

export_table!(Rules);
