//! `kubernetes_pod_templates_volumes`: one row per volume of each PodTemplate.

use kubequery_builtin::workload::{PodTemplates, Volumes};
use kubequery_table_sdk::export_table;

export_table!(Volumes<PodTemplates>);
