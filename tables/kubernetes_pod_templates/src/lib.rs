//! `kubernetes_pod_templates`: one row per PodTemplate, its pod spec.

use kubequery_builtin::workload::PodTemplateSpec;
use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::pod::{SpecOf, pod_spec_columns};
use kubequery_table_sdk::{ObjectTable, Row, Source, export_table, view};

#[view]
struct PodTemplate<'a> {
    metadata: ObjectMeta<'a>,
    template: PodTemplateSpec<'a>,
}

struct PodTemplates;

impl ObjectTable for PodTemplates {
    const NAME: &'static str = "kubernetes_pod_templates";
    const DESCRIPTION: &'static str = "PodTemplates, one row each: the template's pod spec.";
    const SOURCE: Source = Source::resource("", "v1", "podtemplates", "PodTemplate").namespaced();
    type Item<'a> = PodTemplate<'a>;

    fn write(r: &mut Row, t: &PodTemplate) {
        object_columns(r, &t.metadata);
        pod_spec_columns(r, &t.template.spec, SpecOf::Template);
    }
}

export_table!(PodTemplates);
