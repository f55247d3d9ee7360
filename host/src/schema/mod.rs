//! What a table is, independent of the WIT version its component was built against. Each
//! `wasm::v*` module converts its generated types into these.

mod columns;
mod names;

use std::collections::HashSet;
use std::fmt;

use thiserror::Error;

pub use columns::ColumnSet;
pub use names::NameError;

/// osquery column types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ColumnType {
    Text,
    Integer,
    BigInt,
    Double,
}

impl ColumnType {
    /// The type name osquery and SQLite declarations use.
    pub fn sql_name(self) -> &'static str {
        match self {
            ColumnType::Text => "TEXT",
            ColumnType::Integer => "INTEGER",
            ColumnType::BigInt => "BIGINT",
            ColumnType::Double => "DOUBLE",
        }
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sql_name())
    }
}

/// osquery column options, plus whether TEXT holds JSON.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ColumnOptions {
    pub index: bool,
    pub required: bool,
    pub hidden: bool,
    pub json: bool,
}

/// How an equality constraint on a column can narrow the request for a table's input.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Pushdown {
    Namespace,
    Name,
    FieldSelector(String),
    LabelSelector,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    pub description: String,
    pub options: ColumnOptions,
    pub pushdown: Option<Pushdown>,
}

/// A column the host appends to a table's schema at run time, found in each object by a
/// kubectl JSONPath: a CRD's printer column, in its generic table (`path-columns` in WIT 0.2.1).
#[derive(Clone, Debug, PartialEq)]
pub struct PathColumn {
    pub name: String,
    pub ty: ColumnType,
    /// The JSONPath, without braces: `.status.conditions[?(@.type=="Ready")].status`.
    pub json_path: String,
}

/// A Kubernetes API resource a table lists.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ApiResource {
    pub group: String,
    pub version: String,
    pub resource: String,
    pub kind: String,
    pub namespaced: bool,
    pub metadata_only: bool,
}

impl ApiResource {
    /// A namespaced resource of the core group (`v1`), listed whole: `pods`/`Pod`.
    pub fn core(resource: &str, kind: &str) -> Self {
        ApiResource {
            group: String::new(),
            version: "v1".into(),
            resource: resource.into(),
            kind: kind.into(),
            namespaced: true,
            metadata_only: false,
        }
    }

    /// `apiVersion` as objects carry it: `v1`, `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.clone() } else { format!("{}/{}", self.group, self.version) }
    }

    /// The resource as RBAC and `kubectl` name it: `pods`, `certificates.cert-manager.io`.
    pub fn qualified_name(&self) -> String {
        if self.group.is_empty() { self.resource.clone() } else { format!("{}.{}", self.resource, self.group) }
    }

    /// API version and kind of the List pages a table reading this resource gets:
    /// `meta.k8s.io/v1 PartialObjectMetadataList` when it gets metadata only, else `v1
    /// PodList` and the like — the same from a live cluster and a snapshot.
    pub fn list_kind(&self) -> (String, String) {
        if self.lists_metadata_only() {
            ("meta.k8s.io/v1".into(), "PartialObjectMetadataList".into())
        } else {
            (self.api_version(), format!("{}List", self.kind))
        }
    }

    /// Whether the table reads core ConfigMaps, whose annotations are redacted like a Secret's.
    pub fn is_config_maps(&self) -> bool {
        is_core_config_map(&self.group, &self.kind) || (self.group.is_empty() && self.resource == "configmaps")
    }

    /// Whether the resource is Events, of either Event API (`events.k8s.io` or core `v1`):
    /// objects the API server expires (after an hour by default) rather than anyone deleting
    /// them.
    pub fn is_events(&self) -> bool {
        self.resource == "events" && (self.group.is_empty() || self.group == "events.k8s.io")
    }

    /// Whether the table gets metadata only: when it asks for it, and always for Secrets.
    pub fn lists_metadata_only(&self) -> bool {
        self.metadata_only || self.is_secrets()
    }

    /// Whether the table would read core Secrets, whose values must never be fetched: the
    /// core group with the `secrets` resource *or* the `Secret` kind (a snapshot indexes by
    /// kind, so a table naming another resource with kind `Secret` would get Secrets there).
    pub fn is_secrets(&self) -> bool {
        is_core_secret(&self.group, &self.kind)
            || (is_core_group(&self.group) && self.resource.eq_ignore_ascii_case("secrets"))
    }
}

/// The groups that also hold objects a table reading `group`'s `kind` gets: the group the
/// kind moved from (`extensions` for Deployments, Ingresses, …), and for `events.k8s.io`
/// Events the core group, whose Events the API server also serves there.
pub fn also_served_from(group: &str, kind: &str) -> &'static [&'static str] {
    match (group, kind) {
        ("apps", "Deployment" | "DaemonSet" | "ReplicaSet")
        | ("networking.k8s.io", "Ingress" | "NetworkPolicy")
        | ("policy", "PodSecurityPolicy") => &["extensions"],
        ("events.k8s.io", "Event") => &[""],
        _ => &[],
    }
}

/// The versions a live cluster too old to serve `resource`'s version is asked for instead,
/// best first: a table reading autoscaling/v2 HorizontalPodAutoscalers reads v2beta2 (the
/// same shape; Kubernetes 1.12 to 1.22), then v1. The List's `apiVersion` says which a page
/// holds.
pub fn fallback_versions(resource: &ApiResource) -> &'static [&'static str] {
    match (resource.group.as_str(), resource.kind.as_str(), resource.version.as_str()) {
        ("autoscaling", "HorizontalPodAutoscaler", "v2") => &["v2beta2", "v1"],
        _ => &[],
    }
}

/// The (group, kind) pairs whose objects `tables` get: each resource's own, and those of the
/// groups it is also served from ([`also_served_from`]). A kind outside them has no typed
/// table.
pub fn kinds_read<'a>(tables: impl IntoIterator<Item = &'a TableSchema>) -> HashSet<(String, String)> {
    let mut kinds = HashSet::new();
    for table in tables {
        if let Source::Resource(resource) = &table.source {
            for group in std::iter::once(resource.group.as_str())
                .chain(also_served_from(&resource.group, &resource.kind).iter().copied())
            {
                kinds.insert((group.to_string(), resource.kind.clone()));
            }
        }
    }
    kinds
}

/// How the generic resource tables' names start.
pub const GENERIC_PREFIX: &str = "k8s_";

impl ApiResource {
    /// Checks that group, version, plural and kind follow Kubernetes' naming rules, as a
    /// request path and a table name rely on.
    pub fn check_names(&self) -> Result<(), NameError> {
        names::check_group(&self.group)?;
        names::check_version(&self.version)?;
        names::check_resource(&self.resource)?;
        names::check_kind(&self.kind)
    }

    /// The name of the generic table of this resource: `k8s_` and the plural, then for a
    /// named group `_` and the group, each `.` and `-` a `_` (`k8s_leases_coordination_k8s_io`,
    /// `k8s_replicationcontrollers`).
    pub fn generic_table_name(&self) -> String {
        let mut name = format!("{GENERIC_PREFIX}{}", self.resource);
        if !self.group.is_empty() {
            name.push('_');
            name.push_str(&self.group);
        }
        name.replace(['.', '-'], "_").to_ascii_lowercase()
    }

    /// The plural the API server would most likely give `kind` (client-go's
    /// `UnsafeGuessKindToResource`), for objects in a snapshot without discovery documents.
    pub fn guess_plural(kind: &str) -> String {
        let singular = kind.to_ascii_lowercase();
        if singular.ends_with('s') {
            format!("{singular}es")
        } else if let Some(stem) = singular.strip_suffix('y') {
            format!("{stem}ies")
        } else {
            format!("{singular}s")
        }
    }
}

impl fmt::Display for ApiResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            write!(f, "{} ({})", self.resource, self.version)
        } else {
            write!(f, "{}.{} ({})", self.resource, self.group, self.version)
        }
    }
}

/// Whether an object of this API group and kind is a core Secret. The kind is compared
/// without case and `core` counts as the core group, so that no spelling a file may use
/// slips past the check.
pub fn is_core_secret(group: &str, kind: &str) -> bool {
    is_core_group(group) && kind.eq_ignore_ascii_case("Secret")
}

/// Whether an object of this API group and kind is a core ConfigMap.
pub fn is_core_config_map(group: &str, kind: &str) -> bool {
    group.is_empty() && kind == "ConfigMap"
}

/// The core group, as an API path spells it (`""`) or as a careless file may (`core`).
fn is_core_group(group: &str) -> bool {
    group.is_empty() || group == "core"
}

/// Where a table's input comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Source {
    Resource(ApiResource),
    Path(String),
    Discovery,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Resource(resource) => resource.fmt(f),
            Source::Path(path) => write!(f, "GET {path}"),
            Source::Discovery => f.write_str("API discovery"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TableSchema {
    pub name: String,
    pub description: String,
    pub columns: Vec<Column>,
    pub source: Source,
}

/// A value in a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Integer(i64),
    Double(f64),
    Text(String),
}

/// A [`Cell`] borrowed from wherever its row is kept.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CellRef<'a> {
    Null,
    Integer(i64),
    Double(f64),
    Text(&'a str),
}

impl CellRef<'_> {
    /// The cell, owned.
    pub fn to_owned_cell(self) -> Cell {
        match self {
            CellRef::Null => Cell::Null,
            CellRef::Integer(v) => Cell::Integer(v),
            CellRef::Double(v) => Cell::Double(v),
            CellRef::Text(text) => Cell::Text(text.to_string()),
        }
    }
}

impl Cell {
    /// The cell, borrowed.
    pub fn borrowed(&self) -> CellRef<'_> {
        match self {
            Cell::Null => CellRef::Null,
            Cell::Integer(v) => CellRef::Integer(*v),
            Cell::Double(v) => CellRef::Double(*v),
            Cell::Text(text) => CellRef::Text(text),
        }
    }

    /// What the cell weighs against a table's bytes-per-page limit.
    pub fn size(&self) -> usize {
        match self {
            Cell::Null => 0,
            Cell::Integer(_) | Cell::Double(_) => 8,
            Cell::Text(text) => text.len(),
        }
    }
}

pub type Row = Vec<Cell>;

/// The cluster a page of input came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cluster {
    pub name: String,
    pub uid: String,
}

/// Why a component's schema cannot be served.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SchemaError {
    #[error("table name {0:?} is not a lowercase SQL identifier ([a-z_][a-z0-9_]*)")]
    TableName(String),
    #[error("table has no columns")]
    NoColumns,
    #[error("column name {0:?} is not a lowercase SQL identifier ([a-z_][a-z0-9_]*)")]
    ColumnName(String),
    #[error("column {0:?} is declared twice")]
    DuplicateColumn(String),
    #[error("column {0:?} is marked json but is not TEXT")]
    JsonNotText(String),
    #[error(transparent)]
    Name(#[from] NameError),
}

/// Whether `name` is a lowercase SQL identifier, `[a-z_][a-z0-9_]*`: what table and column
/// names must be.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z' | '_')) && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

impl TableSchema {
    /// The position of the hidden `label_selector` column (the one with the label-selector
    /// pushdown), if the table has one.
    pub fn label_selector_column(&self) -> Option<usize> {
        self.columns.iter().position(|c| c.pushdown == Some(Pushdown::LabelSelector))
    }

    /// Checks what SQL and the sources rely on.
    pub fn validate(&self) -> Result<(), SchemaError> {
        if !is_identifier(&self.name) {
            return Err(SchemaError::TableName(self.name.clone()));
        }
        if self.columns.is_empty() {
            return Err(SchemaError::NoColumns);
        }
        let mut seen = std::collections::HashSet::new();
        for column in &self.columns {
            if !is_identifier(&column.name) {
                return Err(SchemaError::ColumnName(column.name.clone()));
            }
            if !seen.insert(column.name.as_str()) {
                return Err(SchemaError::DuplicateColumn(column.name.clone()));
            }
            if column.options.json && column.ty != ColumnType::Text {
                return Err(SchemaError::JsonNotText(column.name.clone()));
            }
        }
        match &self.source {
            Source::Resource(r) => r.check_names()?,
            Source::Path(path) => names::check_path(path)?,
            Source::Discovery => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(name: &str, columns: &[(&str, ColumnType, bool)]) -> TableSchema {
        TableSchema {
            name: name.into(),
            description: String::new(),
            columns: columns
                .iter()
                .map(|(n, ty, json)| Column {
                    name: (*n).into(),
                    ty: *ty,
                    description: String::new(),
                    options: ColumnOptions { json: *json, ..Default::default() },
                    pushdown: None,
                })
                .collect(),
            source: Source::Path("/version".into()),
        }
    }

    #[test]
    fn accepts_a_sane_schema() {
        assert_eq!(schema("t", &[("a", ColumnType::Text, true)]).validate(), Ok(()));
    }

    #[test]
    fn rejects_bad_names_duplicates_and_json_integers() {
        assert_eq!(
            schema("T-1", &[("a", ColumnType::Text, false)]).validate(),
            Err(SchemaError::TableName("T-1".into()))
        );
        assert_eq!(schema("t", &[]).validate(), Err(SchemaError::NoColumns));
        assert_eq!(
            schema("t", &[("a", ColumnType::Text, false), ("a", ColumnType::Text, false)]).validate(),
            Err(SchemaError::DuplicateColumn("a".into()))
        );
        assert_eq!(
            schema("t", &[("a", ColumnType::Integer, true)]).validate(),
            Err(SchemaError::JsonNotText("a".into()))
        );
        assert_eq!(
            schema("t", &[("a b", ColumnType::Text, false)]).validate(),
            Err(SchemaError::ColumnName("a b".into()))
        );
    }
}
