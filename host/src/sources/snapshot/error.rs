//! Typed errors of snapshot files: why a file, or a document or item in it, was not read.

use thiserror::Error;

use super::files::MAX_FILE_BYTES;

/// What a snapshot file may hold, for messages about one that holds something else.
const ACCEPTED: &str = "expected a Kubernetes object, a List (`kubectl get -o json|yaml`), or a JSON array of objects";

/// Why a snapshot file was left out; the rest of the snapshot is served.
#[derive(Debug, Error)]
pub enum FileError {
    #[error("a link to outside the snapshot directory; not followed")]
    LinkOutside,
    #[error("a broken link: {0}")]
    BrokenLink(#[source] std::io::Error),
    #[error("not a regular file (a FIFO, socket or device); not read")]
    NotRegular,
    #[error(
        "{size} bytes, over the limit of {} MiB for one snapshot file; split it (one file per resource)",
        MAX_FILE_BYTES >> 20
    )]
    TooLarge { size: u64 },
    #[error("grew over the limit of {} MiB while being read", MAX_FILE_BYTES >> 20)]
    Grew,
    #[error(transparent)]
    Read(#[from] std::io::Error),
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// Why the content of a snapshot file is not Kubernetes objects.
#[derive(Debug, Error)]
pub enum ParseError {
    #[error("invalid JSON: {0}")]
    Version(#[source] serde_json::Error),
    #[error("invalid YAML: {0}")]
    Yaml(#[source] serde_yaml_ng::Error),
    #[error("cannot convert YAML to JSON: {0}")]
    YamlToJson(#[source] serde_json::Error),
    #[error("document {number}: {source}")]
    Document {
        number: usize,
        #[source]
        source: Box<ParseError>,
    },
    #[error("invalid JSON array ({ACCEPTED}): {0}")]
    Array(#[source] serde_json::Error),
    #[error("not a JSON object: {ACCEPTED}")]
    NotAnObject,
    #[error("invalid JSON ({ACCEPTED}): {0}")]
    Json(#[source] serde_json::Error),
    #[error("not UTF-8: {0}")]
    NotUtf8(#[source] std::str::Utf8Error),
    #[error("not a Kubernetes object: it has no `kind`")]
    NoKind,
    #[error("{kind} has no `apiVersion`")]
    NoApiVersion { kind: String },
    #[error("item {index} is not an object: {source}")]
    Item {
        index: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("item {index} of the {list} has no `kind`")]
    ItemWithoutKind { index: usize, list: String },
    #[error("item {index} ({kind}) has no `apiVersion`")]
    ItemWithoutApiVersion { index: usize, kind: String },
}
