//! `kubernetes_pod_template_containers`: one row per container of each PodTemplate.

use kubequery_table_sdk::export_table;
use kubequery_table_sdk::workload::{Containers, PodTemplates};

export_table!(Containers<PodTemplates>);
