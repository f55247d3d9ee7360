//! `kubernetes_ingresses`: one row per Ingress.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct Ingress<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
    status: Status<'a>,
}

#[view]
struct Spec<'a> {
    ingress_class_name: Option<Cow<'a, str>>,
    default_backend: Option<&'a RawValue>,
    tls: Option<&'a RawValue>,
    rules: Option<&'a RawValue>,
}

#[view]
struct Status<'a> {
    load_balancer: Option<&'a RawValue>,
}

struct Ingresses;

impl ObjectTable for Ingresses {
    const NAME: &'static str = "kubernetes_ingresses";
    const DESCRIPTION: &'static str = "Ingresses, one row each: rules, TLS and load balancer status.";
    const SOURCE: Source = Source::resource("networking.k8s.io", "v1", "ingresses", "Ingress").namespaced();
    type Item<'a> = Ingress<'a>;

    fn write(r: &mut Row, ing: &Ingress) {
        object_columns(r, &ing.metadata);
        r.text(col("ingress_class_name", "spec.ingressClassName"), ing.spec.ingress_class_name.as_deref());
        r.json(col("default_backend", "spec.defaultBackend"), ing.spec.default_backend);
        r.json(col("tls", "spec.tls"), ing.spec.tls);
        r.json(col("rules", "spec.rules"), ing.spec.rules);
        r.json_or(col("load_balancer", "status.loadBalancer"), ing.status.load_balancer, "{}");
    }
}

export_table!(Ingresses);
