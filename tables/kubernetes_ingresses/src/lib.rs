//! `kubernetes_ingresses`: one row per Ingress.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct Ingress<'a> {
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    metadata: ObjectMeta<'a>,
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    spec: Spec<'a>,
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    status: Status<'a>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Spec<'a> {
    #[serde(borrow)]
    ingress_class_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    default_backend: Option<&'a RawValue>,
    #[serde(borrow)]
    tls: Option<&'a RawValue>,
    #[serde(borrow)]
    rules: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Status<'a> {
    #[serde(borrow)]
    load_balancer: Option<&'a RawValue>,
}

struct Ingresses;

impl ObjectTable for Ingresses {
    const NAME: &'static str = "kubernetes_ingresses";
    const DESCRIPTION: &'static str = "Ingresses, one row each: rules, TLS and load balancer status.";
    const SOURCE: Source = Source::resource("networking.k8s.io", "v1", "ingresses", "Ingress").namespaced();
    type Item<'a> = Ingress<'a>;

    fn write(r: &mut Row, ing: &Ingress) {
        object_columns(r, &ing.metadata, Scope::Namespaced);
        r.text(col("ingress_class_name", "spec.ingressClassName"), ing.spec.ingress_class_name.as_deref());
        r.json(col("default_backend", "spec.defaultBackend"), ing.spec.default_backend);
        r.json(col("tls", "spec.tls"), ing.spec.tls);
        r.json(col("rules", "spec.rules"), ing.spec.rules);
        r.json_or(col("load_balancer", "status.loadBalancer"), ing.status.load_balancer, "{}");
        label_selector_column(r);
    }
}

export_table!(Ingresses);
