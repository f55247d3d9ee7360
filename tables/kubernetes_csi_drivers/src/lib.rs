//! `kubernetes_csi_drivers`: one row per CSIDriver.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct CsiDriver<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
}

#[view]
struct Spec<'a> {
    attach_required: Option<bool>,
    pod_info_on_mount: Option<bool>,
    volume_lifecycle_modes: Option<&'a RawValue>,
    storage_capacity: Option<bool>,
    fs_group_policy: Option<Cow<'a, str>>,
    token_requests: Option<&'a RawValue>,
    requires_republish: Option<bool>,
}

struct CsiDrivers;

impl ObjectTable for CsiDrivers {
    const NAME: &'static str = "kubernetes_csi_drivers";
    const DESCRIPTION: &'static str = "CSIDrivers, one row each.";
    const SOURCE: Source = Source::resource("storage.k8s.io", "v1", "csidrivers", "CSIDriver");
    type Item<'a> = CsiDriver<'a>;

    fn write(r: &mut Row, d: &CsiDriver) {
        let spec = &d.spec;
        object_columns(r, &d.metadata);
        r.boolean(col("attach_required", "spec.attachRequired"), spec.attach_required);
        r.boolean(col("pod_info_on_mount", "spec.podInfoOnMount"), spec.pod_info_on_mount);
        r.json(col("volume_lifecycle_modes", "spec.volumeLifecycleModes"), spec.volume_lifecycle_modes);
        r.boolean(col("storage_capacity", "spec.storageCapacity"), spec.storage_capacity);
        r.text(col("fs_group_policy", "spec.fsGroupPolicy"), spec.fs_group_policy.as_deref());
        r.json(col("token_requests", "spec.tokenRequests"), spec.token_requests);
        r.boolean(col("requires_republish", "spec.requiresRepublish"), spec.requires_republish);
    }
}

export_table!(CsiDrivers);
