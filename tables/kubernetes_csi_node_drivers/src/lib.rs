//! `kubernetes_csi_node_drivers`: one row per driver of each CSINode (kubequery 1.1.1 did not
//! expose the node's name, and neither does this table).

use std::borrow::Cow;

use kubequery_table_sdk::meta::{cluster_columns, label_selector_column};
use kubequery_table_sdk::{RawValue, Row, Rows, Source, Table, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct CsiNode<'a> {
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    spec: Spec<'a>,
}

#[derive(Deserialize, Default)]
struct Spec<'a> {
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    drivers: Vec<Driver<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "nodeID")]
    node_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    topology_keys: Option<&'a RawValue>,
    #[serde(borrow)]
    allocatable: Option<&'a RawValue>,
}

struct CsiNodeDrivers;

impl CsiNodeDrivers {
    fn write(r: &mut Row, d: &Driver) {
        cluster_columns(r);
        r.text(col("name", "spec.drivers[].name"), d.name.as_deref());
        r.text(col("node_id", "spec.drivers[].nodeID"), d.node_id.as_deref());
        r.json(col("topology_keys", "spec.drivers[].topologyKeys"), d.topology_keys);
        r.json(col("allocatable", "spec.drivers[].allocatable"), d.allocatable);
        label_selector_column(r);
    }
}

impl Table for CsiNodeDrivers {
    const NAME: &'static str = "kubernetes_csi_node_drivers";
    const DESCRIPTION: &'static str = "CSI drivers registered on nodes (CSINode), one row per driver per node.";
    const SOURCE: Source = Source::resource("storage.k8s.io", "v1", "csinodes", "CSINode");
    type Item<'a> = CsiNode<'a>;

    fn describe(row: &mut Row) {
        Self::write(row, &Driver::default());
    }

    fn rows(node: &CsiNode, rows: &mut Rows) {
        for driver in &node.spec.drivers {
            rows.row(|r| Self::write(r, driver));
        }
    }
}

export_table!(CsiNodeDrivers);
