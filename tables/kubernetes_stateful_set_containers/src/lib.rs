//! `kubernetes_stateful_set_containers`: one row per container of each StatefulSet's pod template.

use kubequery_table_sdk::export_table;
use kubequery_table_sdk::workload::{Containers, StatefulSets};

export_table!(Containers<StatefulSets>);
