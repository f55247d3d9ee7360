//! Object metadata and the common columns every kubequery table starts with.

use std::borrow::Cow;

use serde_json::value::RawValue;

use crate::{Pushdown, Row, col, view};

/// The part of `metadata` kubequery exposes.
#[view]
#[derive(Debug)]
pub struct ObjectMeta<'a> {
    pub name: Option<Cow<'a, str>>,
    pub namespace: Option<Cow<'a, str>>,
    pub uid: Option<Cow<'a, str>>,
    pub creation_timestamp: Option<Cow<'a, str>>,
    pub labels: Option<&'a RawValue>,
    pub annotations: Option<&'a RawValue>,
}

/// `cluster_name, cluster_uid`: the columns every table has.
pub fn cluster_columns(r: &mut Row) {
    let cluster = r.cluster();
    r.text(col("cluster_name", "cluster name chosen by the operator"), Some(&cluster.name));
    r.text(col("cluster_uid", "uid of the cluster's kube-system namespace"), Some(&cluster.uid));
}

/// kubequery's common columns of an object: `uid, cluster_name, cluster_uid, name,
/// [namespace,] creation_timestamp, labels, annotations`, with `namespace` when the table's
/// source is namespaced.
pub fn object_columns(r: &mut Row, meta: &ObjectMeta) {
    r.text(col("uid", "metadata.uid").index(), meta.uid.as_deref());
    cluster_columns(r);
    r.text(col("name", "metadata.name").pushdown(Pushdown::Name), meta.name.as_deref());
    if r.namespaced() {
        r.text(namespace_col(), meta.namespace.as_deref());
    }
    parent_columns(r, meta);
}

/// The common columns of a row that belongs to a part of a namespaced object (a container,
/// a volume): its own uid and name, and the parent's namespace, timestamp, labels and
/// annotations.
pub fn child_columns(r: &mut Row, uid: Option<&str>, name: Option<&str>, parent: &ObjectMeta) {
    r.text(col("uid", "uid of this row's entry"), uid);
    cluster_columns(r);
    r.text(col("name", "name of this row's entry"), name);
    r.text(namespace_col(), parent.namespace.as_deref());
    parent_columns(r, parent);
}

/// The uid of a container row, as kubequery 1.1.1 derived it: a name-based (v5) UUID of
/// the parent's uid followed by the container's name.
pub fn container_uid(parent: &ObjectMeta, name: Option<&str>) -> Option<String> {
    parent.uid.as_deref().map(|uid| crate::uuid::v5_dns(&format!("{uid}{}", name.unwrap_or(""))))
}

fn namespace_col() -> crate::Col {
    col("namespace", "metadata.namespace").pushdown(Pushdown::Namespace)
}

fn parent_columns(r: &mut Row, meta: &ObjectMeta) {
    // A missing creation timestamp is "0" in kubequery (Go's zero time, not nil).
    let created = meta.creation_timestamp.as_deref().and_then(crate::time::unix_seconds).unwrap_or(0);
    r.bigint(col("creation_timestamp", "metadata.creationTimestamp, Unix seconds"), Some(created));
    r.json(col("labels", "metadata.labels"), meta.labels);
    r.json(col("annotations", "metadata.annotations"), meta.annotations);
}
