//! A CRD's `additionalPrinterColumns` as typed columns of its generic table: the columns
//! `kubectl get` shows (`READY`, `SECRET`, `AGE`, …), computed in the sandbox by the generic
//! component from their JSONPaths (`path-columns` in WIT 0.2.1).
//!
//! The CRDs are read as the tables read any resource (a List of
//! `customresourcedefinitions.apiextensions.k8s.io`, from the cluster or the snapshot); the
//! host reads only their names and printer columns, never the custom objects themselves.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use crate::schema::{ApiResource, Column, ColumnOptions, ColumnType, PathColumn, Source, is_identifier};
use crate::sources::{DataSource, Selection};

/// Printer columns kept per resource; a CRD declaring more is cut, with a warning.
pub(super) const MAX_PRINTER_COLUMNS: usize = 32;

/// Longest JSONPath kept; a longer one (no real CRD has one) leaves its column out.
const MAX_JSON_PATH: usize = 1024;

/// What names a typed column gets when its own would clash with another column.
const CLASH_PREFIX: &str = "printer_";

/// The API groups Kubernetes itself serves, whose resources are never CRDs: their generic
/// tables need no CRD read. A group missing here (a newer one) costs one GET answered 404.
const BUILT_IN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "extensions",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "metrics.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

/// Whether `resource` may be defined by a CRD.
pub(super) fn may_be_custom(resource: &ApiResource) -> bool {
    !BUILT_IN_GROUPS.contains(&resource.group.as_str())
}

/// The resource CRDs are read from.
fn crds() -> ApiResource {
    ApiResource {
        group: "apiextensions.k8s.io".into(),
        version: "v1".into(),
        resource: "customresourcedefinitions".into(),
        kind: "CustomResourceDefinition".into(),
        namespaced: false,
        metadata_only: false,
    }
}

/// Where [`read`] files a resource's printer columns.
pub(super) type Key = (String, String, String);

/// The key of `resource`'s printer columns: its group, plural and version.
pub(super) fn key(resource: &ApiResource) -> Key {
    (resource.group.clone(), resource.resource.clone(), resource.version.clone())
}

/// The printer columns of the CRDs `source` serves (those called `names`, as
/// `<plural>.<group>`, or all when `names` is empty), by [`key`]. A source whose CRDs cannot
/// be read gives none, with a warning naming why.
pub(super) fn read(source: &dyn DataSource, names: &[String]) -> HashMap<Key, Vec<Printed>> {
    let mut columns = HashMap::new();
    let table = crds().generic_table_name();
    let selection = Selection { names: names.to_vec(), ..Selection::default() };
    for page in source.pages(&table, &Source::Resource(crds()), &selection) {
        let page = match page {
            Ok(page) => page,
            Err(failure) => {
                tracing::warn!(
                    "cannot read the CustomResourceDefinitions, so generic tables have no printer columns: {failure}"
                );
                continue;
            }
        };
        let list: List = match serde_json::from_slice(&page.body) {
            Ok(list) => list,
            Err(e) => {
                tracing::warn!(
                    "a page of CustomResourceDefinitions is not a List, its printer columns are left out: {e}"
                );
                continue;
            }
        };
        for object in list.items.into_iter().flatten() {
            // One malformed CRD loses its own columns, not its page's.
            let Ok(Crd { spec }) = serde_json::from_str::<Crd>(object.get()) else {
                tracing::debug!("a CustomResourceDefinition without the expected spec is left out");
                continue;
            };
            for version in &spec.versions {
                // v1beta1 CRDs may declare the columns once for every version.
                let printed = if version.additional_printer_columns.is_empty() {
                    &spec.additional_printer_columns
                } else {
                    &version.additional_printer_columns
                };
                let key = (spec.group.clone(), spec.names.plural.clone(), version.name.clone());
                columns.entry(key).or_insert_with(|| printed.clone());
            }
            if spec.versions.is_empty() && !spec.version.is_empty() {
                let key = (spec.group.clone(), spec.names.plural.clone(), spec.version.clone());
                columns.entry(key).or_insert(spec.additional_printer_columns);
            }
        }
    }
    columns
}

/// The typed columns of `resource`'s generic table, named so that none clashes with `taken`
/// (the template's columns), and the schema columns describing them.
pub(super) fn columns_for(
    resource: &ApiResource,
    printed: &[Printed],
    taken: &[Column],
) -> (Vec<Column>, Vec<PathColumn>) {
    let mut names: HashSet<String> = taken.iter().map(|c| c.name.clone()).collect();
    let mut schema = Vec::new();
    let mut path_columns = Vec::new();
    if printed.len() > MAX_PRINTER_COLUMNS {
        tracing::warn!(
            "{resource}: its CRD declares {} printer columns; the first {MAX_PRINTER_COLUMNS} are kept",
            printed.len()
        );
    }
    for column in printed.iter().take(MAX_PRINTER_COLUMNS) {
        if column.json_path.len() > MAX_JSON_PATH {
            tracing::warn!(
                "{resource}: printer column {:?} has a JSONPath over {MAX_JSON_PATH} bytes, left out",
                column.name
            );
            continue;
        }
        let Some(name) = column_name(&column.name, &names) else {
            tracing::warn!("{resource}: printer column {:?} gives no column name, left out", column.name);
            continue;
        };
        names.insert(name.clone());
        let ty = match column.r#type.as_str() {
            "integer" | "date" => ColumnType::BigInt,
            "number" => ColumnType::Double,
            "boolean" => ColumnType::Integer,
            _ => ColumnType::Text,
        };
        let unit = if column.r#type == "date" { ", Unix seconds" } else { "" };
        schema.push(Column {
            name: name.clone(),
            ty,
            description: crate::text::printable(
                &format!("printer column {} ({}{unit}): {}", column.name, column.r#type, column.json_path),
                512,
            ),
            options: ColumnOptions::default(),
            pushdown: None,
        });
        path_columns.push(PathColumn { name, ty, json_path: column.json_path.clone() });
    }
    (schema, path_columns)
}

/// `Last Schedule` → `last_schedule`; `printer_` + it when that is taken or does not start
/// with a letter; `None` when nothing is left or both are taken.
fn column_name(printed: &str, taken: &HashSet<String>) -> Option<String> {
    let mut name = String::new();
    for c in printed.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('_') {
            name.push('_');
        }
    }
    let name = name.trim_end_matches('_');
    if name.is_empty() || name.len() > 64 {
        return None;
    }
    let plain = (is_identifier(name) && !name.starts_with('_')).then(|| name.to_string());
    [plain, Some(format!("{CLASH_PREFIX}{name}"))]
        .into_iter()
        .flatten()
        .find(|n| is_identifier(n) && !taken.contains(n))
}

/// A printer column as a CRD declares it (`JSONPath` in v1beta1, `jsonPath` in v1).
#[derive(Clone, Debug, Deserialize)]
pub(super) struct Printed {
    name: String,
    #[serde(default)]
    r#type: String,
    #[serde(rename = "jsonPath", alias = "JSONPath")]
    json_path: String,
}

#[derive(Deserialize)]
struct List {
    #[serde(default)]
    items: Option<Vec<Box<serde_json::value::RawValue>>>,
}

#[derive(Deserialize)]
struct Crd {
    spec: Spec,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    group: String,
    names: Names,
    #[serde(default)]
    versions: Vec<Version>,
    /// v1beta1: the one version, when `versions` is absent.
    #[serde(default)]
    version: String,
    /// v1beta1: columns for every version.
    #[serde(default)]
    additional_printer_columns: Vec<Printed>,
}

#[derive(Deserialize)]
struct Names {
    plural: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Version {
    name: String,
    #[serde(default)]
    additional_printer_columns: Vec<Printed>,
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::column_name;

    #[test]
    fn printer_column_names_become_sql_names() {
        let taken: HashSet<String> = ["name", "status", "printer_kind", "kind"].map(String::from).into_iter().collect();
        assert_eq!(column_name("Ready", &taken).as_deref(), Some("ready"));
        assert_eq!(column_name("Last Schedule", &taken).as_deref(), Some("last_schedule"));
        assert_eq!(column_name("Up-To-Date", &taken).as_deref(), Some("up_to_date"));
        assert_eq!(column_name("Status", &taken).as_deref(), Some("printer_status"));
        assert_eq!(column_name("2nd", &taken).as_deref(), Some("printer_2nd"));
        assert_eq!(column_name("Kind", &taken), None);
        assert_eq!(column_name("—", &taken), None);
        assert_eq!(column_name(&"x".repeat(65), &taken), None);
    }
}
