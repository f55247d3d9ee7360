//! `kubernetes_volume_attachments`: one row per VolumeAttachment.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct VolumeAttachment<'a> {
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
    attacher: Option<Cow<'a, str>>,
    #[serde(borrow)]
    source: Option<&'a RawValue>,
    #[serde(borrow)]
    node_name: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Status<'a> {
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    attached: bool,
    #[serde(borrow)]
    attachment_metadata: Option<&'a RawValue>,
    #[serde(borrow)]
    attach_error: Option<&'a RawValue>,
    #[serde(borrow)]
    detach_error: Option<&'a RawValue>,
}

struct VolumeAttachments;

impl ObjectTable for VolumeAttachments {
    const NAME: &'static str = "kubernetes_volume_attachments";
    const DESCRIPTION: &'static str = "VolumeAttachments, one row each: which volume is attached to which node.";
    const SOURCE: Source = Source::resource("storage.k8s.io", "v1", "volumeattachments", "VolumeAttachment");
    type Item<'a> = VolumeAttachment<'a>;

    fn write(r: &mut Row, va: &VolumeAttachment) {
        object_columns(r, &va.metadata, Scope::Cluster);
        r.text(col("attacher", "spec.attacher"), va.spec.attacher.as_deref());
        r.json_or(col("source", "spec.source"), va.spec.source, "{}");
        r.text(col("node_name", "spec.nodeName"), va.spec.node_name.as_deref());
        r.boolean(col("attached", "status.attached"), Some(va.status.attached));
        r.json(col("attachment_metadata", "status.attachmentMetadata"), va.status.attachment_metadata);
        r.json(col("attach_error", "status.attachError"), va.status.attach_error);
        r.json(col("detach_error", "status.detachError"), va.status.detach_error);
        label_selector_column(r);
    }
}

export_table!(VolumeAttachments);
