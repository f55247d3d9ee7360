//! `kubernetes_component_statuses`: one row per condition of each ComponentStatus.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, cluster_columns};
use kubequery_table_sdk::{Pushdown, Row, Rows, Source, Table, col, export_table, view};

#[view]
struct ComponentStatus<'a> {
    metadata: ObjectMeta<'a>,
    conditions: Vec<Condition<'a>>,
}

#[view]
struct Condition<'a> {
    #[serde(rename = "type")]
    type_: Option<Cow<'a, str>>,
    status: Option<Cow<'a, str>>,
    message: Option<Cow<'a, str>>,
    error: Option<Cow<'a, str>>,
}

struct ComponentStatuses;

impl ComponentStatuses {
    fn write(r: &mut Row, cs: &ComponentStatus, c: &Condition) {
        cluster_columns(r);
        r.text(col("name", "metadata.name").pushdown(Pushdown::Name), cs.metadata.name.as_deref());
        r.text(col("type", "conditions[].type"), c.type_.as_deref());
        r.text(col("status", "conditions[].status"), c.status.as_deref());
        r.text(col("message", "conditions[].message"), c.message.as_deref());
        r.text(col("error", "conditions[].error"), c.error.as_deref());
    }
}

impl Table for ComponentStatuses {
    const NAME: &'static str = "kubernetes_component_statuses";
    const DESCRIPTION: &'static str = "Conditions of control-plane components (ComponentStatus), one row each.";
    const SOURCE: Source = Source::resource("", "v1", "componentstatuses", "ComponentStatus");
    type Item<'a> = ComponentStatus<'a>;

    fn describe(row: &mut Row) {
        Self::write(row, &ComponentStatus::default(), &Condition::default());
    }

    fn rows(cs: &ComponentStatus, rows: &mut Rows) {
        for condition in &cs.conditions {
            rows.row(|r| Self::write(r, cs, condition));
        }
    }
}

export_table!(ComponentStatuses);
