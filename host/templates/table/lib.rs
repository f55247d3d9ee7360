//! `{{name}}`: one row per {{kind}} ({{api_version}} {{resource}}).
//!
//! The columns are written once, in `write`: each `r.<type>(col(..), value)` call both declares
//! a column (the schema) and fills it (the row), so the two cannot drift apart. Parse only the
//! fields you show, borrowing strings (`Cow<str>`) and sub-documents (`&RawValue`) from the page.

use kubequery_table_sdk::json::nullable;
use kubequery_table_sdk::meta::{ObjectMeta, Scope, label_selector_column, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct Item<'a> {
    #[serde(borrow, default, deserialize_with = "nullable")]
    metadata: ObjectMeta<'a>,
    #[serde(borrow)]
    spec: Option<&'a RawValue>,
    #[serde(borrow)]
    status: Option<&'a RawValue>,
}

/// The table: its name, description, source and columns.
struct {{kind}}Table;

impl ObjectTable for {{kind}}Table {
    const NAME: &'static str = "{{name}}";
    const DESCRIPTION: &'static str = "{{kind}} objects ({{qualified}}), one row each.";
    const SOURCE: Source = Source::resource("{{group}}", "{{version}}", "{{resource}}", "{{kind}}"){{namespaced}};
    type Item<'a> = Item<'a>;

    fn write(r: &mut Row, item: &Item) {
        // uid, cluster_name, cluster_uid, name,{{namespace_column}} creation_timestamp, labels, annotations
        object_columns(r, &item.metadata, Scope::{{scope}});
        r.json(col("spec", "spec"), item.spec);
        r.json(col("status", "status"), item.status);
        // Hidden: lets `WHERE label_selector = 'app=x'` filter on the API server.
        label_selector_column(r);
    }
}

export_table!({{kind}}Table);
