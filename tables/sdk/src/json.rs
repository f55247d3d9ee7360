//! JSON-valued columns are the sub-document exactly as the API server wrote it (Go field
//! order, sorted map keys, Go's HTML escaping — kubequery's own rendering), minus whitespace.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// Reads `null` as the field's default. Go writes a nil slice or map as `null` wherever the
/// field lacks `omitempty` (CSINode's `spec.drivers`, for one), and `#[serde(default)]` alone
/// only covers a missing field: use `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// A string that borrows from the page unless it holds escapes. serde's `Cow<str>` impl
/// always copies; only a field of exactly the type `Cow<str>` marked `borrow` borrows, so the
/// `Option` and null-tolerant readers below go through this one.
#[derive(Deserialize)]
struct Borrowed<'a>(#[serde(borrow)] Cow<'a, str>);

/// Reads an optional string, borrowed from the page when it holds no escapes: what
/// [`crate::view`] puts on `Option<Cow<str>>` fields (with `default`, for a missing field).
pub fn optional_str<'de, D>(deserializer: D) -> Result<Option<Cow<'de, str>>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<Borrowed<'de>>::deserialize(deserializer)?.map(|b| b.0))
}

/// Reads a string, borrowed like [`optional_str`]; `null` reads as empty. What
/// [`crate::view`] puts on `Cow<str>` fields.
pub fn str_or_empty<'de, D>(deserializer: D) -> Result<Cow<'de, str>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(optional_str(deserializer)?.unwrap_or_default())
}

/// The sub-document as compact JSON text.
pub fn compact(raw: &RawValue) -> String {
    let mut out = Vec::with_capacity(raw.get().len());
    compact_into(raw, &mut out);
    // Only ASCII whitespace outside strings was dropped from valid UTF-8.
    String::from_utf8(out).expect("compacted JSON is UTF-8")
}

/// Appends the sub-document as compact JSON text to `out`.
pub fn compact_into(raw: &RawValue, out: &mut Vec<u8>) {
    let bytes = raw.get().as_bytes();
    // API servers send compact JSON; only `kubectl -o json` style input needs the slow path.
    if !has_whitespace(bytes) {
        out.extend_from_slice(bytes);
        return;
    }
    out.reserve(bytes.len());
    let mut in_string = false;
    let mut escaped = false;
    // Byte by byte is safe for UTF-8: every byte of a multi-byte character is >= 0x80, so
    // none is mistaken for a quote, a backslash or whitespace.
    for &b in bytes {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else {
            match b {
                b' ' | b'\n' | b'\r' | b'\t' => {}
                b'"' => {
                    in_string = true;
                    out.push(b);
                }
                _ => out.push(b),
            }
        }
    }
}

/// Whether `bytes` holds JSON whitespace (a space, tab, line feed or carriage return),
/// inside strings or not.
///
/// Eight bytes at a time: a byte-by-byte loop is what most of a component's JSON columns
/// cost, since neither Cranelift nor LLVM for wasm32 without SIMD vectorises it. A word's
/// bytes at or below 0x20 (whitespace and control characters) are found with one
/// subtraction (Mycroft's test, as serde_json's string scanning does); only a word that
/// has one is looked at byte by byte.
fn has_whitespace(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::MAX / 255;
    const HIGH: u64 = ONES << 7;
    let is_whitespace = |b: &u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t');
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let w = u64::from_le_bytes(word.try_into().expect("chunks of 8"));
        if w.wrapping_sub(ONES * 0x21) & !w & HIGH != 0 && word.iter().any(is_whitespace) {
            return true;
        }
    }
    words.remainder().iter().any(is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_string()).expect("valid JSON")
    }

    #[test]
    fn finds_whitespace_at_every_position() {
        for len in 0..20 {
            assert!(!has_whitespace(&vec![b'a'; len]), "{len}");
            for at in 0..len {
                for (ws, other) in [(b' ', b'!'), (b'\t', 0x08), (b'\n', 0x0b), (b'\r', 0x1f)] {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = ws;
                    assert!(has_whitespace(&bytes), "{len} {at} {ws}");
                    bytes[at] = other;
                    assert!(!has_whitespace(&bytes), "{len} {at} {other}");
                }
            }
        }
        assert!(!has_whitespace("é\u{1F600}\x7f".as_bytes()));
    }

    #[test]
    fn removes_whitespace_outside_strings_only() {
        let doc = raw("{\n  \"a b\": [1, 2],\n  \"c\": \"x \\\" y\"\n}");
        assert_eq!(compact(&doc), r#"{"a b":[1,2],"c":"x \" y"}"#);
    }

    #[derive(serde::Deserialize)]
    struct Spec<'a> {
        #[serde(borrow, default, deserialize_with = "nullable")]
        drivers: Vec<&'a str>,
    }

    #[test]
    fn null_and_missing_read_as_empty() {
        for doc in [r#"{"drivers":null}"#, "{}"] {
            let spec: Spec = serde_json::from_str(doc).expect("parses");
            assert!(spec.drivers.is_empty(), "{doc}");
        }
        let spec: Spec = serde_json::from_str(r#"{"drivers":["a"]}"#).expect("parses");
        assert_eq!(spec.drivers, ["a"]);
    }

    #[test]
    fn compact_input_is_unchanged() {
        assert_eq!(compact(&raw(r#"{"k":"\u003cv\u003e"}"#)), r#"{"k":"\u003cv\u003e"}"#);
    }
}
