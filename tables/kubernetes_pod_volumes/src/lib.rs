//! `kubernetes_pod_volumes`: one row per volume of each Pod.

use kubequery_table_sdk::export_table;
use kubequery_table_sdk::workload::{Pods, Volumes};

export_table!(Volumes<Pods>);
