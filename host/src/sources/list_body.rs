//! List bodies the host writes itself: snapshot pages, one object answered as a List, Secrets
//! rebuilt as metadata, a List resumed after a restart. Tables read them like the API
//! server's own.

use bytes::Bytes;

/// A List of `kind` (`PodList`, `PartialObjectMetadataList`) in `api_version`, with the list
/// metadata `metadata` (a JSON object) and `items` (JSON texts, written as they are).
pub(crate) fn list_body<I>(api_version: &str, kind: &str, metadata: &str, items: I) -> Bytes
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let mut out = list_start(api_version, kind, metadata);
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item.as_ref());
    }
    out.push_str(LIST_END);
    Bytes::from(out)
}

/// A List body up to its first item, for a writer that appends the items itself (separated
/// by `,`) and then [`LIST_END`].
pub(crate) fn list_start(api_version: &str, kind: &str, metadata: &str) -> String {
    format!(r#"{{"apiVersion":"{api_version}","kind":"{kind}","metadata":{metadata},"items":["#)
}

/// What ends a List body after its items.
pub(crate) const LIST_END: &str = "]}";
