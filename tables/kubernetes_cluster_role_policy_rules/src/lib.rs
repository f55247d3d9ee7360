//! `kubernetes_cluster_role_policy_rules`: one row per rule of each ClusterRole.

use kubequery_builtin::rbac::ClusterRolePolicyRules;
use kubequery_table_sdk::export_table;

export_table!(ClusterRolePolicyRules);
