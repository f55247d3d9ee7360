//! `kubernetes_nodes`: one row per Node, its spec then its status.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct Node<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
    status: Status<'a>,
}

#[view]
struct Spec<'a> {
    #[serde(rename = "podCIDR")]
    pod_cidr: Option<Cow<'a, str>>,
    #[serde(rename = "podCIDRs")]
    pod_cidrs: Option<&'a RawValue>,
    #[serde(rename = "providerID")]
    provider_id: Option<Cow<'a, str>>,
    unschedulable: bool,
    taints: Option<&'a RawValue>,
    config_source: Option<&'a RawValue>,
    #[serde(rename = "externalID")]
    external_id: Option<Cow<'a, str>>,
}

#[view]
struct Status<'a> {
    capacity: Option<&'a RawValue>,
    allocatable: Option<&'a RawValue>,
    phase: Option<Cow<'a, str>>,
    conditions: Option<&'a RawValue>,
    addresses: Option<&'a RawValue>,
    daemon_endpoints: Option<&'a RawValue>,
    node_info: Option<&'a RawValue>,
    images: Option<&'a RawValue>,
    volumes_in_use: Option<&'a RawValue>,
    volumes_attached: Option<&'a RawValue>,
    config: Option<&'a RawValue>,
}

/// Go's encoding of the zero values kubequery emitted for these non-pointer structs.
const ZERO_DAEMON_ENDPOINTS: &str = r#"{"kubeletEndpoint":{"Port":0}}"#;
const ZERO_NODE_INFO: &str = r#"{"machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeletVersion":"","kubeProxyVersion":"","operatingSystem":"","architecture":""}"#;

struct Nodes;

impl ObjectTable for Nodes {
    const NAME: &'static str = "kubernetes_nodes";
    const DESCRIPTION: &'static str = "Nodes, one row each: spec, capacity, conditions and node info.";
    const SOURCE: Source = Source::resource("", "v1", "nodes", "Node");
    type Item<'a> = Node<'a>;

    fn write(r: &mut Row, node: &Node) {
        let (spec, status) = (&node.spec, &node.status);
        object_columns(r, &node.metadata);
        r.text(col("pod_cidr", "spec.podCIDR"), spec.pod_cidr.as_deref());
        r.json(col("pod_cidrs", "spec.podCIDRs"), spec.pod_cidrs);
        r.text(col("provider_id", "spec.providerID"), spec.provider_id.as_deref());
        r.boolean(col("unschedulable", "spec.unschedulable"), Some(spec.unschedulable));
        r.json(col("taints", "spec.taints"), spec.taints);
        r.json(col("config_source", "spec.configSource"), spec.config_source);
        r.text(col("do_not_use_external_id", "spec.externalID"), spec.external_id.as_deref());
        r.json(col("capacity", "status.capacity"), status.capacity);
        r.json(col("allocatable", "status.allocatable"), status.allocatable);
        r.text(col("phase", "status.phase"), status.phase.as_deref());
        r.json(col("conditions", "status.conditions"), status.conditions);
        r.json(col("addresses", "status.addresses"), status.addresses);
        r.json_or(col("daemon_endpoints", "status.daemonEndpoints"), status.daemon_endpoints, ZERO_DAEMON_ENDPOINTS);
        r.json_or(col("node_info", "status.nodeInfo"), status.node_info, ZERO_NODE_INFO);
        r.json(col("images", "status.images"), status.images);
        r.json(col("volumes_in_use", "status.volumesInUse"), status.volumes_in_use);
        r.json(col("volumes_attached", "status.volumesAttached"), status.volumes_attached);
        r.json(col("config", "status.config"), status.config);
    }
}

export_table!(Nodes);
