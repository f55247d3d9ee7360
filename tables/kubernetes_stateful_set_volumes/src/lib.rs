//! `kubernetes_stateful_set_volumes`: one row per volume of each StatefulSet's pod template.

use kubequery_table_sdk::export_table;
use kubequery_table_sdk::workload::{StatefulSets, Volumes};

export_table!(Volumes<StatefulSets>);
