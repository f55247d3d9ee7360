//! `cert_manager_certificates`: an example third-party table over a custom resource,
//! cert-manager's `Certificate` (cert-manager.io/v1). One row per Certificate: what it is for,
//! who issues it, and whether it is ready and when it expires.
//!
//! Built like any table: `cargo build --release --target wasm32-wasip2`, then
//! `kubequery --table cert_manager_certificates.wasm query "SELECT …"`.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct Certificate<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
    status: Status<'a>,
}

#[view]
struct Spec<'a> {
    secret_name: Option<Cow<'a, str>>,
    common_name: Option<Cow<'a, str>>,
    dns_names: Option<&'a RawValue>,
    duration: Option<Cow<'a, str>>,
    renew_before: Option<Cow<'a, str>>,
    #[serde(rename = "isCA")]
    is_ca: Option<bool>,
    issuer_ref: IssuerRef<'a>,
}

#[view]
struct IssuerRef<'a> {
    name: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    group: Option<Cow<'a, str>>,
}

#[view]
struct Status<'a> {
    conditions: Vec<Condition<'a>>,
    not_before: Option<Cow<'a, str>>,
    not_after: Option<Cow<'a, str>>,
    renewal_time: Option<Cow<'a, str>>,
    revision: Option<i64>,
}

#[view]
struct Condition<'a> {
    #[serde(rename = "type")]
    type_: Cow<'a, str>,
    status: Cow<'a, str>,
}

impl Status<'_> {
    /// The `Ready` condition as 0/1; NULL while cert-manager has not reported one.
    fn ready(&self) -> Option<bool> {
        self.conditions.iter().find(|c| c.type_ == "Ready").map(|c| c.status == "True")
    }
}

struct Certificates;

impl ObjectTable for Certificates {
    const NAME: &'static str = "cert_manager_certificates";
    const DESCRIPTION: &'static str = "cert-manager Certificates, one row each: names, issuer, readiness and expiry.";
    const SOURCE: Source = Source::resource("cert-manager.io", "v1", "certificates", "Certificate").namespaced();
    type Item<'a> = Certificate<'a>;

    fn write(r: &mut Row, c: &Certificate) {
        let (spec, status) = (&c.spec, &c.status);
        object_columns(r, &c.metadata);
        r.text(col("secret_name", "spec.secretName"), spec.secret_name.as_deref());
        r.text(col("common_name", "spec.commonName"), spec.common_name.as_deref());
        r.json(col("dns_names", "spec.dnsNames"), spec.dns_names);
        r.text(col("issuer_name", "spec.issuerRef.name"), spec.issuer_ref.name.as_deref());
        r.text(col("issuer_kind", "spec.issuerRef.kind"), spec.issuer_ref.kind.as_deref());
        r.text(col("issuer_group", "spec.issuerRef.group"), spec.issuer_ref.group.as_deref());
        r.text(col("duration", "spec.duration"), spec.duration.as_deref());
        r.text(col("renew_before", "spec.renewBefore"), spec.renew_before.as_deref());
        r.boolean(col("is_ca", "spec.isCA"), spec.is_ca);
        r.boolean(col("ready", "status.conditions[type=Ready].status is True"), status.ready());
        r.timestamp(col("not_before", "status.notBefore, Unix seconds"), status.not_before.as_deref());
        r.timestamp(col("not_after", "status.notAfter, Unix seconds"), status.not_after.as_deref());
        r.timestamp(col("renewal_time", "status.renewalTime, Unix seconds"), status.renewal_time.as_deref());
        r.integer(col("revision", "status.revision"), status.revision);
    }
}

export_table!(Certificates);
