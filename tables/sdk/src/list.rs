//! The List envelope every resource page arrives in.

use serde::Deserialize;

use crate::Source;

/// A Kubernetes List page (`PodList`, `kind: List`, `PartialObjectMetadataList`, …). Only
/// `items` is read; `null` or a missing `items` is an empty page.
#[derive(Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct List<T> {
    /// The page's objects.
    #[serde(default, deserialize_with = "crate::json::nullable")]
    pub items: Vec<T>,
}

/// Why a table could not convert a page. Its text is the error `rows` returns, which the host
/// reports with the table's name.
#[derive(Debug)]
pub enum PageError {
    /// The page is not the JSON the table reads.
    Parse {
        /// What the page should have been, e.g. `v1 Pod list`.
        expected: String,
        /// Where and why parsing stopped.
        source: serde_json::Error,
    },
    /// A table's own reason.
    Other(String),
}

impl PageError {
    /// A page that is not what `source` serves: a List of its objects, or the one document
    /// of a path or of discovery.
    pub fn parse(source: Source, error: serde_json::Error) -> Self {
        let expected = match source {
            Source::Resource { .. } => format!("{} list", source.describe()),
            _ => format!("{} document", source.describe()),
        };
        PageError::Parse { expected, source: error }
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageError::Parse { expected, source } => write!(f, "page is not a valid {expected}: {source}"),
            PageError::Other(reason) => f.write_str(reason),
        }
    }
}

impl std::error::Error for PageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PageError::Parse { source, .. } => Some(source),
            PageError::Other(_) => None,
        }
    }
}
