//! Where table input comes from. A source turns a table's declared [`Source`] into pages of
//! raw JSON, the same bytes an API server would send, one page at a time.
//!
//! - [`snapshot`]: files on disk (or the demo snapshot embedded in the binary).

pub mod snapshot;

use std::sync::Arc;

use thiserror::Error;

use crate::schema::{Cluster, Source};

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

/// A provider of table input.
pub trait DataSource: Send + Sync {
    /// The pages for one scan of a table reading `source`. A source that has nothing for it
    /// yields no pages and says why in a warning.
    fn pages(&self, table: &str, source: &Source) -> Pages<'_>;
}

#[derive(Debug, Error)]
pub enum SourceError {
    #[error("{file}: {reason}")]
    File { file: String, reason: String },
    #[error("snapshot directory {dir}: {reason}")]
    Directory { dir: String, reason: String },
}
