//! `kubernetes_services`: one row per Service, its spec then its status.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct Service<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
    status: Status<'a>,
}

#[view]
struct Spec<'a> {
    ports: Option<&'a RawValue>,
    selector: Option<&'a RawValue>,
    #[serde(rename = "clusterIP")]
    cluster_ip: Option<Cow<'a, str>>,
    #[serde(rename = "clusterIPs")]
    cluster_ips: Option<&'a RawValue>,
    #[serde(rename = "type")]
    type_: Option<Cow<'a, str>>,
    #[serde(rename = "externalIPs")]
    external_ips: Option<&'a RawValue>,
    session_affinity: Option<Cow<'a, str>>,
    #[serde(rename = "loadBalancerIP")]
    load_balancer_ip: Option<Cow<'a, str>>,
    load_balancer_source_ranges: Option<&'a RawValue>,
    external_name: Option<Cow<'a, str>>,
    external_traffic_policy: Option<Cow<'a, str>>,
    health_check_node_port: i64,
    publish_not_ready_addresses: bool,
    session_affinity_config: Option<&'a RawValue>,
    ip_families: Option<&'a RawValue>,
    ip_family_policy: Option<Cow<'a, str>>,
    allocate_load_balancer_node_ports: Option<bool>,
    load_balancer_class: Option<Cow<'a, str>>,
    internal_traffic_policy: Option<Cow<'a, str>>,
}

#[view]
struct Status<'a> {
    load_balancer: Option<&'a RawValue>,
    conditions: Option<&'a RawValue>,
}

struct Services;

impl ObjectTable for Services {
    const NAME: &'static str = "kubernetes_services";
    const DESCRIPTION: &'static str = "Services, one row each: ports, selector, addresses and load balancer status.";
    const SOURCE: Source = Source::resource("", "v1", "services", "Service").namespaced();
    type Item<'a> = Service<'a>;

    fn write(r: &mut Row, svc: &Service) {
        let (spec, status) = (&svc.spec, &svc.status);
        object_columns(r, &svc.metadata);
        r.json(col("ports", "spec.ports"), spec.ports);
        r.json(col("selector", "spec.selector"), spec.selector);
        r.text(col("cluster_ip", "spec.clusterIP"), spec.cluster_ip.as_deref());
        r.json(col("cluster_ips", "spec.clusterIPs"), spec.cluster_ips);
        r.text(col("type", "spec.type"), spec.type_.as_deref());
        r.json(col("external_ips", "spec.externalIPs"), spec.external_ips);
        r.text(col("session_affinity", "spec.sessionAffinity"), spec.session_affinity.as_deref());
        r.text(col("load_balancer_ip", "spec.loadBalancerIP"), spec.load_balancer_ip.as_deref());
        r.json(col("load_balancer_source_ranges", "spec.loadBalancerSourceRanges"), spec.load_balancer_source_ranges);
        r.text(col("external_name", "spec.externalName"), spec.external_name.as_deref());
        r.text(col("external_traffic_policy", "spec.externalTrafficPolicy"), spec.external_traffic_policy.as_deref());
        r.integer(col("health_check_node_port", "spec.healthCheckNodePort"), Some(spec.health_check_node_port));
        r.boolean(
            col("publish_not_ready_addresses", "spec.publishNotReadyAddresses"),
            Some(spec.publish_not_ready_addresses),
        );
        r.json(col("session_affinity_config", "spec.sessionAffinityConfig"), spec.session_affinity_config);
        r.json(col("ip_families", "spec.ipFamilies"), spec.ip_families);
        r.text(col("ip_family_policy", "spec.ipFamilyPolicy"), spec.ip_family_policy.as_deref());
        r.boolean(
            col("allocate_load_balancer_node_ports", "spec.allocateLoadBalancerNodePorts"),
            spec.allocate_load_balancer_node_ports,
        );
        r.text(col("load_balancer_class", "spec.loadBalancerClass"), spec.load_balancer_class.as_deref());
        r.text(col("internal_traffic_policy", "spec.internalTrafficPolicy"), spec.internal_traffic_policy.as_deref());
        r.json_or(col("load_balancer", "status.loadBalancer"), status.load_balancer, "{}");
        r.json(col("conditions", "status.conditions"), status.conditions);
    }
}

export_table!(Services);
