//! Value-free copies: a Secret reduced to its metadata and type, and annotations that copy an
//! object's values (kubectl's `last-applied-configuration` above all) redacted.

use bytes::Bytes;
use memchr::memmem;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The annotation `kubectl apply` writes: the whole manifest as applied, values included.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// What a redacted annotation says instead. The key stays, so "was this applied with
/// kubectl?" can still be answered.
pub(crate) const REDACTED: &str = "(redacted by kubequery: a copy of the object's values)";

/// The fields of a manifest that hold values (`data`, `stringData`, `binaryData`), spelled as
/// they appear in an annotation's value: quoted in JSON, as a key in YAML, and quoted inside
/// a JSON string (the escaped quotes of a whole object's text).
const QUOTED_FIELDS: [&str; 3] = [r#""data""#, r#""stringData""#, r#""binaryData""#];
const YAML_KEYS: [&str; 3] = ["data:", "stringData:", "binaryData:"];
const ESCAPED_FIELDS: [&str; 3] = [r#"\"data\""#, r#"\"stringData\""#, r#"\"binaryData\""#];

/// Whether an annotation copies an object's values: kubectl's last-applied-configuration,
/// or any value holding a manifest with `data`, `stringData` or `binaryData` — JSON (as
/// kubectl and kapp's `kapp.k14s.io/original` store it) or YAML.
pub(crate) fn copies_values(key: &str, value: &str) -> bool {
    if value == REDACTED {
        return false;
    }
    key == LAST_APPLIED
        || QUOTED_FIELDS.iter().any(|field| value.contains(field))
        || value.lines().any(|line| YAML_KEYS.iter().any(|key| line.trim_start().starts_with(key)))
}

/// Redacts, in place, every annotation of `metadata` that copies values. Returns whether
/// anything changed.
fn redact_annotations(metadata: &mut Value) -> bool {
    let Some(annotations) = metadata.get_mut("annotations").and_then(Value::as_object_mut) else {
        return false;
    };
    let mut changed = false;
    for (key, value) in annotations.iter_mut() {
        let copies = match value {
            Value::String(text) => copies_values(key, text),
            // Annotations are strings; anything else is malformed and may hide anything.
            _ => true,
        };
        if copies {
            *value = Value::String(REDACTED.to_string());
            changed = true;
        }
    }
    changed
}

/// A Secret as a table may see it: a `PartialObjectMetadata` of its metadata (annotations
/// that copy values redacted) plus, when known, its `type` and `immutable` — never `data`
/// or `stringData`. `metadata` is the Secret's metadata as sent by a server or written in a
/// file; anything but an object becomes `{}`.
pub fn secret_item(metadata: Option<&RawValue>, secret_type: Option<&str>, immutable: Option<bool>) -> String {
    let mut metadata: Value = metadata
        .and_then(|raw| serde_json::from_str::<Map<String, Value>>(raw.get()).ok())
        .map_or_else(|| Value::Object(Map::new()), Value::Object);
    redact_annotations(&mut metadata);
    let mut item = Map::new();
    item.insert("apiVersion".into(), Value::from("meta.k8s.io/v1"));
    item.insert("kind".into(), Value::from("PartialObjectMetadata"));
    item.insert("metadata".into(), metadata);
    if let Some(secret_type) = secret_type {
        item.insert("type".into(), Value::from(secret_type));
    }
    if let Some(immutable) = immutable {
        item.insert("immutable".into(), Value::from(immutable));
    }
    Value::Object(item).to_string()
}

/// Whether a JSON text might hold an annotation that copies values; a cheap scan that lets
/// the common case through untouched.
fn may_copy_values(json: &[u8]) -> bool {
    memmem::find(json, LAST_APPLIED.as_bytes()).is_some()
        || ESCAPED_FIELDS.iter().chain(&YAML_KEYS).any(|pattern| memmem::find(json, pattern.as_bytes()).is_some())
}

/// A ConfigMap (or any object) with its value-copying annotations redacted, or `None` when
/// it has none.
pub fn config_map_item(json: &str) -> Option<String> {
    if !may_copy_values(json.as_bytes()) {
        return None;
    }
    let mut object: Value = serde_json::from_str(json).ok()?;
    let metadata = object.get_mut("metadata")?;
    redact_annotations(metadata).then(|| object.to_string())
}

/// A List page of ConfigMaps with every item's value-copying annotations redacted, or
/// `None` when no item has any.
pub fn config_map_page(body: &[u8]) -> Option<Bytes> {
    if !may_copy_values(body) {
        return None;
    }
    let mut page: Value = serde_json::from_slice(body).ok()?;
    let mut changed = false;
    for item in page.get_mut("items").and_then(Value::as_array_mut).into_iter().flatten() {
        if let Some(metadata) = item.get_mut("metadata") {
            changed |= redact_annotations(metadata);
        }
    }
    changed.then(|| Bytes::from(page.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const APPLIED: &str =
        r#"{"apiVersion":"v1","data":{"password":"aHVudGVyMg=="},"kind":"Secret","metadata":{"name":"s"}}"#;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_string()).expect("valid JSON")
    }

    #[test]
    fn a_secret_keeps_metadata_and_type_and_loses_copies_of_its_values() {
        let metadata = serde_json::json!({
            "name": "s", "namespace": "n", "labels": {"app": "x"},
            "annotations": {
                LAST_APPLIED: APPLIED,
                "kapp.k14s.io/original": "{\"stringData\":{\"token\":\"t0ps3cret\"}}",
                "helm.sh/yaml": "kind: Secret\nstringData:\n  token: t0ps3cret\n",
                "owner": "team-a"
            }
        });
        let item = secret_item(Some(&raw(&metadata.to_string())), Some("Opaque"), Some(true));
        assert!(!item.contains("aHVudGVyMg==") && !item.contains("t0ps3cret"), "{item}");
        let item: Value = serde_json::from_str(&item).expect("JSON");
        assert_eq!(item["kind"], "PartialObjectMetadata");
        assert_eq!(item["type"], "Opaque");
        assert_eq!(item["immutable"], true);
        assert_eq!(item["metadata"]["labels"]["app"], "x");
        assert_eq!(item["metadata"]["annotations"]["owner"], "team-a");
        assert_eq!(item["metadata"]["annotations"][LAST_APPLIED], REDACTED);
        assert_eq!(item["metadata"]["annotations"]["kapp.k14s.io/original"], REDACTED);
        assert_eq!(item["metadata"]["annotations"]["helm.sh/yaml"], REDACTED);
    }

    #[test]
    fn odd_metadata_becomes_empty_and_odd_annotations_are_redacted() {
        let item: Value = serde_json::from_str(&secret_item(Some(&raw("[1,2]")), None, None)).expect("JSON");
        assert_eq!(item["metadata"], serde_json::json!({}));
        assert!(item.get("type").is_none());
        let item: Value =
            serde_json::from_str(&secret_item(Some(&raw(r#"{"annotations":{"a":{"data":"x"}}}"#)), None, None))
                .expect("JSON");
        assert_eq!(item["metadata"]["annotations"]["a"], REDACTED);
    }

    #[test]
    fn config_maps_lose_only_the_copies() {
        let plain = r#"{"metadata":{"name":"c","annotations":{"a":"b"}},"data":{"k":"v"}}"#;
        assert_eq!(config_map_item(plain), None);
        let applied = serde_json::json!({"metadata": {"name": "c", "annotations": {LAST_APPLIED: APPLIED}}});
        let cleaned = config_map_item(&applied.to_string()).expect("redacted");
        assert!(!cleaned.contains("aHVudGVyMg=="), "{cleaned}");
        let page = serde_json::json!({"kind": "ConfigMapList", "items": [applied, {"metadata": {"name": "d"}}]});
        let cleaned = config_map_page(page.to_string().as_bytes()).expect("redacted");
        assert!(!String::from_utf8_lossy(&cleaned).contains("aHVudGVyMg=="));
        assert_eq!(config_map_page(br#"{"kind":"ConfigMapList","items":[]}"#), None);
    }
}
