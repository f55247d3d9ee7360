//! `kubernetes_replica_set_volumes`: one row per volume of each ReplicaSet's pod template.

use kubequery_table_sdk::export_table;
use kubequery_table_sdk::workload::{ReplicaSets, Volumes};

export_table!(Volumes<ReplicaSets>);
