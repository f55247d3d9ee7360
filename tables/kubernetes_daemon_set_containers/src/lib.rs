//! `kubernetes_daemon_set_containers`: one row per container of each DaemonSet's pod template.

use kubequery_table_sdk::export_table;
use kubequery_table_sdk::workload::{Containers, DaemonSets};

export_table!(Containers<DaemonSets>);
