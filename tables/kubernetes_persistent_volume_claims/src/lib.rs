//! `kubernetes_persistent_volume_claims`: one row per PersistentVolumeClaim. kubequery 1.1.1
//! had no `namespace` column for this namespaced resource; it has one here, in the usual place.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct Claim<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
    status: Status<'a>,
}

#[view]
struct Spec<'a> {
    access_modes: Option<&'a RawValue>,
    selector: Option<&'a RawValue>,
    resources: Option<&'a RawValue>,
    volume_name: Option<Cow<'a, str>>,
    storage_class_name: Option<Cow<'a, str>>,
    volume_mode: Option<Cow<'a, str>>,
    data_source: Option<&'a RawValue>,
    data_source_ref: Option<&'a RawValue>,
}

#[view]
struct Status<'a> {
    phase: Option<Cow<'a, str>>,
    capacity: Option<&'a RawValue>,
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
        object_columns(r, &pvc.metadata);
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
    }
}

export_table!(PersistentVolumeClaims);
