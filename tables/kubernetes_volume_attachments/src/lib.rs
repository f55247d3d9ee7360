//! `kubernetes_volume_attachments`: one row per VolumeAttachment.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct VolumeAttachment<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
    status: Status<'a>,
}

#[view]
struct Spec<'a> {
    attacher: Option<Cow<'a, str>>,
    source: Option<&'a RawValue>,
    node_name: Option<Cow<'a, str>>,
}

#[view]
struct Status<'a> {
    attached: bool,
    attachment_metadata: Option<&'a RawValue>,
    attach_error: Option<&'a RawValue>,
    detach_error: Option<&'a RawValue>,
}

struct VolumeAttachments;

impl ObjectTable for VolumeAttachments {
    const NAME: &'static str = "kubernetes_volume_attachments";
    const DESCRIPTION: &'static str = "VolumeAttachments, one row each: which volume is attached to which node.";
    const SOURCE: Source = Source::resource("storage.k8s.io", "v1", "volumeattachments", "VolumeAttachment");
    type Item<'a> = VolumeAttachment<'a>;

    fn write(r: &mut Row, va: &VolumeAttachment) {
        object_columns(r, &va.metadata);
        r.text(col("attacher", "spec.attacher"), va.spec.attacher.as_deref());
        r.json_or(col("source", "spec.source"), va.spec.source, "{}");
        r.text(col("node_name", "spec.nodeName"), va.spec.node_name.as_deref());
        r.boolean(col("attached", "status.attached"), Some(va.status.attached));
        r.json(col("attachment_metadata", "status.attachmentMetadata"), va.status.attachment_metadata);
        r.json(col("attach_error", "status.attachError"), va.status.attach_error);
        r.json(col("detach_error", "status.detachError"), va.status.detach_error);
    }
}

export_table!(VolumeAttachments);
