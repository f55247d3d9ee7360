//! `kubernetes_role_policy_rules`: one row per rule of each Role.

use kubequery_table_sdk::export_table;
use kubequery_table_sdk::rbac::RolePolicyRules;

export_table!(RolePolicyRules);
