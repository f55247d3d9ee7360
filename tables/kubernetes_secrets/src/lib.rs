//! `kubernetes_secrets`: one row per Secret, from its metadata and type alone.
//!
//! The host never hands a table a Secret's values: each item is a `PartialObjectMetadata`
//! whose annotations that copy values (kubectl's last-applied-configuration) are redacted,
//! plus the Secret's `type` (from the API server's Table format, or the snapshot's object)
//! and `immutable` where it is known without the values (snapshots; NULL on live clusters).

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, Row, Source, col, export_table, view};

#[view]
struct ValueFreeSecret<'a> {
    metadata: ObjectMeta<'a>,
    #[serde(rename = "type")]
    secret_type: Option<Cow<'a, str>>,
    immutable: Option<bool>,
}

struct Secrets;

impl ObjectTable for Secrets {
    const NAME: &'static str = "kubernetes_secrets";
    const DESCRIPTION: &'static str = "Secrets, one row each: metadata and type only; values never reach kubequery.";
    const SOURCE: Source = Source::resource("", "v1", "secrets", "Secret").namespaced().metadata_only();
    type Item<'a> = ValueFreeSecret<'a>;

    fn write(r: &mut Row, secret: &ValueFreeSecret) {
        object_columns(r, &secret.metadata);
        r.boolean(
            col("immutable", "immutable (snapshots only; NULL on live clusters, where it needs the values)"),
            secret.immutable,
        );
        r.text(
            col("type", "type (from the API server's Table format on live clusters)"),
            secret.secret_type.as_deref(),
        );
    }
}

export_table!(Secrets);
