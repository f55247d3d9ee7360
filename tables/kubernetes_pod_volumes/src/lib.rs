//! `kubernetes_pod_volumes`: one row per volume of each Pod.

use kubequery_builtin::workload::{Pods, Volumes};
use kubequery_table_sdk::export_table;

export_table!(Volumes<Pods>);
