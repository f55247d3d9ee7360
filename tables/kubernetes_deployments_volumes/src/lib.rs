//! `kubernetes_deployments_volumes`: one row per volume of each Deployment's pod template.

use kubequery_table_sdk::export_table;
use kubequery_table_sdk::workload::{Deployments, Volumes};

export_table!(Volumes<Deployments>);
