//! `kubernetes_persistent_volumes`: one row per PersistentVolume: its claim, class and
//! status, then its volume source flattened like pod volumes (kubequery's PV column list).

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::volume::{Volume, VolumeOf, volume_columns};
use kubequery_table_sdk::{Level, ObjectTable, RawValue, Row, Source, col, export_table, log, view};
use serde::Deserialize;

#[view]
struct PersistentVolume<'a> {
    metadata: ObjectMeta<'a>,
    /// Read twice: once for the PV's own fields, once for its volume source, whose fields
    /// sit in the same object.
    spec: Option<&'a RawValue>,
    status: Status<'a>,
}

#[view]
struct Spec<'a> {
    capacity: Option<&'a RawValue>,
    access_modes: Option<&'a RawValue>,
    claim_ref: Option<&'a RawValue>,
    persistent_volume_reclaim_policy: Option<Cow<'a, str>>,
    storage_class_name: Option<Cow<'a, str>>,
    mount_options: Option<&'a RawValue>,
    volume_mode: Option<Cow<'a, str>>,
    node_affinity: Option<&'a RawValue>,
}

#[view]
struct Status<'a> {
    phase: Option<Cow<'a, str>>,
    message: Option<Cow<'a, str>>,
    reason: Option<Cow<'a, str>>,
}

/// The spec as `T`; a spec of the wrong shape is reported and read as empty, so one bad PV
/// does not hide the others.
fn parse<'a, T: Deserialize<'a> + Default>(pv: &PersistentVolume, text: &'a str) -> T {
    serde_json::from_str(text).unwrap_or_else(|e| {
        let name = pv.metadata.name.as_deref().unwrap_or("?");
        log(Level::Warn, &format!("PersistentVolume {name}: unreadable spec: {e}"));
        T::default()
    })
}

struct PersistentVolumes;

impl ObjectTable for PersistentVolumes {
    const NAME: &'static str = "kubernetes_persistent_volumes";
    const DESCRIPTION: &'static str = "PersistentVolumes, one row each: claim, class, status and volume source.";
    const SOURCE: Source = Source::resource("", "v1", "persistentvolumes", "PersistentVolume");
    type Item<'a> = PersistentVolume<'a>;

    fn write(r: &mut Row, pv: &PersistentVolume) {
        let text = pv.spec.map_or("{}", RawValue::get);
        let spec: Spec = parse(pv, text);
        let source: Volume = parse(pv, text);
        let status = &pv.status;
        object_columns(r, &pv.metadata);
        r.json(col("capacity", "spec.capacity"), spec.capacity);
        r.json(col("access_modes", "spec.accessModes"), spec.access_modes);
        r.json(col("claim_ref", "spec.claimRef"), spec.claim_ref);
        r.text(
            col("persistent_volume_reclaim_policy", "spec.persistentVolumeReclaimPolicy"),
            spec.persistent_volume_reclaim_policy.as_deref(),
        );
        r.text(col("storage_class_name", "spec.storageClassName"), spec.storage_class_name.as_deref());
        r.json(col("mount_options", "spec.mountOptions"), spec.mount_options);
        r.text(col("volume_mode", "spec.volumeMode"), spec.volume_mode.as_deref());
        r.json(col("node_affinity", "spec.nodeAffinity"), spec.node_affinity);
        r.text(col("status_phase", "status.phase"), status.phase.as_deref());
        r.text(col("status_message", "status.message"), status.message.as_deref());
        r.text(col("status_reason", "status.reason"), status.reason.as_deref());
        volume_columns(r, &source, VolumeOf::PersistentVolume);
    }
}

export_table!(PersistentVolumes);
