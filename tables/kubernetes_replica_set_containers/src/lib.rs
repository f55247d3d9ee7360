//! `kubernetes_replica_set_containers`: one row per container of each ReplicaSet's pod template.

use kubequery_table_sdk::export_table;
use kubequery_table_sdk::workload::{Containers, ReplicaSets};

export_table!(Containers<ReplicaSets>);
