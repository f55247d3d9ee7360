//! `kubernetes_daemon_set_volumes`: one row per volume of each DaemonSet's pod template.

use kubequery_table_sdk::export_table;
use kubequery_table_sdk::workload::{DaemonSets, Volumes};

export_table!(Volumes<DaemonSets>);
