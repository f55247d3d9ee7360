//! `kubernetes_csi_node_drivers`: one row per driver of each CSINode (kubequery 1.1.1 did not
//! expose the node's name, and neither does this table).

use std::borrow::Cow;

use kubequery_table_sdk::meta::cluster_columns;
use kubequery_table_sdk::{RawValue, Row, Rows, Source, Table, col, export_table, view};

#[view]
struct CsiNode<'a> {
    spec: Spec<'a>,
}

#[view]
struct Spec<'a> {
    drivers: Vec<Driver<'a>>,
}

#[view]
struct Driver<'a> {
    name: Option<Cow<'a, str>>,
    #[serde(rename = "nodeID")]
    node_id: Option<Cow<'a, str>>,
    topology_keys: Option<&'a RawValue>,
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
