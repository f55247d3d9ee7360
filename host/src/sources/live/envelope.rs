//! Just enough of a List body to page through it, without parsing its items: the continue
//! token from the leading `metadata`, an item count when logging asks for it, and the item
//! keys when an expired continue token forces a restart.

use bytes::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::sources::list_body::list_body;

#[derive(Deserialize, Default)]
struct ListMeta {
    #[serde(rename = "continue", default)]
    continue_token: Option<String>,
}

/// Byte offset of the value of top-level `key` in a JSON object, scanning only up to it.
fn top_level_value(body: &[u8], key: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < body.len() && body[i] != b'"' {
                    if body[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if depth == 1 && body.get(start..i) == Some(key) {
                    let mut j = i + 1;
                    while j < body.len() && (body[j].is_ascii_whitespace() || body[j] == b':') {
                        j += 1;
                    }
                    return Some(j);
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The `metadata.continue` token of a List body, if it has one.
pub(crate) fn continue_token(body: &[u8]) -> Option<String> {
    let at = top_level_value(body, b"metadata")?;
    let mut de = serde_json::Deserializer::from_slice(&body[at..]);
    ListMeta::deserialize(&mut de).ok()?.continue_token.filter(|t| !t.is_empty())
}

#[derive(Deserialize)]
struct Items<'a> {
    #[serde(borrow, default)]
    items: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct ItemKey {
    #[serde(default)]
    metadata: KeyMeta,
}

#[derive(Deserialize, Default)]
struct KeyMeta {
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    name: String,
}

/// An item's position in API-server order.
pub(crate) type Key = (String, String);

fn key_of(item: &RawValue) -> Key {
    let key: ItemKey = serde_json::from_str(item.get()).unwrap_or(ItemKey { metadata: KeyMeta::default() });
    (key.metadata.namespace, key.metadata.name)
}

/// Number of items in a List body.
pub(crate) fn item_count(body: &[u8]) -> Option<usize> {
    serde_json::from_slice::<Items>(body).ok().map(|l| l.items.len())
}

/// The key of the last item of a List body.
pub(crate) fn last_key(body: &[u8]) -> Option<Key> {
    let list: Items = serde_json::from_slice(body).ok()?;
    list.items.last().map(|item| key_of(item))
}

/// The List body without the items at or before `after`, for a list restarted after its
/// continue token expired (List order is by namespace, then name).
pub(crate) fn items_after(body: &Bytes, after: &Key, api_version: &str, kind: &str) -> Option<Bytes> {
    let list: Items = serde_json::from_slice(body).ok()?;
    let kept: Vec<&str> = list.items.iter().filter(|item| key_of(item) > *after).map(|item| item.get()).collect();
    Some(list_body(api_version, kind, "{}", kept))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"9","continue":"abc"},"items":[
        {"metadata":{"name":"a","namespace":"x","annotations":{"metadata":"{\"continue\":\"no\"}"}}},
        {"metadata":{"name":"b","namespace":"x"}},{"metadata":{"name":"a","namespace":"y"}}]}"#;

    #[test]
    fn reads_the_continue_token_and_counts() {
        assert_eq!(continue_token(PAGE.as_bytes()).as_deref(), Some("abc"));
        assert_eq!(continue_token(br#"{"kind":"PodList","metadata":{},"items":[]}"#), None);
        assert_eq!(item_count(PAGE.as_bytes()), Some(3));
        assert_eq!(last_key(PAGE.as_bytes()), Some(("y".into(), "a".into())));
    }

    #[test]
    fn drops_items_already_delivered() {
        let kept = items_after(&Bytes::from(PAGE), &("x".into(), "b".into()), "v1", "PodList").unwrap();
        assert_eq!(item_count(&kept), Some(1));
        assert_eq!(last_key(&kept), Some(("y".into(), "a".into())));
    }
}
