//! `kubernetes_namespaces`: one row per Namespace.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct Namespace<'a> {
    metadata: ObjectMeta<'a>,
    status: Status<'a>,
}

#[view]
struct Status<'a> {
    phase: Option<Cow<'a, str>>,
    conditions: Option<&'a RawValue>,
}

struct Namespaces;

impl ObjectTable for Namespaces {
    const NAME: &'static str = "kubernetes_namespaces";
    const DESCRIPTION: &'static str = "Namespaces, one row each.";
    const SOURCE: Source = Source::resource("", "v1", "namespaces", "Namespace");
    type Item<'a> = Namespace<'a>;

    fn write(r: &mut Row, ns: &Namespace) {
        object_columns(r, &ns.metadata);
        r.text(col("phase", "status.phase"), ns.status.phase.as_deref());
        r.json(col("conditions", "status.conditions"), ns.status.conditions);
    }
}

export_table!(Namespaces);
