//! `kubernetes_pods`: one row per Pod, its pod spec then its whole status.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::pod::{PodSpec, SpecOf, pod_spec_columns};
use kubequery_table_sdk::{ObjectTable, Pushdown, RawValue, Row, Source, col, export_table, view};

#[view]
struct Pod<'a> {
    metadata: ObjectMeta<'a>,
    spec: PodSpec<'a>,
    status: Status<'a>,
}

#[view]
struct Status<'a> {
    phase: Option<Cow<'a, str>>,
    conditions: Option<&'a RawValue>,
    message: Option<Cow<'a, str>>,
    reason: Option<Cow<'a, str>>,
    nominated_node_name: Option<Cow<'a, str>>,
    #[serde(rename = "hostIP")]
    host_ip: Option<Cow<'a, str>>,
    #[serde(rename = "podIP")]
    pod_ip: Option<Cow<'a, str>>,
    #[serde(rename = "podIPs")]
    pod_ips: Option<&'a RawValue>,
    start_time: Option<Cow<'a, str>>,
    init_container_statuses: Option<&'a RawValue>,
    container_statuses: Option<&'a RawValue>,
    qos_class: Option<Cow<'a, str>>,
    ephemeral_container_statuses: Option<&'a RawValue>,
}

struct Pods;

impl ObjectTable for Pods {
    const NAME: &'static str = "kubernetes_pods";
    const DESCRIPTION: &'static str = "Pods, one row each: pod spec and status.";
    const SOURCE: Source = Source::resource("", "v1", "pods", "Pod").namespaced();
    type Item<'a> = Pod<'a>;

    fn write(r: &mut Row, pod: &Pod) {
        let status = &pod.status;
        object_columns(r, &pod.metadata);
        pod_spec_columns(r, &pod.spec, SpecOf::Pod);
        r.text(col("phase", "status.phase").pushdown(Pushdown::FieldSelector("status.phase")), status.phase.as_deref());
        r.json(col("conditions", "status.conditions"), status.conditions);
        r.text(col("message", "status.message"), status.message.as_deref());
        r.text(col("reason", "status.reason"), status.reason.as_deref());
        r.text(col("nominated_node_name", "status.nominatedNodeName"), status.nominated_node_name.as_deref());
        r.text(col("host_ip", "status.hostIP"), status.host_ip.as_deref());
        r.text(col("pod_ip", "status.podIP"), status.pod_ip.as_deref());
        r.json(col("pod_ips", "status.podIPs"), status.pod_ips);
        r.timestamp(col("start_time", "status.startTime, Unix seconds"), status.start_time.as_deref());
        r.json(col("init_container_statuses", "status.initContainerStatuses"), status.init_container_statuses);
        r.json(col("container_statuses", "status.containerStatuses"), status.container_statuses);
        r.text(col("qos_class", "status.qosClass"), status.qos_class.as_deref());
        r.json(
            col("ephemeral_container_statuses", "status.ephemeralContainerStatuses"),
            status.ephemeral_container_statuses,
        );
    }
}

export_table!(Pods);
