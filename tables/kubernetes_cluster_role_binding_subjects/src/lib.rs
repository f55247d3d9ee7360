//! `kubernetes_cluster_role_binding_subjects`: one row per subject of each ClusterRoleBinding.

use kubequery_builtin::rbac::ClusterRoleBindingSubjects;
use kubequery_table_sdk::export_table;

export_table!(ClusterRoleBindingSubjects);
