//! `kubernetes_cluster_role_binding_subjects`: one row per subject of each ClusterRoleBinding.

use kubequery_table_sdk::export_table;
use kubequery_table_sdk::rbac::ClusterRoleBindingSubjects;

export_table!(ClusterRoleBindingSubjects);
