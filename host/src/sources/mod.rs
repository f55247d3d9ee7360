//! Where table input comes from. A source turns a table's declared [`Source`] into pages of
//! raw JSON, the same bytes an API server would send, one page at a time.
//!
//! - [`live`]: Kubernetes API servers, through kubeconfig contexts or in-cluster;
//! - [`snapshot`]: files on disk (or the demo snapshot embedded in the binary).

pub(crate) mod discovery;
mod label_selector;
mod list_body;
pub mod live;
pub mod reuse;
pub mod row_memo;
pub mod snapshot;

pub use label_selector::LabelSelector;

use std::sync::Arc;

use thiserror::Error;

use crate::schema::{ApiResource, Cluster, Column, Pushdown, Source};

/// The path of the watch cache's state (the `kubequery_cache` table's source): the live
/// source answers it itself, from its cache, and never asks a cluster for it.
pub const WATCH_CACHE_PATH: &str = "/kubequery/v1/watch-cache";

/// Items per page, as a live List with `limit=500` would return.
pub const PAGE_SIZE: usize = 500;

/// Pages a source may read ahead of the page being converted (a live source downloads the
/// next pages while a table converts the current one). A scan holds at most this many pages
/// plus the one it converts and the one downloading; memory accounting counts on it.
pub const PAGES_AHEAD: usize = 2;

/// One page of input: a List body (or a document for path sources) and the cluster it
/// came from. Bodies are reference-counted so that one List can feed several tables.
#[derive(Clone)]
pub struct Page {
    pub cluster: Arc<Cluster>,
    pub body: bytes::Bytes,
    /// The label selector the source listed these objects with, which their rows show in the
    /// hidden `label_selector` column (so that SQLite's and osquery's re-check of
    /// `label_selector = …` or `IN (…)` holds).
    pub label_selector: Option<Arc<str>>,
    /// The objects of a page the watch cache wrote, by identity, so that tables reuse their
    /// rows of objects unchanged since an earlier scan; `None` for pages of other sources.
    pub objects: Option<Arc<row_memo::PageObjects>>,
}

impl Page {
    /// A page from `cluster`, listed without a label selector.
    pub fn new(cluster: Arc<Cluster>, body: bytes::Bytes) -> Self {
        Page { cluster, body, label_selector: None, objects: None }
    }
}

/// Pages for one scan, produced lazily so that memory stays bounded by a few pages.
pub type Pages<'a> = Box<dyn Iterator<Item = Result<Page, SourceError>> + Send + 'a>;

/// The part of a resource one scan needs, from equality constraints on the columns a table
/// marks for pushdown. Each non-empty field narrows the request; values within a field are
/// alternatives (`IN`). A source may honour any part of it or none: SQLite and osquery
/// re-check every row, so a selection may only ever narrow what is fetched, never change it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Selection {
    pub namespaces: Vec<String>,
    pub names: Vec<String>,
    /// `labelSelector`; several accepted values become several requests.
    pub label_selectors: Vec<String>,
    /// `(field path, accepted values)`, e.g. `("spec.nodeName", ["node-1"])`.
    pub fields: Vec<(String, Vec<String>)>,
    /// At most this many objects are needed: the first ones, in the order the source lists
    /// them (a statement's `LIMIT`). A source stops fetching once it has sent them.
    pub limit: Option<usize>,
}

impl Selection {
    pub fn is_everything(&self) -> bool {
        *self == Selection::default()
    }

    /// Whether the object `namespace`/`name` of `resource` is one the namespace and name
    /// constraints ask for (a cluster-scoped resource has no namespace to narrow by), for
    /// sources that apply them themselves.
    pub fn admits(&self, resource: &ApiResource, namespace: &str, name: &str) -> bool {
        (self.namespaces.is_empty() || !resource.namespaced || self.namespaces.iter().any(|n| n == namespace))
            && (self.names.is_empty() || self.names.iter().any(|n| n == name))
    }

    /// The selection implied by equality constraints, given as (column, accepted values);
    /// constraints on columns without a pushdown narrow nothing.
    pub fn from_constraints<'a>(constraints: impl IntoIterator<Item = (&'a Column, &'a [String])>) -> Self {
        let mut selection = Selection::default();
        for (column, values) in constraints {
            let target = match &column.pushdown {
                Some(Pushdown::Namespace) => &mut selection.namespaces,
                Some(Pushdown::Name) => &mut selection.names,
                Some(Pushdown::LabelSelector) => &mut selection.label_selectors,
                Some(Pushdown::FieldSelector(path)) => {
                    let index = if let Some(index) = selection.fields.iter().position(|(p, _)| p == path) {
                        index
                    } else {
                        selection.fields.push((path.clone(), Vec::new()));
                        selection.fields.len() - 1
                    };
                    &mut selection.fields[index].1
                }
                None => continue,
            };
            for value in values {
                if !target.contains(value) {
                    target.push(value.clone());
                }
            }
        }
        selection
    }
}

/// A provider of table input.
pub trait DataSource: Send + Sync {
    /// The clusters this source reads.
    fn clusters(&self) -> Vec<Arc<Cluster>>;

    /// The pages for one scan of `table`, which reads `source`, narrowed by `selection`. A
    /// source that has nothing for it yields no pages and says why in a warning.
    fn pages(&self, table: &str, source: &Source, selection: &Selection) -> Pages<'_>;

    /// The resources this source's clusters serve, each at the version to read it in (the
    /// preferred one), for the generic resource tables; a cluster whose discovery fails is
    /// left out with a warning. None when the source cannot tell.
    fn resources(&self) -> Vec<ApiResource> {
        Vec::new()
    }
}

/// Why a source cannot give pages, naming the cluster, file or directory.
#[derive(Debug, Error)]
pub enum SourceError {
    #[error("{file}: {source}")]
    File {
        file: String,
        #[source]
        source: snapshot::FileError,
    },
    #[error("snapshot directory {dir}: {source}")]
    Directory {
        dir: String,
        #[source]
        source: std::io::Error,
    },
    #[error("snapshot directory {dir}: not a directory")]
    NotADirectory { dir: String },
    #[error("cluster {cluster}: {source}")]
    Cluster {
        cluster: String,
        #[source]
        source: Box<live::ClusterError>,
    },
    #[error("none of the clusters could be reached")]
    NoClusterReachable,
    #[error("cannot start the network runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error(transparent)]
    InvalidSelection(#[from] label_selector::InvalidLabelSelector),
    #[error(transparent)]
    Config(#[from] live::ConfigError),
}
