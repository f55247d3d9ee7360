//! `kubernetes_config_maps`: one row per ConfigMap; its metadata, never its data.

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, Row, Source, col, export_table, view};

#[view]
struct ConfigMap<'a> {
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
        object_columns(r, &cm.metadata);
        r.boolean(col("immutable", "immutable"), cm.immutable);
    }
}

export_table!(ConfigMaps);
