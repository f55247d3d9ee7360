//! `kubernetes_persistent_volume_claims`: one row per PersistentVolumeClaim. kubequery 1.1.1
//! had no `namespace` column for this namespaced resource; it has one here, in the usual place.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct Claim<'a> {
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
    access_modes: Option<&'a RawValue>,
    #[serde(borrow)]
    selector: Option<&'a RawValue>,
    #[serde(borrow)]
    resources: Option<&'a RawValue>,
    #[serde(borrow)]
    volume_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    storage_class_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    volume_mode: Option<Cow<'a, str>>,
    #[serde(borrow)]
    data_source: Option<&'a RawValue>,
    #[serde(borrow)]
    data_source_ref: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Status<'a> {
    #[serde(borrow)]
    phase: Option<Cow<'a, str>>,
    #[serde(borrow)]
    capacity: Option<&'a RawValue>,
    #[serde(borrow)]
    conditions: Option<&'a RawValue>,
}

struct PersistentVolumeClaims;

impl ObjectTable for PersistentVolumeClaims {
    const NAME: &'static str = "kubernetes_persistent_volume_claims";
    const DESCRIPTION: &'static str = "PersistentVolumeClaims, one row each.";
    const SOURCE: Source = Source::resource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim").namespaced();
    type Item<'a> = Claim<'a>;

    fn write(r: &mut Row, pvc: &Claim) {
        let (spec, status) = (&pvc.spec, &pvc.status);
        object_columns(r, &pvc.metadata, Scope::Namespaced);
        r.json(col("access_modes", "spec.accessModes"), spec.access_modes);
        r.json(col("selector", "spec.selector"), spec.selector);
        r.json_or(col("resources", "spec.resources"), spec.resources, "{}");
        r.text(col("volume_name", "spec.volumeName"), spec.volume_name.as_deref());
        r.text(col("storage_class_name", "spec.storageClassName"), spec.storage_class_name.as_deref());
        r.text(col("volume_mode", "spec.volumeMode"), spec.volume_mode.as_deref());
        r.json(col("data_source", "spec.dataSource"), spec.data_source);
        r.json(col("data_source_ref", "spec.dataSourceRef"), spec.data_source_ref);
        r.text(col("phase", "status.phase"), status.phase.as_deref());
        r.json(col("capacity", "status.capacity"), status.capacity);
        r.json(col("conditions", "status.conditions"), status.conditions);
        label_selector_column(r);
    }
}

export_table!(PersistentVolumeClaims);
