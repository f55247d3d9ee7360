//! `kubernetes_pod_templates_volumes`: one row per volume of each PodTemplate.

use kubequery_table_sdk::export_table;
use kubequery_table_sdk::workload::{PodTemplates, Volumes};

export_table!(Volumes<PodTemplates>);
