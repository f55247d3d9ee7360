//! `kubernetes_endpoint_subsets`: one row per subset of each Endpoints object (Endpoints
//! without subsets have no rows).

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{RawValue, Row, Rows, Source, Table, col, export_table, view};

#[view]
struct Endpoints<'a> {
    metadata: ObjectMeta<'a>,
    subsets: Vec<Subset<'a>>,
}

#[view]
struct Subset<'a> {
    addresses: Option<&'a RawValue>,
    not_ready_addresses: Option<&'a RawValue>,
    ports: Option<&'a RawValue>,
}

struct EndpointSubsets;

impl EndpointSubsets {
    fn write(r: &mut Row, ep: &Endpoints, subset: &Subset) {
        object_columns(r, &ep.metadata);
        r.json(col("addresses", "subsets[].addresses"), subset.addresses);
        r.json(col("not_ready_addresses", "subsets[].notReadyAddresses"), subset.not_ready_addresses);
        r.json(col("ports", "subsets[].ports"), subset.ports);
    }
}

impl Table for EndpointSubsets {
    const NAME: &'static str = "kubernetes_endpoint_subsets";
    const DESCRIPTION: &'static str = "Subsets of Endpoints, one row each: ready and not-ready addresses and ports.";
    const SOURCE: Source = Source::resource("", "v1", "endpoints", "Endpoints").namespaced();
    type Item<'a> = Endpoints<'a>;

    fn describe(row: &mut Row) {
        Self::write(row, &Endpoints::default(), &Subset::default());
    }

    fn rows(ep: &Endpoints, rows: &mut Rows) {
        for subset in &ep.subsets {
            rows.row(|r| Self::write(r, ep, subset));
        }
    }
}

export_table!(EndpointSubsets);
