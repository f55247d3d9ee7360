//! `kubernetes_pod_template_containers`: one row per container of each PodTemplate.

use kubequery_builtin::workload::{Containers, PodTemplates};
use kubequery_table_sdk::export_table;

export_table!(Containers<PodTemplates>);
