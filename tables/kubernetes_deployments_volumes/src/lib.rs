//! `kubernetes_deployments_volumes`: one row per volume of each Deployment's pod template.

use kubequery_builtin::workload::{Deployments, Volumes};
use kubequery_table_sdk::export_table;

export_table!(Volumes<Deployments>);
