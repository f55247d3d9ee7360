//! `kubernetes_config_maps`: one row per ConfigMap; its metadata, never its data.

use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::{ObjectTable, Row, Source, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct ConfigMap<'a> {
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    metadata: ObjectMeta<'a>,
    immutable: Option<bool>,
}

struct ConfigMaps;

impl ObjectTable for ConfigMaps {
    const NAME: &'static str = "kubernetes_config_maps";
    const DESCRIPTION: &'static str = "ConfigMaps, one row each: metadata only, never the data.";
    const SOURCE: Source = Source::resource("", "v1", "configmaps", "ConfigMap").namespaced();
    type Item<'a> = ConfigMap<'a>;

    fn write(r: &mut Row, cm: &ConfigMap) {
        object_columns(r, &cm.metadata, Scope::Namespaced);
        r.boolean(col("immutable", "immutable"), cm.immutable);
        label_selector_column(r);
    }
}

export_table!(ConfigMaps);
