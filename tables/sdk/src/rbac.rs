//! RBAC tables: one row per subject of each (Cluster)RoleBinding and one row per rule of each
//! (Cluster)Role. The cluster and namespaced variants differ only in their common columns and
//! in one column each (`role_api_group` for cluster bindings, `aggregation_rule` for
//! ClusterRoles), so all four tables live here.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use crate::{Row, Rows, Source, Table, col};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Binding<'a> {
    #[serde(borrow, default, deserialize_with = "crate::json::nullable")]
    pub metadata: ObjectMeta<'a>,
    #[serde(borrow, default, deserialize_with = "crate::json::nullable")]
    pub role_ref: RoleRef<'a>,
    #[serde(borrow, default, deserialize_with = "crate::json::nullable")]
    pub subjects: Vec<Subject<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RoleRef<'a> {
    #[serde(borrow)]
    pub api_group: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub name: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
pub struct Subject<'a> {
    #[serde(borrow)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub namespace: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Role<'a> {
    #[serde(borrow, default, deserialize_with = "crate::json::nullable")]
    pub metadata: ObjectMeta<'a>,
    #[serde(borrow, default, deserialize_with = "crate::json::nullable")]
    pub rules: Vec<Rule<'a>>,
    #[serde(borrow)]
    pub aggregation_rule: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Rule<'a> {
    #[serde(borrow)]
    pub verbs: Option<&'a RawValue>,
    #[serde(borrow)]
    pub api_groups: Option<&'a RawValue>,
    #[serde(borrow)]
    pub resources: Option<&'a RawValue>,
    #[serde(borrow)]
    pub resource_names: Option<&'a RawValue>,
    #[serde(borrow, rename = "nonResourceURLs")]
    pub non_resource_urls: Option<&'a RawValue>,
}

fn subject_columns(r: &mut Row, b: &Binding, s: &Subject, scope: Scope) {
    object_columns(r, &b.metadata, scope);
    if scope == Scope::Cluster {
        r.text(col("role_api_group", "roleRef.apiGroup"), b.role_ref.api_group.as_deref());
    }
    r.text(col("role_name", "roleRef.name"), b.role_ref.name.as_deref());
    r.text(col("role_kind", "roleRef.kind"), b.role_ref.kind.as_deref());
    r.text(col("subject_name", "subjects[].name"), s.name.as_deref());
    r.text(col("subject_kind", "subjects[].kind"), s.kind.as_deref());
    r.text(col("subject_namespace", "subjects[].namespace"), s.namespace.as_deref());
    label_selector_column(r);
}

fn rule_columns(r: &mut Row, role: &Role, rule: &Rule, scope: Scope) {
    object_columns(r, &role.metadata, scope);
    r.json(col("verbs", "rules[].verbs"), rule.verbs);
    r.json(col("api_groups", "rules[].apiGroups"), rule.api_groups);
    r.json(col("resources", "rules[].resources"), rule.resources);
    r.json(col("resource_names", "rules[].resourceNames"), rule.resource_names);
    r.json(col("non_resource_urls", "rules[].nonResourceURLs"), rule.non_resource_urls);
    if scope == Scope::Cluster {
        r.json(col("aggregation_rule", "aggregationRule"), role.aggregation_rule);
    }
    label_selector_column(r);
}

macro_rules! subjects_table {
    ($table:ident, $name:literal, $kind:literal, $scope:expr, $source:expr) => {
        #[doc = concat!("`", $name, "`: one row per subject of each ", $kind, " (none without subjects).")]
        pub struct $table;

        impl Table for $table {
            const NAME: &'static str = $name;
            const DESCRIPTION: &'static str =
                concat!("Subjects of ", $kind, "s, one row each, with the role they are bound to.");
            const SOURCE: Source = $source;
            type Item<'a> = Binding<'a>;

            fn describe(row: &mut Row) {
                subject_columns(row, &Binding::default(), &Subject::default(), $scope);
            }

            fn rows(binding: &Binding, rows: &mut Rows) {
                for subject in &binding.subjects {
                    rows.row(|r| subject_columns(r, binding, subject, $scope));
                }
            }
        }
    };
}

macro_rules! rules_table {
    ($table:ident, $name:literal, $kind:literal, $scope:expr, $source:expr) => {
        #[doc = concat!("`", $name, "`: one row per rule of each ", $kind, " (none without rules).")]
        pub struct $table;

        impl Table for $table {
            const NAME: &'static str = $name;
            const DESCRIPTION: &'static str = concat!("Rules of ", $kind, "s, one row each.");
            const SOURCE: Source = $source;
            type Item<'a> = Role<'a>;

            fn describe(row: &mut Row) {
                rule_columns(row, &Role::default(), &Rule::default(), $scope);
            }

            fn rows(role: &Role, rows: &mut Rows) {
                for rule in &role.rules {
                    rows.row(|r| rule_columns(r, role, rule, $scope));
                }
            }
        }
    };
}

subjects_table!(
    ClusterRoleBindingSubjects,
    "kubernetes_cluster_role_binding_subjects",
    "ClusterRoleBinding",
    Scope::Cluster,
    Source::resource("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding")
);
subjects_table!(
    RoleBindingSubjects,
    "kubernetes_role_binding_subjects",
    "RoleBinding",
    Scope::Namespaced,
    Source::resource("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding").namespaced()
);
rules_table!(
    ClusterRolePolicyRules,
    "kubernetes_cluster_role_policy_rules",
    "ClusterRole",
    Scope::Cluster,
    Source::resource("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole")
);
rules_table!(
    RolePolicyRules,
    "kubernetes_role_policy_rules",
    "Role",
    Scope::Namespaced,
    Source::resource("rbac.authorization.k8s.io", "v1", "roles", "Role").namespaced()
);
