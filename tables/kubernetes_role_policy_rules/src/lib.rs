//! `kubernetes_role_policy_rules`: one row per rule of each Role.

use kubequery_builtin::rbac::RolePolicyRules;
use kubequery_table_sdk::export_table;

export_table!(RolePolicyRules);
