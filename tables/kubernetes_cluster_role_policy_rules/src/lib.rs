//! `kubernetes_cluster_role_policy_rules`: one row per rule of each ClusterRole.

use kubequery_table_sdk::export_table;
use kubequery_table_sdk::rbac::ClusterRolePolicyRules;

export_table!(ClusterRolePolicyRules);
