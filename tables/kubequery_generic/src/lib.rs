//! The generic resource table: one component that serves every resource no typed table
//! covers — CRDs and built-in APIs alike — as `k8s_<plural>[_<group>]` tables
//! (docs/generic-tables.md). The host gives each such table this component's columns and its
//! own resource; the rows are the same for every kind: the common metadata columns, then
//! `api_version`, `kind`, and `spec`, `status` and the whole object as JSON.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::serde::{self, Deserialize, Deserializer};
use kubequery_table_sdk::{ApiResource, RawValue, Row, Rows, Source, Table, col, export_table, view};

/// The fields every object has, whatever its kind.
#[view]
struct Fields<'a> {
    api_version: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    metadata: ObjectMeta<'a>,
    spec: Option<&'a RawValue>,
    status: Option<&'a RawValue>,
}

/// One object: its fields, and its whole text for the `object` column.
#[derive(Default)]
struct Object<'a> {
    whole: Option<&'a RawValue>,
    fields: Fields<'a>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Object<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let whole = <&'de RawValue>::deserialize(deserializer)?;
        let fields = serde_json::from_str(whole.get()).map_err(serde::de::Error::custom)?;
        Ok(Object { whole: Some(whole), fields })
    }
}

struct Generic;

impl Generic {
    /// The row of `object`, a `resource` (whose version and kind a List's items may omit).
    fn write(r: &mut Row, object: &Object, resource: Option<&ApiResource>) {
        let fields = &object.fields;
        object_columns(r, &fields.metadata);
        let api_version = fields.api_version.clone().or_else(|| {
            resource.map(|res| {
                if res.group.is_empty() {
                    Cow::Owned(res.version.clone())
                } else {
                    Cow::Owned(format!("{}/{}", res.group, res.version))
                }
            })
        });
        r.text(col("api_version", "apiVersion"), api_version.as_deref());
        let kind = fields.kind.as_deref().or(resource.map(|res| res.kind.as_str()));
        r.text(col("kind", "kind"), kind);
        r.json(col("spec", "spec"), fields.spec);
        r.json(col("status", "status"), fields.status);
        r.json(col("object", "the whole object"), object.whole);
    }
}

impl Table for Generic {
    /// The template's name: the host names each table it serves after its resource.
    const NAME: &'static str = "kubequery_generic";
    const DESCRIPTION: &'static str = "Objects of one resource no typed table covers, one row each.";
    /// A placeholder: the host gives each table it serves its own resource.
    const SOURCE: Source = Source::resource("kubequery.io", "v1", "generic", "Generic").namespaced();
    type Item<'a> = Object<'a>;

    fn describe(row: &mut Row) {
        Self::write(row, &Object::default(), None);
    }

    fn rows(object: &Object, rows: &mut Rows) {
        let resource = rows.resource().cloned();
        rows.row(|r| Self::write(r, object, resource.as_ref()));
    }
}

export_table!(Generic);
