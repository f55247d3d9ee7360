//! `{{name}}`: one row per {{kind}} ({{api_version}} {{resource}}).
//!
//! The columns are written once, in `write`: each `r.<type>(col(..), value)` call both declares
//! a column (the schema) and fills it (the row), so the two cannot drift apart. Parse only the
//! fields you show: `#[view]` borrows strings (`Cow<str>`) and sub-documents (`&RawValue`) from
//! the page, reads camelCase JSON names, and treats a missing or null field as empty. The SDK
//! adds the hidden `label_selector` column, which lets `WHERE label_selector = 'app=x'` filter
//! on the API server.

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct Item<'a> {
    metadata: ObjectMeta<'a>,
    spec: Option<&'a RawValue>,
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
        object_columns(r, &item.metadata);
        r.json(col("spec", "spec"), item.spec);
        r.json(col("status", "status"), item.status);
    }
}

export_table!({{kind}}Table);
