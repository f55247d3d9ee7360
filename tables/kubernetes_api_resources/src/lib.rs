//! `kubernetes_api_resources`: one row per resource of every API group version the server
//! serves (subresources such as `pods/log` included).

use std::borrow::Cow;

use kubequery_table_sdk::meta::cluster_columns;
use kubequery_table_sdk::{RawValue, Row, Rows, Source, Table, col, export_table, view};

#[view]
struct ResourceList<'a> {
    group_version: Option<Cow<'a, str>>,
    resources: Vec<Resource<'a>>,
}

#[view]
struct Resource<'a> {
    name: Option<Cow<'a, str>>,
    singular_name: Option<Cow<'a, str>>,
    namespaced: bool,
    group: Option<Cow<'a, str>>,
    version: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    verbs: Option<&'a RawValue>,
    short_names: Option<&'a RawValue>,
    categories: Option<&'a RawValue>,
    storage_version_hash: Option<Cow<'a, str>>,
}

struct ApiResources;

impl ApiResources {
    fn write(r: &mut Row, list: &ResourceList, res: &Resource) {
        cluster_columns(r);
        r.text(col("name", "APIResource.name"), res.name.as_deref());
        r.text(col("singular_name", "APIResource.singularName"), res.singular_name.as_deref());
        r.boolean(col("namespaced", "APIResource.namespaced"), Some(res.namespaced));
        r.text(col("group", "APIResource.group"), res.group.as_deref());
        r.text(col("version", "APIResource.version"), res.version.as_deref());
        r.text(col("kind", "APIResource.kind"), res.kind.as_deref());
        r.json(col("verbs", "APIResource.verbs"), res.verbs);
        r.json(col("short_names", "APIResource.shortNames"), res.short_names);
        r.json(col("categories", "APIResource.categories"), res.categories);
        r.text(col("storage_version_hash", "APIResource.storageVersionHash"), res.storage_version_hash.as_deref());
        r.text(col("group_version", "APIResourceList.groupVersion"), list.group_version.as_deref());
    }
}

impl Table for ApiResources {
    const NAME: &'static str = "kubernetes_api_resources";
    const DESCRIPTION: &'static str = "API resources the server serves, one row per resource per group version.";
    const SOURCE: Source = Source::Discovery;
    type Item<'a> = ResourceList<'a>;

    fn describe(row: &mut Row) {
        Self::write(row, &ResourceList::default(), &Resource::default());
    }

    fn rows(list: &ResourceList, rows: &mut Rows) {
        for resource in &list.resources {
            rows.row(|r| Self::write(r, list, resource));
        }
    }
}

export_table!(ApiResources);
