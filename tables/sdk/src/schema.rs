//! Column and source declarations, as `const` values a table writes inline.

use crate::bindings::kubequery::table::types as wit;

/// How an equality constraint on a column narrows the host's request.
#[derive(Clone, Copy, Debug)]
pub enum Pushdown {
    /// The column holds the object's namespace.
    Namespace,
    /// The column holds the object's name.
    Name,
    /// The column matches this field selector path, e.g. `spec.nodeName`.
    FieldSelector(&'static str),
    /// The column holds a label selector.
    LabelSelector,
}

/// A column declaration: name, description and options. Its SQL type comes from the
/// [`crate::Row`] method it is written with.
#[derive(Clone, Copy, Debug)]
pub struct Col {
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) index: bool,
    pub(crate) required: bool,
    pub(crate) hidden: bool,
    pub(crate) pushdown: Option<Pushdown>,
}

/// The hidden column the SDK ends every row of a resource-listing table with: an equality
/// constraint on it becomes the List's label selector.
pub(crate) const LABEL_SELECTOR: Col =
    col("label_selector", "Kubernetes label selector applied to the list").hidden().pushdown(Pushdown::LabelSelector);

/// Declares a column; `description` is usually the Kubernetes field it comes from.
pub const fn col(name: &'static str, description: &'static str) -> Col {
    Col { name, description, index: false, required: false, hidden: false, pushdown: None }
}

impl Col {
    /// Marks the column as identifying the row (osquery INDEX).
    pub const fn index(mut self) -> Self {
        self.index = true;
        self
    }

    /// Requires queries to constrain the column with `=` (osquery REQUIRED).
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Leaves the column out of `SELECT *` (osquery HIDDEN).
    pub const fn hidden(mut self) -> Self {
        self.hidden = true;
        self
    }

    /// Lets the host narrow its request with an equality constraint on this column.
    pub const fn pushdown(mut self, pushdown: Pushdown) -> Self {
        self.pushdown = Some(pushdown);
        self
    }

    pub(crate) fn to_wit(self, ty: wit::ColumnType, json: bool) -> wit::Column {
        let mut options = wit::ColumnOptions::empty();
        options.set(wit::ColumnOptions::INDEX, self.index);
        options.set(wit::ColumnOptions::REQUIRED, self.required);
        options.set(wit::ColumnOptions::HIDDEN, self.hidden);
        options.set(wit::ColumnOptions::JSON, json);
        wit::Column {
            name: self.name.to_string(),
            type_: ty,
            description: self.description.to_string(),
            options,
            pushdown: self.pushdown.map(|p| match p {
                Pushdown::Namespace => wit::Pushdown::Namespace,
                Pushdown::Name => wit::Pushdown::Name,
                Pushdown::FieldSelector(path) => wit::Pushdown::FieldSelector(path.to_string()),
                Pushdown::LabelSelector => wit::Pushdown::LabelSelector,
            }),
        }
    }
}

/// What the host fetches for a table.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    /// List pages of an API resource.
    Resource {
        /// API group, `""` for the core group.
        group: &'static str,
        /// API version, e.g. `v1`.
        version: &'static str,
        /// The plural resource name, e.g. `pods`.
        resource: &'static str,
        /// The kind of its objects, e.g. `Pod`.
        kind: &'static str,
        /// Whether its objects live in namespaces.
        namespaced: bool,
        /// Whether the table gets only the objects' metadata.
        metadata_only: bool,
    },
    /// One GET of a fixed API path, e.g. `/version`.
    Path(&'static str),
    /// Every APIResourceList the server's discovery serves.
    Discovery,
}

impl Source {
    /// A cluster-scoped resource; chain [`Source::namespaced`] for namespaced ones.
    pub const fn resource(
        group: &'static str,
        version: &'static str,
        resource: &'static str,
        kind: &'static str,
    ) -> Self {
        Source::Resource { group, version, resource, kind, namespaced: false, metadata_only: false }
    }

    /// Marks a resource source as namespaced.
    pub const fn namespaced(self) -> Self {
        match self {
            Source::Resource { group, version, resource, kind, metadata_only, .. } => {
                Source::Resource { group, version, resource, kind, namespaced: true, metadata_only }
            }
            other => other,
        }
    }

    /// Whether the source lists namespaced objects.
    pub const fn is_namespaced(self) -> bool {
        matches!(self, Source::Resource { namespaced: true, .. })
    }

    /// Whether the source lists objects of a resource (and so takes a label selector).
    pub(crate) const fn lists_objects(self) -> bool {
        matches!(self, Source::Resource { .. })
    }

    /// Asks for metadata only, so object contents (e.g. secret data) never reach the table.
    pub const fn metadata_only(self) -> Self {
        match self {
            Source::Resource { group, version, resource, kind, namespaced, .. } => {
                Source::Resource { group, version, resource, kind, namespaced, metadata_only: true }
            }
            other => other,
        }
    }

    /// `group/version kind` for messages, e.g. `v1 Pod` or `apps/v1 Deployment`.
    pub fn describe(self) -> String {
        match self {
            Source::Resource { group: "", version, kind, .. } => format!("{version} {kind}"),
            Source::Resource { group, version, kind, .. } => format!("{group}/{version} {kind}"),
            Source::Path(path) => path.to_string(),
            Source::Discovery => "API discovery".to_string(),
        }
    }

    pub(crate) fn to_wit(self) -> wit::Source {
        match self {
            Source::Resource { group, version, resource, kind, namespaced, metadata_only } => {
                wit::Source::Resource(wit::ApiResource {
                    group: group.to_string(),
                    version: version.to_string(),
                    resource: resource.to_string(),
                    kind: kind.to_string(),
                    namespaced,
                    metadata_only,
                })
            }
            Source::Path(path) => wit::Source::Path(path.to_string()),
            Source::Discovery => wit::Source::Discovery,
        }
    }
}
