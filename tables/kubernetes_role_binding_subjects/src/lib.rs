//! `kubernetes_role_binding_subjects`: one row per subject of each RoleBinding.

use kubequery_table_sdk::export_table;
use kubequery_table_sdk::rbac::RoleBindingSubjects;

export_table!(RoleBindingSubjects);
