//! RBAC tables: one row per subject of each (Cluster)RoleBinding and one row per rule of each
//! (Cluster)Role. The cluster and namespaced variants differ only in their common columns and
//! in one column each (`role_api_group` for cluster bindings, `aggregation_rule` for
//! ClusterRoles), so all four tables live here.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{RawValue, Row, Rows, Source, Table, col, view};

/// A RoleBinding or ClusterRoleBinding.
#[view]
pub struct Binding<'a> {
    pub metadata: ObjectMeta<'a>,
    pub role_ref: RoleRef<'a>,
    pub subjects: Vec<Subject<'a>>,
}

/// The role a binding grants.
#[view]
pub struct RoleRef<'a> {
    pub api_group: Option<Cow<'a, str>>,
    pub kind: Option<Cow<'a, str>>,
    pub name: Option<Cow<'a, str>>,
}

/// Who a binding grants the role to.
#[view]
pub struct Subject<'a> {
    pub kind: Option<Cow<'a, str>>,
    pub name: Option<Cow<'a, str>>,
    pub namespace: Option<Cow<'a, str>>,
}

/// A Role or ClusterRole.
#[view]
pub struct Role<'a> {
    pub metadata: ObjectMeta<'a>,
    pub rules: Vec<Rule<'a>>,
    pub aggregation_rule: Option<&'a RawValue>,
}

/// One policy rule of a role.
#[view]
pub struct Rule<'a> {
    pub verbs: Option<&'a RawValue>,
    pub api_groups: Option<&'a RawValue>,
    pub resources: Option<&'a RawValue>,
    pub resource_names: Option<&'a RawValue>,
    #[serde(rename = "nonResourceURLs")]
    pub non_resource_urls: Option<&'a RawValue>,
}

fn subject_columns(r: &mut Row, b: &Binding, s: &Subject) {
    object_columns(r, &b.metadata);
    if !r.namespaced() {
        r.text(col("role_api_group", "roleRef.apiGroup"), b.role_ref.api_group.as_deref());
    }
    r.text(col("role_name", "roleRef.name"), b.role_ref.name.as_deref());
    r.text(col("role_kind", "roleRef.kind"), b.role_ref.kind.as_deref());
    r.text(col("subject_name", "subjects[].name"), s.name.as_deref());
    r.text(col("subject_kind", "subjects[].kind"), s.kind.as_deref());
    r.text(col("subject_namespace", "subjects[].namespace"), s.namespace.as_deref());
}

fn rule_columns(r: &mut Row, role: &Role, rule: &Rule) {
    object_columns(r, &role.metadata);
    r.json(col("verbs", "rules[].verbs"), rule.verbs);
    r.json(col("api_groups", "rules[].apiGroups"), rule.api_groups);
    r.json(col("resources", "rules[].resources"), rule.resources);
    r.json(col("resource_names", "rules[].resourceNames"), rule.resource_names);
    r.json(col("non_resource_urls", "rules[].nonResourceURLs"), rule.non_resource_urls);
    if !r.namespaced() {
        r.json(col("aggregation_rule", "aggregationRule"), role.aggregation_rule);
    }
}

macro_rules! subjects_table {
    ($table:ident, $name:literal, $kind:literal, $source:expr) => {
        #[doc = concat!("`", $name, "`: one row per subject of each ", $kind, " (none without subjects).")]
        pub struct $table;

        impl Table for $table {
            const NAME: &'static str = $name;
            const DESCRIPTION: &'static str =
                concat!("Subjects of ", $kind, "s, one row each, with the role they are bound to.");
            const SOURCE: Source = $source;
            type Item<'a> = Binding<'a>;

            fn describe(row: &mut Row) {
                subject_columns(row, &Binding::default(), &Subject::default());
            }

            fn rows(binding: &Binding, rows: &mut Rows) {
                for subject in &binding.subjects {
                    rows.row(|r| subject_columns(r, binding, subject));
                }
            }
        }
    };
}

macro_rules! rules_table {
    ($table:ident, $name:literal, $kind:literal, $source:expr) => {
        #[doc = concat!("`", $name, "`: one row per rule of each ", $kind, " (none without rules).")]
        pub struct $table;

        impl Table for $table {
            const NAME: &'static str = $name;
            const DESCRIPTION: &'static str = concat!("Rules of ", $kind, "s, one row each.");
            const SOURCE: Source = $source;
            type Item<'a> = Role<'a>;

            fn describe(row: &mut Row) {
                rule_columns(row, &Role::default(), &Rule::default());
            }

            fn rows(role: &Role, rows: &mut Rows) {
                for rule in &role.rules {
                    rows.row(|r| rule_columns(r, role, rule));
                }
            }
        }
    };
}

subjects_table!(
    ClusterRoleBindingSubjects,
    "kubernetes_cluster_role_binding_subjects",
    "ClusterRoleBinding",
    Source::resource("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding")
);
subjects_table!(
    RoleBindingSubjects,
    "kubernetes_role_binding_subjects",
    "RoleBinding",
    Source::resource("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding").namespaced()
);
rules_table!(
    ClusterRolePolicyRules,
    "kubernetes_cluster_role_policy_rules",
    "ClusterRole",
    Source::resource("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole")
);
rules_table!(
    RolePolicyRules,
    "kubernetes_role_policy_rules",
    "Role",
    Source::resource("rbac.authorization.k8s.io", "v1", "roles", "Role").namespaced()
);
