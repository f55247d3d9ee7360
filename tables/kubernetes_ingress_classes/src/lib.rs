//! `kubernetes_ingress_classes`: one row per IngressClass.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct IngressClass<'a> {
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    metadata: ObjectMeta<'a>,
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    spec: Spec<'a>,
}

#[derive(Deserialize, Default)]
struct Spec<'a> {
    #[serde(borrow)]
    controller: Option<Cow<'a, str>>,
    #[serde(borrow)]
    parameters: Option<&'a RawValue>,
}

struct IngressClasses;

impl ObjectTable for IngressClasses {
    const NAME: &'static str = "kubernetes_ingress_classes";
    const DESCRIPTION: &'static str = "IngressClasses, one row each.";
    const SOURCE: Source = Source::resource("networking.k8s.io", "v1", "ingressclasses", "IngressClass");
    type Item<'a> = IngressClass<'a>;

    fn write(r: &mut Row, ic: &IngressClass) {
        object_columns(r, &ic.metadata, Scope::Cluster);
        r.text(col("controller", "spec.controller"), ic.spec.controller.as_deref());
        r.json(col("parameters", "spec.parameters"), ic.spec.parameters);
        label_selector_column(r);
    }
}

export_table!(IngressClasses);
