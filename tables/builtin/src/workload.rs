//! Objects that carry a pod spec — pods, pod templates and workloads — and their child
//! tables: one row per volume of the pod spec ([`Volumes`], every kind), and one row per
//! container of a pod template ([`Containers`], every kind but Pod, whose containers table
//! also carries statuses and is a table of its own).
//!
//! A table crate for `kubernetes_daemon_set_volumes` is then one line:
//! `export_table!(Volumes<DaemonSets>);`.

use std::marker::PhantomData;

use serde::Deserialize;

use kubequery_table_sdk::container::{ContainerType, all_containers, container_columns};
use kubequery_table_sdk::meta::{ObjectMeta, child_columns, container_uid};
use kubequery_table_sdk::pod::{PodChildren, PodSpec};
use kubequery_table_sdk::volume::{Volume, VolumeOf, volume_columns};
use kubequery_table_sdk::{Col, Pushdown, Row, Rows, Source, Table, col, view};

/// A kind of object with a pod spec, and the name of its volumes table.
pub trait PodSpecKind {
    /// `kubernetes_daemon_set_volumes`, …
    const VOLUMES_TABLE: &'static str;
    /// The column naming the parent, e.g. `daemon_set_name`.
    const PARENT_COLUMN: &'static str;
    /// What the child tables list.
    const SOURCE: Source;
    /// One object of the kind.
    type Item<'a>: Deserialize<'a> + Default;
    /// The object's metadata.
    fn meta<'s, 'a>(item: &'s Self::Item<'a>) -> &'s ObjectMeta<'a>;
    /// The containers and volumes of the object's pod spec.
    fn pod_children<'s, 'a>(item: &'s Self::Item<'a>) -> &'s PodChildren<'a>;
}

/// A kind whose pod spec is a template (every kind but Pod), and the name of its
/// containers table.
pub trait PodTemplateKind: PodSpecKind {
    /// `kubernetes_daemon_set_containers`, …
    const CONTAINERS_TABLE: &'static str;
}

/// An object whose pod spec is `spec.template.spec` (Deployment, DaemonSet, …).
#[view]
pub struct Templated<'a> {
    pub metadata: ObjectMeta<'a>,
    pub spec: TemplatedSpec<'a>,
}

/// The `spec` of a templated workload: its pod template's containers and volumes.
#[view]
pub struct TemplatedSpec<'a> {
    pub template: PodTemplateChildren<'a>,
}

/// `{metadata, spec}` of a pod template, for the tables of the workload itself: its pod
/// spec's own fields.
#[view]
pub struct PodTemplateSpec<'a> {
    pub spec: PodSpec<'a>,
}

/// `{metadata, spec}` of a pod template, for the container and volume tables.
#[view]
pub struct PodTemplateChildren<'a> {
    pub spec: PodChildren<'a>,
}

/// A PodTemplate object, for its volume and container tables: its pod spec is
/// `template.spec`.
#[view]
pub struct PodTemplate<'a> {
    pub metadata: ObjectMeta<'a>,
    pub template: PodTemplateChildren<'a>,
}

/// A Pod: its pod spec is `spec`.
#[view]
pub struct PodObject<'a> {
    pub metadata: ObjectMeta<'a>,
    pub spec: PodChildren<'a>,
}

macro_rules! templated_kind {
    ($kind:ident, $containers:literal, $volumes:literal, $parent:literal, $plural:literal, $source:expr) => {
        #[doc = concat!("The ", $plural, " kind.")]
        pub struct $kind;

        impl PodTemplateKind for $kind {
            const CONTAINERS_TABLE: &'static str = $containers;
        }

        impl PodSpecKind for $kind {
            const VOLUMES_TABLE: &'static str = $volumes;
            const PARENT_COLUMN: &'static str = $parent;
            const SOURCE: Source = $source;
            type Item<'a> = Templated<'a>;

            fn meta<'s, 'a>(item: &'s Self::Item<'a>) -> &'s ObjectMeta<'a> {
                &item.metadata
            }

            fn pod_children<'s, 'a>(item: &'s Self::Item<'a>) -> &'s PodChildren<'a> {
                &item.spec.template.spec
            }
        }
    };
}

templated_kind!(
    DaemonSets,
    "kubernetes_daemon_set_containers",
    "kubernetes_daemon_set_volumes",
    "daemon_set_name",
    "DaemonSets",
    Source::resource("apps", "v1", "daemonsets", "DaemonSet").namespaced()
);
templated_kind!(
    Deployments,
    "kubernetes_deployments_containers",
    "kubernetes_deployments_volumes",
    "deployment_name",
    "Deployments",
    Source::resource("apps", "v1", "deployments", "Deployment").namespaced()
);
templated_kind!(
    ReplicaSets,
    "kubernetes_replica_set_containers",
    "kubernetes_replica_set_volumes",
    "replica_set_name",
    "ReplicaSets",
    Source::resource("apps", "v1", "replicasets", "ReplicaSet").namespaced()
);
templated_kind!(
    StatefulSets,
    "kubernetes_stateful_set_containers",
    "kubernetes_stateful_set_volumes",
    "stateful_set_name",
    "StatefulSets",
    Source::resource("apps", "v1", "statefulsets", "StatefulSet").namespaced()
);

/// The PodTemplate kind.
pub struct PodTemplates;

impl PodTemplateKind for PodTemplates {
    const CONTAINERS_TABLE: &'static str = "kubernetes_pod_template_containers";
}

impl PodSpecKind for PodTemplates {
    const VOLUMES_TABLE: &'static str = "kubernetes_pod_templates_volumes";
    const PARENT_COLUMN: &'static str = "pod_template_name";
    const SOURCE: Source = Source::resource("", "v1", "podtemplates", "PodTemplate").namespaced();
    type Item<'a> = PodTemplate<'a>;

    fn meta<'s, 'a>(item: &'s Self::Item<'a>) -> &'s ObjectMeta<'a> {
        &item.metadata
    }

    fn pod_children<'s, 'a>(item: &'s Self::Item<'a>) -> &'s PodChildren<'a> {
        &item.template.spec
    }
}

/// The Pod kind. It has no [`Containers`] table here: `kubernetes_pod_containers` also
/// carries container statuses and is a table of its own.
pub struct Pods;

impl PodSpecKind for Pods {
    const VOLUMES_TABLE: &'static str = "kubernetes_pod_volumes";
    const PARENT_COLUMN: &'static str = "pod_name";
    const SOURCE: Source = Source::resource("", "v1", "pods", "Pod").namespaced();
    type Item<'a> = PodObject<'a>;

    fn meta<'s, 'a>(item: &'s Self::Item<'a>) -> &'s ObjectMeta<'a> {
        &item.metadata
    }

    fn pod_children<'s, 'a>(item: &'s Self::Item<'a>) -> &'s PodChildren<'a> {
        &item.spec
    }
}

fn parent_column<K: PodSpecKind>() -> Col {
    col(K::PARENT_COLUMN, "metadata.name of the parent").pushdown(Pushdown::Name)
}

/// One row per init, regular and ephemeral container of `K`'s pod template.
pub struct Containers<K>(PhantomData<K>);

impl<K: PodTemplateKind> Containers<K> {
    fn write(r: &mut Row, item: &K::Item<'_>, kind: ContainerType, c: &kubequery_table_sdk::container::Container) {
        let meta = K::meta(item);
        let name = c.name.as_deref();
        // The uid is a SHA-1 of the parent's uid and the name: only worth it when read.
        let uid = r.reads_next().then(|| container_uid(meta, name)).flatten();
        child_columns(r, uid.as_deref(), name, meta);
        container_columns(r, c);
        r.text(parent_column::<K>(), meta.name.as_deref());
        r.text(col("container_type", "init, container or ephemeral"), Some(kind.as_str()));
    }
}

impl<K: PodTemplateKind> Table for Containers<K> {
    const NAME: &'static str = K::CONTAINERS_TABLE;
    const DESCRIPTION: &'static str = "Containers of the pod template (init, regular, ephemeral), one row each.";
    const SOURCE: Source = K::SOURCE;
    type Item<'a> = K::Item<'a>;

    fn describe(row: &mut Row) {
        Self::write(row, &Default::default(), ContainerType::Container, &Default::default());
    }

    fn rows(item: &Self::Item<'_>, rows: &mut Rows) {
        for (kind, container) in all_containers(K::pod_children(item)) {
            rows.row(|r| Self::write(r, item, kind, container));
        }
    }
}

/// One row per volume of `K`'s pod spec; `uid` is the parent's.
pub struct Volumes<K>(PhantomData<K>);

impl<K: PodSpecKind> Volumes<K> {
    fn write(r: &mut Row, item: &K::Item<'_>, volume: &Volume) {
        let meta = K::meta(item);
        child_columns(r, meta.uid.as_deref(), volume.name.as_deref(), meta);
        volume_columns(r, volume, VolumeOf::PodSpec);
        r.text(parent_column::<K>(), meta.name.as_deref());
    }
}

impl<K: PodSpecKind> Table for Volumes<K> {
    const NAME: &'static str = K::VOLUMES_TABLE;
    const DESCRIPTION: &'static str = "Volumes of the pod spec, one row each.";
    const SOURCE: Source = K::SOURCE;
    type Item<'a> = K::Item<'a>;

    fn describe(row: &mut Row) {
        Self::write(row, &Default::default(), &Default::default());
    }

    fn rows(item: &Self::Item<'_>, rows: &mut Rows) {
        for volume in &K::pod_children(item).volumes {
            rows.row(|r| Self::write(r, item, volume));
        }
    }
}
