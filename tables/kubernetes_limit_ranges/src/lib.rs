//! `kubernetes_limit_ranges`: one row per `spec.limits[]` item of each LimitRange.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{RawValue, Row, Rows, Source, Table, col, export_table, view};

#[view]
struct LimitRange<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
}

#[view]
struct Spec<'a> {
    limits: Vec<Item<'a>>,
}

#[view]
struct Item<'a> {
    #[serde(rename = "type")]
    type_: Option<Cow<'a, str>>,
    max: Option<&'a RawValue>,
    min: Option<&'a RawValue>,
    default: Option<&'a RawValue>,
    default_request: Option<&'a RawValue>,
    max_limit_request_ratio: Option<&'a RawValue>,
}

struct LimitRanges;

impl LimitRanges {
    fn write(r: &mut Row, lr: &LimitRange, item: &Item) {
        object_columns(r, &lr.metadata);
        r.text(col("type", "spec.limits[].type"), item.type_.as_deref());
        r.json(col("max", "spec.limits[].max"), item.max);
        r.json(col("min", "spec.limits[].min"), item.min);
        r.json(col("default", "spec.limits[].default"), item.default);
        r.json(col("default_request", "spec.limits[].defaultRequest"), item.default_request);
        r.json(col("max_limit_request_ratio", "spec.limits[].maxLimitRequestRatio"), item.max_limit_request_ratio);
    }
}

impl Table for LimitRanges {
    const NAME: &'static str = "kubernetes_limit_ranges";
    const DESCRIPTION: &'static str = "LimitRange items, one row per spec.limits[] entry.";
    const SOURCE: Source = Source::resource("", "v1", "limitranges", "LimitRange").namespaced();
    type Item<'a> = LimitRange<'a>;

    fn describe(row: &mut Row) {
        Self::write(row, &LimitRange::default(), &Item::default());
    }

    fn rows(lr: &LimitRange, rows: &mut Rows) {
        for item in &lr.spec.limits {
            rows.row(|r| Self::write(r, lr, item));
        }
    }
}

export_table!(LimitRanges);
