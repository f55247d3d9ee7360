//! `kubernetes_replica_set_containers`: one row per container of each ReplicaSet's pod template.

use kubequery_builtin::workload::{Containers, ReplicaSets};
use kubequery_table_sdk::export_table;

export_table!(Containers<ReplicaSets>);
