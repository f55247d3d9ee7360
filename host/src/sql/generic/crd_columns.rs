//! The typed columns a CRD gives its generic table: its `additionalPrinterColumns` — what
//! `kubectl get` shows (`READY`, `SECRET`, `AGE`, …) — and the top-level scalar fields of
//! `spec` and `status` in its OpenAPI schema (`spec_secret_name`, `status_not_after`). Both
//! are computed in the sandbox by the generic component, from JSONPaths (`path-columns` in
//! WIT 0.2.1).
//!
//! The CRDs are read as the tables read any resource (a List of
//! `customresourcedefinitions.apiextensions.k8s.io`, from the cluster or the snapshot); the
//! host reads only their names, printer columns and schema, never the custom objects.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use crate::schema::{ApiResource, Column, ColumnOptions, ColumnType, PathColumn, Source, is_identifier};
use crate::sources::{DataSource, Selection};

/// Printer columns kept per resource; a CRD declaring more is cut, with a warning.
const MAX_PRINTER_COLUMNS: usize = 32;

/// Schema fields kept per resource (after the printer columns), in `spec` then `status`.
const MAX_SCHEMA_FIELDS: usize = 64;

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

/// Where [`read`] files what a CRD declares for one version.
pub(super) type Key = (String, String, String);

/// What a CRD declares for one of its versions.
#[derive(Clone, Debug, Default)]
pub(super) struct Declared {
    printed: Vec<Printed>,
    /// The top-level fields of `spec` and `status` with a scalar type: (`spec` or `status`,
    /// field name, schema).
    fields: Vec<(&'static str, String, Leaf)>,
}

/// The key of what `resource`'s CRD declares: its group, plural and version.
pub(super) fn key(resource: &ApiResource) -> Key {
    (resource.group.clone(), resource.resource.clone(), resource.version.clone())
}

/// What the CRDs `source` serves declare (those called `names`, as `<plural>.<group>`, or
/// all when `names` is empty), by [`key`]. A source whose CRDs cannot be read gives none, with
/// a warning naming why.
pub(super) fn read(source: &dyn DataSource, names: &[String]) -> HashMap<Key, Declared> {
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
                // v1beta1 CRDs may declare the columns and schema once for every version.
                let printed = if version.additional_printer_columns.is_empty() {
                    &spec.additional_printer_columns
                } else {
                    &version.additional_printer_columns
                };
                let schema = version.schema.as_ref().or(spec.validation.as_ref());
                let key = (spec.group.clone(), spec.names.plural.clone(), version.name.clone());
                columns.entry(key).or_insert_with(|| Declared { printed: printed.clone(), fields: fields_of(schema) });
            }
            if spec.versions.is_empty() && !spec.version.is_empty() {
                let key = (spec.group.clone(), spec.names.plural.clone(), spec.version.clone());
                let fields = fields_of(spec.validation.as_ref());
                columns.entry(key).or_insert(Declared { printed: spec.additional_printer_columns, fields });
            }
        }
    }
    columns
}

/// The top-level scalar fields of `spec` and `status` in a version's schema.
fn fields_of(schema: Option<&VersionSchema>) -> Vec<(&'static str, String, Leaf)> {
    let Some(top) = schema.and_then(|s| s.open_api_v3_schema.as_ref()) else { return Vec::new() };
    let mut fields = Vec::new();
    for part in ["spec", "status"] {
        if let Some(object) = top.properties.get(part) {
            for (name, leaf) in &object.properties {
                if matches!(leaf.ty.as_str(), "string" | "integer" | "number" | "boolean") {
                    fields.push((part, name.clone(), leaf.clone()));
                }
            }
        }
    }
    fields
}

/// The typed columns of `resource`'s generic table, named so that none clashes with `taken`
/// (the template's columns), and the schema columns describing them: the printer columns,
/// then the schema's fields.
pub(super) fn columns_for(
    resource: &ApiResource,
    declared: &Declared,
    taken: &[Column],
) -> (Vec<Column>, Vec<PathColumn>) {
    let mut names: HashSet<String> = taken.iter().map(|c| c.name.clone()).collect();
    let mut schema = Vec::new();
    let mut path_columns = Vec::new();
    let mut add =
        |names: &mut HashSet<String>, name: String, ty: ColumnType, description: String, json_path: String| {
            names.insert(name.clone());
            schema.push(Column {
                name: name.clone(),
                ty,
                description: crate::text::printable(&description, 512),
                options: ColumnOptions::default(),
                pushdown: None,
            });
            path_columns.push(PathColumn { name, ty, json_path });
        };
    let printed = &declared.printed;
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
        let ty = column_type(&column.r#type, "");
        let unit = if column.r#type == "date" { ", Unix seconds" } else { "" };
        let description = format!("printer column {} ({}{unit}): {}", column.name, column.r#type, column.json_path);
        add(&mut names, name, ty, description, column.json_path.clone());
    }
    // A field a printer column already shows is not repeated.
    let shown: HashSet<&str> = printed.iter().map(|c| c.json_path.as_str()).collect();
    for (part, field, leaf) in declared.fields.iter().take(MAX_SCHEMA_FIELDS) {
        let json_path = if field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            format!(".{part}.{field}")
        } else {
            format!(".{part}['{}']", field.replace('\\', "\\\\").replace('\'', "\\'"))
        };
        if shown.contains(json_path.as_str()) || json_path.len() > MAX_JSON_PATH {
            continue;
        }
        let Some(name) = column_name(&format!("{part}_{}", snake_case(field)), &names) else { continue };
        let ty = column_type(&leaf.ty, &leaf.format);
        let format = if leaf.format.is_empty() { String::new() } else { format!(", {}", leaf.format) };
        let unit = if ty == ColumnType::BigInt && leaf.ty == "string" { ", Unix seconds" } else { "" };
        let description = format!("{part}.{field} ({}{format}{unit}), from the CRD's schema", leaf.ty);
        add(&mut names, name, ty, description, json_path);
    }
    (schema, path_columns)
}

/// The column type of a printer column's `type` or a schema field's `type` and `format`.
fn column_type(ty: &str, format: &str) -> ColumnType {
    match (ty, format) {
        ("integer" | "date", _) | ("string", "date-time") => ColumnType::BigInt,
        ("number", _) => ColumnType::Double,
        ("boolean", _) => ColumnType::Integer,
        _ => ColumnType::Text,
    }
}

/// `secretName` → `secret_name`, `isCA` → `is_ca`, `podIPs` → `pod_ips`.
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let previous = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            // `URLPath`: the capital before a lowercase letter starts a word, unless that
            // letter is a plural's final `s` (`IPs`).
            let plural_s = chars.get(i + 1) == Some(&'s') && !chars.get(i + 2).is_some_and(char::is_ascii_lowercase);
            let acronym_end = previous.is_ascii_uppercase() && next_is_lower && !plural_s;
            if previous.is_ascii_lowercase() || previous.is_ascii_digit() || acronym_end {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
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
    /// v1beta1: the schema of every version.
    #[serde(default)]
    validation: Option<VersionSchema>,
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
    #[serde(default)]
    schema: Option<VersionSchema>,
}

/// `schema` (v1) or `validation` (v1beta1): the OpenAPI schema, read two levels deep.
#[derive(Deserialize)]
struct VersionSchema {
    #[serde(rename = "openAPIV3Schema")]
    open_api_v3_schema: Option<Object>,
}

/// An object schema: its properties.
#[derive(Deserialize)]
struct Object {
    #[serde(default)]
    properties: std::collections::BTreeMap<String, Object1>,
}

/// `spec` or `status`: its properties, whose own properties are not read.
#[derive(Deserialize)]
struct Object1 {
    #[serde(default)]
    properties: std::collections::BTreeMap<String, Leaf>,
}

/// A field's type and format.
#[derive(Clone, Debug, Deserialize)]
struct Leaf {
    #[serde(default, rename = "type")]
    ty: String,
    #[serde(default)]
    format: String,
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::{column_name, snake_case};

    #[test]
    fn schema_field_names_become_snake_case() {
        for (field, snake) in [
            ("secretName", "secret_name"),
            ("isCA", "is_ca"),
            ("podIP", "pod_ip"),
            ("podIPs", "pod_ips"),
            ("notAfter", "not_after"),
            ("dnsNames", "dns_names"),
            ("URLPath", "url_path"),
            ("replicas", "replicas"),
            ("v2Field", "v2_field"),
        ] {
            assert_eq!(snake_case(field), snake, "{field}");
        }
    }

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
