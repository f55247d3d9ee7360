//! `kubernetes_role_binding_subjects`: one row per subject of each RoleBinding.

use kubequery_builtin::rbac::RoleBindingSubjects;
use kubequery_table_sdk::export_table;

export_table!(RoleBindingSubjects);
