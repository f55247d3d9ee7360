//! `kubernetes_secrets`: one row per Secret, from its metadata alone.
//!
//! Secrets are listed as metadata only (`PartialObjectMetadataList`), so their values never
//! reach kubequery; `immutable` and `type` are not part of the metadata and stay NULL.

use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::{ObjectTable, Row, Source, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct PartialObjectMetadata<'a> {
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    metadata: ObjectMeta<'a>,
}

struct Secrets;

impl ObjectTable for Secrets {
    const NAME: &'static str = "kubernetes_secrets";
    const DESCRIPTION: &'static str = "Secrets, one row each: metadata only; values are never fetched.";
    const SOURCE: Source = Source::resource("", "v1", "secrets", "Secret").namespaced().metadata_only();
    type Item<'a> = PartialObjectMetadata<'a>;

    fn write(r: &mut Row, secret: &PartialObjectMetadata) {
        object_columns(r, &secret.metadata, Scope::Namespaced);
        r.boolean(col("immutable", "immutable (not in metadata-only lists: always NULL)"), None);
        r.text(col("type", "type (not in metadata-only lists: always NULL)"), None);
        label_selector_column(r);
    }
}

export_table!(Secrets);
