//! The List envelope every resource page arrives in.

use serde::Deserialize;

use crate::Source;

/// A Kubernetes List page (`PodList`, `kind: List`, `PartialObjectMetadataList`, …). Only
/// `items` is read; `null` or a missing `items` is an empty page.
#[derive(Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct List<T> {
    #[serde(default = "Vec::new", deserialize_with = "items")]
    pub items: Vec<T>,
}

fn items<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// The error message for a page that does not parse, naming what was expected.
pub fn page_error(source: Source, error: &serde_json::Error) -> String {
    format!("page is not a valid {} list: {error}", source.describe())
}
