//! Where table input comes from. A source turns a table's declared [`Source`] into pages of
//! raw JSON, the same bytes an API server would send, one page at a time.
//!
//! - [`snapshot`]: files on disk (or the demo snapshot embedded in the binary).

pub mod snapshot;

use std::sync::Arc;

use thiserror::Error;

use crate::schema::{Cluster, Pushdown, Source, TableSchema};

/// Items per page, as a live List with `limit=500` would return.
pub const PAGE_SIZE: usize = 500;

/// One page of input: a List body (or a document for path sources) and the cluster it
/// came from.
pub struct Page {
    pub cluster: Arc<Cluster>,
    pub body: Vec<u8>,
}

/// Pages for one scan, produced lazily so that memory stays bounded by a few pages.
pub type Pages<'a> = Box<dyn Iterator<Item = Result<Page, SourceError>> + Send + 'a>;

/// The part of a resource one scan needs, from equality constraints on the columns a table
/// marks for pushdown. Each non-empty field narrows the request; values within a field are
/// alternatives (`IN`). A source may honour any part of it or none: SQLite and osquery
/// re-check every row, so a selection may only ever narrow what is fetched, never change it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub namespaces: Vec<String>,
    pub names: Vec<String>,
}

impl Selection {
    pub fn is_everything(&self) -> bool {
        self.namespaces.is_empty() && self.names.is_empty()
    }

    /// The selection implied by equality constraints, given as (column, accepted values).
    pub fn from_constraints<'a>(
        schema: &TableSchema,
        constraints: impl IntoIterator<Item = (&'a str, &'a [String])>,
    ) -> Self {
        let mut selection = Selection::default();
        for (column, values) in constraints {
            let Some(column) = schema.columns.iter().find(|c| c.name == column) else { continue };
            let target = match column.pushdown {
                Some(Pushdown::Namespace) => &mut selection.namespaces,
                Some(Pushdown::Name) => &mut selection.names,
                _ => continue,
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
    /// The pages for one scan of `table`, which reads `source`, narrowed by `selection`. A
    /// source that has nothing for it yields no pages and says why in a warning.
    fn pages(&self, table: &str, source: &Source, selection: &Selection) -> Pages<'_>;
}

#[derive(Debug, Error)]
pub enum SourceError {
    #[error("{file}: {reason}")]
    File { file: String, reason: String },
    #[error("snapshot directory {dir}: {reason}")]
    Directory { dir: String, reason: String },
}
