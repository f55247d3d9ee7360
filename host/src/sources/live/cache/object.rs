//! What the cache keeps of an object: its JSON as the server sent it, without
//! `metadata.managedFields` — server-side apply's bookkeeping, often a quarter of an
//! object's bytes, which no built-in table reads.

use std::sync::Arc;

use serde_json::value::RawValue;

use crate::members::Members;

/// `object` as kept, rewritten only when it has `managedFields` (and left as it is when it
/// is not an object with an object `metadata`: the table reading it reports it).
pub(crate) fn kept(object: &str) -> Arc<str> {
    let rewritten = without_managed_fields(object);
    Arc::from(rewritten.as_deref().unwrap_or(object))
}

fn without_managed_fields(object: &str) -> Option<String> {
    let mut members: Members = serde_json::from_str(object).ok()?;
    let at = members.0.iter().position(|(key, _)| key == "metadata")?;
    let mut metadata: Members = serde_json::from_str(members.0[at].1.get()).ok()?;
    let before = metadata.0.len();
    metadata.0.retain(|(key, _)| key != "managedFields");
    if metadata.0.len() == before {
        return None;
    }
    let metadata = RawValue::from_string(metadata.to_json()).ok()?;
    members.0[at].1 = &metadata;
    Some(members.to_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_fields_are_dropped_and_nothing_else() {
        let object = r#"{"kind":"Pod","metadata":{"name":"p","managedFields":[{"manager":"kubectl"}],"labels":{"a":"b"}},"spec":{"x":[1, 2]}}"#;
        assert_eq!(&*kept(object), r#"{"kind":"Pod","metadata":{"name":"p","labels":{"a":"b"}},"spec":{"x":[1, 2]}}"#);
        let plain = r#"{"metadata": {"name": "p"}}"#;
        assert_eq!(&*kept(plain), plain, "an object without managedFields is kept byte for byte");
        assert_eq!(&*kept("[1]"), "[1]");
    }
}
