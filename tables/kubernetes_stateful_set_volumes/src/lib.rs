//! `kubernetes_stateful_set_volumes`: one row per volume of each StatefulSet's pod template.

use kubequery_builtin::workload::{StatefulSets, Volumes};
use kubequery_table_sdk::export_table;

export_table!(Volumes<StatefulSets>);
