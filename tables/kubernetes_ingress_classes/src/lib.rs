//! `kubernetes_ingress_classes`: one row per IngressClass.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct IngressClass<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
}

#[view]
struct Spec<'a> {
    controller: Option<Cow<'a, str>>,
    parameters: Option<&'a RawValue>,
}

struct IngressClasses;

impl ObjectTable for IngressClasses {
    const NAME: &'static str = "kubernetes_ingress_classes";
    const DESCRIPTION: &'static str = "IngressClasses, one row each.";
    const SOURCE: Source = Source::resource("networking.k8s.io", "v1", "ingressclasses", "IngressClass");
    type Item<'a> = IngressClass<'a>;

    fn write(r: &mut Row, ic: &IngressClass) {
        object_columns(r, &ic.metadata);
        r.text(col("controller", "spec.controller"), ic.spec.controller.as_deref());
        r.json(col("parameters", "spec.parameters"), ic.spec.parameters);
    }
}

export_table!(IngressClasses);
