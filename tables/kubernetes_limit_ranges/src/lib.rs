//! `kubernetes_limit_ranges`: one row per `spec.limits[]` item of each LimitRange.

use std::borrow::Cow;

use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::{RawValue, Row, Rows, Source, Table, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct LimitRange<'a> {
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    metadata: ObjectMeta<'a>,
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    spec: Spec<'a>,
}

#[derive(Deserialize, Default)]
struct Spec<'a> {
    #[serde(borrow, default, deserialize_with = "kubequery_table_sdk::json::nullable")]
    limits: Vec<Item<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Item<'a> {
    #[serde(borrow, rename = "type")]
    type_: Option<Cow<'a, str>>,
    #[serde(borrow)]
    max: Option<&'a RawValue>,
    #[serde(borrow)]
    min: Option<&'a RawValue>,
    #[serde(borrow)]
    default: Option<&'a RawValue>,
    #[serde(borrow)]
    default_request: Option<&'a RawValue>,
    #[serde(borrow)]
    max_limit_request_ratio: Option<&'a RawValue>,
}

struct LimitRanges;

impl LimitRanges {
    fn write(r: &mut Row, lr: &LimitRange, item: &Item) {
        object_columns(r, &lr.metadata, Scope::Namespaced);
        r.text(col("type", "spec.limits[].type"), item.type_.as_deref());
        r.json(col("max", "spec.limits[].max"), item.max);
        r.json(col("min", "spec.limits[].min"), item.min);
        r.json(col("default", "spec.limits[].default"), item.default);
        r.json(col("default_request", "spec.limits[].defaultRequest"), item.default_request);
        r.json(col("max_limit_request_ratio", "spec.limits[].maxLimitRequestRatio"), item.max_limit_request_ratio);
        label_selector_column(r);
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
