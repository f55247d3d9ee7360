//! `kubernetes_storage_classes`: one row per StorageClass.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct StorageClass<'a> {
    metadata: ObjectMeta<'a>,
    provisioner: Option<Cow<'a, str>>,
    parameters: Option<&'a RawValue>,
    reclaim_policy: Option<Cow<'a, str>>,
    mount_options: Option<&'a RawValue>,
    allow_volume_expansion: Option<bool>,
    volume_binding_mode: Option<Cow<'a, str>>,
    allowed_topologies: Option<&'a RawValue>,
}

struct StorageClasses;

impl ObjectTable for StorageClasses {
    const NAME: &'static str = "kubernetes_storage_classes";
    const DESCRIPTION: &'static str = "StorageClasses, one row each.";
    const SOURCE: Source = Source::resource("storage.k8s.io", "v1", "storageclasses", "StorageClass");
    type Item<'a> = StorageClass<'a>;

    fn write(r: &mut Row, sc: &StorageClass) {
        object_columns(r, &sc.metadata);
        r.text(col("provisioner", "provisioner"), sc.provisioner.as_deref());
        r.json(col("parameters", "parameters"), sc.parameters);
        r.text(col("reclaim_policy", "reclaimPolicy"), sc.reclaim_policy.as_deref());
        r.json(col("mount_options", "mountOptions"), sc.mount_options);
        r.boolean(col("allow_volume_expansion", "allowVolumeExpansion"), sc.allow_volume_expansion);
        r.text(col("volume_binding_mode", "volumeBindingMode"), sc.volume_binding_mode.as_deref());
        r.json(col("allowed_topologies", "allowedTopologies"), sc.allowed_topologies);
    }
}

export_table!(StorageClasses);
