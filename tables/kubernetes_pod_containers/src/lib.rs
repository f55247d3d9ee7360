//! `kubernetes_pod_containers`: one row per init, regular and ephemeral container of each
//! Pod, with the container's status matched by name (kubequery 1.1.1 matched by position,
//! which the kubelet does not guarantee).

use std::borrow::Cow;

use kubequery_table_sdk::container::{Container, ContainerType, all_containers, container_columns};
use kubequery_table_sdk::meta::{ObjectMeta, child_columns, container_uid};
use kubequery_table_sdk::pod::PodChildren;
use kubequery_table_sdk::{Pushdown, RawValue, Row, Rows, Source, Table, col, export_table, view};

#[view]
struct Pod<'a> {
    metadata: ObjectMeta<'a>,
    spec: PodChildren<'a>,
    status: Status<'a>,
}

#[view]
struct Status<'a> {
    init_container_statuses: Vec<ContainerStatus<'a>>,
    container_statuses: Vec<ContainerStatus<'a>>,
    ephemeral_container_statuses: Vec<ContainerStatus<'a>>,
}

#[view]
struct ContainerStatus<'a> {
    name: Option<Cow<'a, str>>,
    state: Option<&'a RawValue>,
    last_state: Option<&'a RawValue>,
    ready: bool,
    restart_count: i64,
    #[serde(rename = "imageID")]
    image_id: Option<Cow<'a, str>>,
    #[serde(rename = "containerID")]
    container_id: Option<Cow<'a, str>>,
    started: Option<bool>,
}

impl Status<'_> {
    fn of(&self, kind: ContainerType, name: Option<&str>) -> Option<&ContainerStatus<'_>> {
        let statuses = match kind {
            ContainerType::Init => &self.init_container_statuses,
            ContainerType::Container => &self.container_statuses,
            ContainerType::Ephemeral => &self.ephemeral_container_statuses,
        };
        let name = name?;
        statuses.iter().find(|s| s.name.as_deref() == Some(name))
    }
}

struct PodContainers;

impl Table for PodContainers {
    const NAME: &'static str = "kubernetes_pod_containers";
    const DESCRIPTION: &'static str =
        "Containers of pods (init, regular, ephemeral), one row each, with the container's status.";
    const SOURCE: Source = Source::resource("", "v1", "pods", "Pod").namespaced();
    type Item<'a> = Pod<'a>;

    fn describe(row: &mut Row) {
        write(row, &Pod::default(), ContainerType::Container, &Container::default());
    }

    fn rows(pod: &Pod, rows: &mut Rows) {
        for (kind, container) in all_containers(&pod.spec) {
            rows.row(|r| write(r, pod, kind, container));
        }
    }
}

fn write(r: &mut Row, pod: &Pod, kind: ContainerType, c: &Container) {
    let name = c.name.as_deref();
    let status = pod.status.of(kind, name);
    // The uid is a SHA-1 of the pod's uid and the name: only worth it when `uid` is read.
    let uid = r.reads_next().then(|| container_uid(&pod.metadata, name)).flatten();
    child_columns(r, uid.as_deref(), name, &pod.metadata);
    container_columns(r, c);
    r.text(col("pod_name", "metadata.name of the pod").pushdown(Pushdown::Name), pod.metadata.name.as_deref());
    r.text(col("container_type", "init, container or ephemeral"), Some(kind.as_str()));
    r.json_or(col("state", "status: state"), status.and_then(|s| s.state), "{}");
    r.json_or(col("last_termination_state", "status: lastState"), status.and_then(|s| s.last_state), "{}");
    r.boolean(col("ready", "status: ready"), Some(status.is_some_and(|s| s.ready)));
    r.integer(col("restart_count", "status: restartCount"), Some(status.map_or(0, |s| s.restart_count)));
    let image_id = status.and_then(|s| s.image_id.as_deref());
    r.text(col("image_repo", "status: imageID up to the last '@'"), image_id.and_then(image_repo));
    r.text(col("image_id", "status: imageID digest"), image_id.map(last_segment));
    r.text(
        col("container_id", "status: containerID without the runtime prefix"),
        status.and_then(|s| s.container_id.as_deref()).map(last_segment),
    );
    r.boolean(col("started", "status: started"), status.and_then(|s| s.started));
}

/// The text after the last `/`, `:` or `@`, unless that separator ends the text
/// (`containerd://4a8e` → `4a8e`, `docker.io/x/y@sha256:5a31` → `5a31`).
fn last_segment(id: &str) -> &str {
    match id.rfind(['/', ':', '@']) {
        Some(at) if at + 1 < id.len() => &id[at + 1..],
        _ => id,
    }
}

/// `imageID` up to its last `@`, or nothing when there is no digest after one.
fn image_repo(id: &str) -> Option<&str> {
    match id.rfind('@') {
        Some(at) if at + 1 < id.len() => Some(&id[..at]),
        _ => None,
    }
}

export_table!(PodContainers);
