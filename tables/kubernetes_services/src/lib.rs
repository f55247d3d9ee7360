//! `kubernetes_services`: one row per Service, its spec then its status.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct Service<'a> {
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
    ports: Option<&'a RawValue>,
    #[serde(borrow)]
    selector: Option<&'a RawValue>,
    #[serde(borrow, rename = "clusterIP")]
    cluster_ip: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "clusterIPs")]
    cluster_ips: Option<&'a RawValue>,
    #[serde(borrow, rename = "type")]
    type_: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "externalIPs")]
    external_ips: Option<&'a RawValue>,
    #[serde(borrow)]
    session_affinity: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "loadBalancerIP")]
    load_balancer_ip: Option<Cow<'a, str>>,
    #[serde(borrow)]
    load_balancer_source_ranges: Option<&'a RawValue>,
    #[serde(borrow)]
    external_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    external_traffic_policy: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    health_check_node_port: i64,
    #[serde(default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    publish_not_ready_addresses: bool,
    #[serde(borrow)]
    session_affinity_config: Option<&'a RawValue>,
    #[serde(borrow)]
    ip_families: Option<&'a RawValue>,
    #[serde(borrow)]
    ip_family_policy: Option<Cow<'a, str>>,
    allocate_load_balancer_node_ports: Option<bool>,
    #[serde(borrow)]
    load_balancer_class: Option<Cow<'a, str>>,
    #[serde(borrow)]
    internal_traffic_policy: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Status<'a> {
    #[serde(borrow)]
    load_balancer: Option<&'a RawValue>,
    #[serde(borrow)]
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
        object_columns(r, &svc.metadata, Scope::Namespaced);
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
        label_selector_column(r);
    }
}

export_table!(Services);
