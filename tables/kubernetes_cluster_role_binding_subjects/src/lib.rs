//! `kubernetes_cluster_role_binding_subjects`: one row per subject of each ClusterRoleBinding (bindings without subjects have no rows).

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::{Row, Rows, Source, Table, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Binding<'a> {
    #[serde(borrow, default)]
    metadata: ObjectMeta<'a>,
    #[serde(borrow, default)]
    role_ref: RoleRef<'a>,
    #[serde(borrow, default)]
    subjects: Vec<Subject<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RoleRef<'a> {
    #[serde(borrow)]
    api_group: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct Subject<'a> {
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    namespace: Option<Cow<'a, str>>,
}

struct Subjects;

impl Subjects {
    fn write(r: &mut Row, b: &Binding, s: &Subject) {
        object_columns(r, &b.metadata, Scope::Cluster);
        r.text(col("role_api_group", "roleRef.apiGroup"), b.role_ref.api_group.as_deref());
        r.text(col("role_name", "roleRef.name"), b.role_ref.name.as_deref());
        r.text(col("role_kind", "roleRef.kind"), b.role_ref.kind.as_deref());
        r.text(col("subject_name", "subjects[].name"), s.name.as_deref());
        r.text(col("subject_kind", "subjects[].kind"), s.kind.as_deref());
        r.text(col("subject_namespace", "subjects[].namespace"), s.namespace.as_deref());
        label_selector_column(r);
    }
}

impl Table for Subjects {
    const NAME: &'static str = "kubernetes_cluster_role_binding_subjects";
    const DESCRIPTION: &'static str = "Subjects of ClusterRoleBindings, one row each, with the role they are bound to.";
    const SOURCE: Source =
        Source::resource("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding");
    type Item<'a> = Binding<'a>;

    fn describe(row: &mut Row) {
        Self::write(row, &Binding::default(), &Subject::default());
    }

    fn rows(binding: &Binding, rows: &mut Rows) {
        for subject in &binding.subjects {
            rows.row(|r| Self::write(r, binding, subject));
        }
    }
}

export_table!(Subjects);
