//! `kubernetes_namespaces`: one row per Namespace.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct Namespace<'a> {
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    metadata: ObjectMeta<'a>,
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    status: Status<'a>,
}

#[derive(Deserialize, Default)]
struct Status<'a> {
    #[serde(borrow)]
    phase: Option<Cow<'a, str>>,
    #[serde(borrow)]
    conditions: Option<&'a RawValue>,
}

struct Namespaces;

impl ObjectTable for Namespaces {
    const NAME: &'static str = "kubernetes_namespaces";
    const DESCRIPTION: &'static str = "Namespaces, one row each.";
    const SOURCE: Source = Source::resource("", "v1", "namespaces", "Namespace");
    type Item<'a> = Namespace<'a>;

    fn write(r: &mut Row, ns: &Namespace) {
        object_columns(r, &ns.metadata, Scope::Cluster);
        r.text(col("phase", "status.phase"), ns.status.phase.as_deref());
        r.json(col("conditions", "status.conditions"), ns.status.conditions);
        label_selector_column(r);
    }
}

export_table!(Namespaces);
