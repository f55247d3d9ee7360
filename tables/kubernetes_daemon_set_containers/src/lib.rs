//! `kubernetes_daemon_set_containers`: one row per container of each DaemonSet's pod template.

use kubequery_builtin::workload::{Containers, DaemonSets};
use kubequery_table_sdk::export_table;

export_table!(Containers<DaemonSets>);
