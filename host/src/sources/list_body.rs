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
    let Ok(body) = write_list(api_version, kind, metadata, 0, items, None, |item, out| {
        out.extend_from_slice(item.as_ref().as_bytes());
        Ok::<_, std::convert::Infallible>(())
    });
    body
}

/// A List of `kind` in `api_version` with the list metadata `metadata`, each of `items`
/// written into it by `write` (which appends one JSON text): for writers that produce items
/// straight into the body. `items_len` is the items' bytes, when known, to allocate once;
/// `spans`, when given, receives where each item is in the body.
pub(crate) fn write_list<T, E>(
    api_version: &str,
    kind: &str,
    metadata: &str,
    items_len: usize,
    items: impl IntoIterator<Item = T>,
    mut spans: Option<&mut Vec<std::ops::Range<usize>>>,
    mut write: impl FnMut(T, &mut Vec<u8>) -> Result<(), E>,
) -> Result<Bytes, E> {
    let start = format!(r#"{{"apiVersion":"{api_version}","kind":"{kind}","metadata":{metadata},"items":["#);
    let mut out = Vec::with_capacity(start.len() + items_len + 2);
    out.extend_from_slice(start.as_bytes());
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let start = out.len();
        write(item, &mut out)?;
        if let Some(spans) = spans.as_deref_mut() {
            spans.push(start..out.len());
        }
    }
    out.extend_from_slice(b"]}");
    Ok(Bytes::from(out))
}
