//! `kubernetes_deployments_containers`: one row per container of each Deployment's pod template.

use kubequery_table_sdk::export_table;
use kubequery_table_sdk::workload::{Containers, Deployments};

export_table!(Containers<Deployments>);
