//! `kubernetes_stateful_set_containers`: one row per container of each StatefulSet's pod template.

use kubequery_builtin::workload::{Containers, StatefulSets};
use kubequery_table_sdk::export_table;

export_table!(Containers<StatefulSets>);
