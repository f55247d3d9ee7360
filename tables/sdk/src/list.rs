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

/// The error message for a page that does not parse, naming what was expected.
pub fn page_error(source: Source, error: &serde_json::Error) -> String {
    format!("page is not a valid {} list: {error}", source.describe())
}
