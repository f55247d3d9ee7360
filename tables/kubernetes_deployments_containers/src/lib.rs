//! `kubernetes_deployments_containers`: one row per container of each Deployment's pod template.

use kubequery_builtin::workload::{Containers, Deployments};
use kubequery_table_sdk::export_table;

export_table!(Containers<Deployments>);
