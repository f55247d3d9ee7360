//! `kubernetes_replica_set_volumes`: one row per volume of each ReplicaSet's pod template.

use kubequery_builtin::workload::{ReplicaSets, Volumes};
use kubequery_table_sdk::export_table;

export_table!(Volumes<ReplicaSets>);
