//! `kubernetes_daemon_set_volumes`: one row per volume of each DaemonSet's pod template.

use kubequery_builtin::workload::{DaemonSets, Volumes};
use kubequery_table_sdk::export_table;

export_table!(Volumes<DaemonSets>);
