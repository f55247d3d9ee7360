//! The last line: every page is checked right before it enters a table component.
//!
//! The sources already fetch Secrets as value-free metadata; this check does not trust them.
//! A page for a metadata-only table must be a `PartialObjectMetadataList` of items with
//! nothing beyond metadata (and, for Secrets, the type and `immutable`), with no annotation
//! that copies values; a page for any other table must not hold a core Secret. A page that
//! breaks the rules fails the scan — it is never repaired and passed on.

use std::borrow::Cow;
use std::fmt;

use memchr::memmem;
use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use thiserror::Error;

use super::describe_kind;
use super::sanitize::copies_values;
use crate::members::Key;
use crate::schema::{Source, is_core_secret};

/// Why a page was kept from a table. Messages name kinds and fields, never values.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("the page is {found}, not object metadata (a PartialObjectMetadataList)")]
    NotMetadata { found: String },
    #[error("item {index} of the page has the field {field:?}, beyond the metadata the table may see")]
    BeyondMetadata { index: usize, field: String },
    #[error("item {index} of the page carries a copy of its values in the annotation {annotation:?}")]
    CopiedValues { index: usize, annotation: String },
    #[error("the page holds a core Secret, which the table did not declare")]
    HoldsSecret,
    #[error("the page is not a JSON object list the host can check")]
    Unreadable,
}

/// Checks one page for a table reading `source`.
pub fn check_page(source: &Source, page: &[u8]) -> Result<(), Refusal> {
    match source {
        Source::Resource(resource) if resource.lists_metadata_only() => check_metadata(page, resource.is_secrets()),
        _ => check_no_secret(page),
    }
}

/// A metadata-only page is checked in one pass over its text, as it is parsed: every member
/// of every item (duplicates included: a parser that keeps the first of two `kind`s and one
/// that keeps the last must both find nothing to object to), and for Secrets every
/// annotation. The first refusal in the page's order is the answer, except that a List of
/// the wrong kind is refused as that whatever its items hold.
fn check_metadata(page: &[u8], secrets: bool) -> Result<(), Refusal> {
    let mut refusal = None;
    let mut parser = serde_json::Deserializer::from_slice(page);
    let kind = (&mut parser)
        .deserialize_map(MetadataList { secrets, refusal: &mut refusal })
        .and_then(|kind| parser.end().map(|()| kind))
        .map_err(|_| Refusal::Unreadable)?;
    if kind.as_deref() != Some("PartialObjectMetadataList") {
        return Err(Refusal::NotMetadata { found: describe_kind(kind.as_deref()) });
    }
    refusal.map_or(Ok(()), Err)
}

/// The page: its `kind` (the visitor's value) and its `items`, each checked.
struct MetadataList<'r> {
    secrets: bool,
    /// The first item's refusal.
    refusal: &'r mut Option<Refusal>,
}

impl<'de> Visitor<'de> for MetadataList<'_> {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a List object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut kind, mut items) = (None, false);
        while let Some(Key(key)) = map.next_key()? {
            match key.as_ref() {
                "kind" if kind.is_some() => return Err(serde::de::Error::duplicate_field("kind")),
                "kind" => kind = Some(map.next_value::<Option<Key>>()?.map(|k| k.0)),
                "items" if items => return Err(serde::de::Error::duplicate_field("items")),
                "items" => {
                    items = true;
                    map.next_value_seed(Items { secrets: self.secrets, refusal: &mut *self.refusal })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(kind.flatten())
    }
}

/// The page's `items`.
struct Items<'r> {
    secrets: bool,
    refusal: &'r mut Option<Refusal>,
}

impl<'de> DeserializeSeed<'de> for Items<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Items<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(found) = seq.next_element_seed(Item { index, secrets: self.secrets })? {
            if self.refusal.is_none() {
                *self.refusal = found;
            }
            index += 1;
        }
        Ok(())
    }
}

/// One item: its refusal, if it has one.
struct Item {
    index: usize,
    secrets: bool,
}

impl<'de> DeserializeSeed<'de> for Item {
    type Value = Option<Refusal>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Item {
    type Value = Option<Refusal>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let index = self.index;
        let allowed: &[&str] = if self.secrets {
            &["apiVersion", "kind", "metadata", "type", "immutable"]
        } else {
            &["apiVersion", "kind", "metadata"]
        };
        // In the order they are answered: a member beyond metadata, then a kind that is not
        // object metadata (the first that is text, for the message), then the metadata.
        let (mut beyond, mut kinds, mut not_metadata, mut found, mut metadata) = (None, 0, false, None, None);
        while let Some(Key(key)) = map.next_key()? {
            if !allowed.contains(&key.as_ref()) {
                beyond.get_or_insert_with(|| key.chars().take(64).collect::<String>());
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            match key.as_ref() {
                "kind" => {
                    kinds += 1;
                    let kind = map.next_value_seed(AnyType(Text))?;
                    if kind.as_deref() != Some("PartialObjectMetadata") {
                        not_metadata = true;
                        found = found.or(kind);
                    }
                }
                "metadata" if self.secrets => {
                    let problem = map.next_value_seed(AnyType(Metadata { index }))?;
                    metadata = metadata.or(problem);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(if let Some(field) = beyond {
            Some(Refusal::BeyondMetadata { index, field })
        } else if kinds == 0 || not_metadata {
            Some(Refusal::NotMetadata { found: describe_kind(found.as_deref()) })
        } else {
            metadata
        })
    }
}

/// What a value of any JSON type reads as, when a check expects only some types: a value of
/// another type is consumed and reads as [`Lenient::other`].
trait Lenient<'de>: Sized {
    type Value;

    /// What a value of an unexpected type reads as.
    fn other(self) -> Self::Value;

    /// What an object reads as.
    fn object<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_map(map).map(|_| self.other())
    }

    /// What a string reads as (borrowed from the page unless it has escapes).
    fn text(self, _text: Cow<'de, str>) -> Self::Value {
        self.other()
    }

    /// What `null` reads as.
    fn null(self) -> Self::Value {
        self.other()
    }
}

/// A value of any JSON type, read by a [`Lenient`] reader.
struct AnyType<R>(R);

impl<'de, R: Lenient<'de>> DeserializeSeed<'de> for AnyType<R> {
    type Value = R::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, R: Lenient<'de>> Visitor<'de> for AnyType<R> {
    type Value = R::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.object(map)
    }

    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(self.0.text(Cow::Borrowed(text)))
    }

    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(self.0.text(Cow::Owned(text.to_string())))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(self.0.null())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| self.0.other())
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(self.0.other())
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(self.0.other())
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(self.0.other())
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(self.0.other())
    }
}

/// Text: a string, or `None` for a value of any other type.
struct Text;

impl<'de> Lenient<'de> for Text {
    type Value = Option<Cow<'de, str>>;

    fn other(self) -> Self::Value {
        None
    }

    fn text(self, text: Cow<'de, str>) -> Self::Value {
        Some(text)
    }
}

/// A Secret's `metadata`, an object: whether an annotation copies its values. Anything else
/// (`null` included), or annotations given twice, is unreadable.
struct Metadata {
    index: usize,
}

impl<'de> Lenient<'de> for Metadata {
    type Value = Option<Refusal>;

    fn other(self) -> Self::Value {
        Some(Refusal::Unreadable)
    }

    fn object<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut annotations, mut problem) = (false, None);
        while let Some(Key(key)) = map.next_key()? {
            if key != "annotations" {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let found = map.next_value_seed(AnyType(Annotations { index: self.index }))?;
            problem = if annotations { Some(Refusal::Unreadable) } else { problem.or(found) };
            annotations = true;
        }
        Ok(problem)
    }
}

/// A Secret's `metadata.annotations`, an object or `null`: the first that copies its values
/// or is not text. Anything else is unreadable.
struct Annotations {
    index: usize,
}

impl<'de> Lenient<'de> for Annotations {
    type Value = Option<Refusal>;

    fn other(self) -> Self::Value {
        Some(Refusal::Unreadable)
    }

    fn null(self) -> Self::Value {
        None
    }

    fn object<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut copied = None;
        while let Some(Key(key)) = map.next_key()? {
            let value = map.next_value_seed(AnyType(Text))?;
            if copied.is_none() && value.is_none_or(|text| copies_values(&key, &text)) {
                copied = Some(Refusal::CopiedValues { index: self.index, annotation: key.chars().take(253).collect() });
            }
        }
        Ok(copied)
    }
}

/// The type of a document and, for a List, of its items.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Typed<'a> {
    #[serde(borrow)]
    api_version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    items: Option<Vec<Typed<'a>>>,
}

fn group_of(api_version: Option<&str>) -> &str {
    api_version.and_then(|v| v.rsplit_once('/')).map_or("", |(group, _)| group)
}

/// A page of anything but Secrets must hold no Secret: neither be one (a fixed path's
/// document), nor be a `SecretList`, nor list one. Pages without the text `"Secret` — all
/// but a few — are let through without parsing.
fn check_no_secret(page: &[u8]) -> Result<(), Refusal> {
    if memmem::find(page, b"\"Secret").is_none() {
        return Ok(());
    }
    let listed: Typed = serde_json::from_slice(page).map_err(|_| Refusal::Unreadable)?;
    let group = group_of(listed.api_version.as_deref());
    if let Some(kind) = listed.kind.as_deref()
        && is_core_secret(group, kind.strip_suffix("List").unwrap_or(kind))
    {
        return Err(Refusal::HoldsSecret);
    }
    for item in listed.items.iter().flatten() {
        let group = item.api_version.as_deref().map_or(group, |v| group_of(Some(v)));
        if item.kind.as_deref().is_some_and(|kind| is_core_secret(group, kind)) {
            return Err(Refusal::HoldsSecret);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ApiResource;

    fn resource(resource: &str, kind: &str, metadata_only: bool) -> Source {
        Source::Resource(ApiResource { metadata_only, ..ApiResource::core(resource, kind) })
    }

    #[test]
    fn secret_pages_must_be_value_free_metadata() {
        let secrets = resource("secrets", "Secret", false);
        let ok = br#"{"kind":"PartialObjectMetadataList","items":[{"kind":"PartialObjectMetadata","metadata":{"name":"s","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"(redacted by kubequery: a copy of the object's values)"}},"type":"Opaque"}]}"#;
        assert_eq!(check_page(&secrets, ok), Ok(()));
        let full = br#"{"kind":"SecretList","items":[{"metadata":{"name":"s"},"data":{"k":"dmFsdWU="}}]}"#;
        assert_eq!(check_page(&secrets, full), Err(Refusal::NotMetadata { found: "a SecretList".into() }));
        let smuggled = br#"{"kind":"PartialObjectMetadataList","items":[{"kind":"PartialObjectMetadata","metadata":{},"data":{"k":"dmFsdWU="}}]}"#;
        assert_eq!(check_page(&secrets, smuggled), Err(Refusal::BeyondMetadata { index: 0, field: "data".into() }));
        let applied = br#"{"kind":"PartialObjectMetadataList","items":[{"kind":"PartialObjectMetadata","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{}}"}}}]}"#;
        assert!(matches!(check_page(&secrets, applied), Err(Refusal::CopiedValues { index: 0, .. })));
        assert_eq!(check_page(&secrets, b"not json"), Err(Refusal::Unreadable));
        // A second `kind` or `annotations` is checked too, whichever one a parser keeps.
        let two_kinds = br#"{"kind":"PartialObjectMetadataList","items":[{"kind":"PartialObjectMetadata","metadata":{},"kind":"Secret"}]}"#;
        assert_eq!(check_page(&secrets, two_kinds), Err(Refusal::NotMetadata { found: "a Secret".into() }));
        let two_annotations = br#"{"kind":"PartialObjectMetadataList","items":[{"kind":"PartialObjectMetadata","metadata":{"annotations":{"a":"\"data\":{}","a":"fine"}}}]}"#;
        assert!(matches!(check_page(&secrets, two_annotations), Err(Refusal::CopiedValues { index: 0, .. })));
        let not_text = br#"{"kind":"PartialObjectMetadataList","items":[{"kind":"PartialObjectMetadata","metadata":{"annotations":{"a":{"data":1}}}}]}"#;
        assert!(matches!(check_page(&secrets, not_text), Err(Refusal::CopiedValues { index: 0, .. })));
        let no_kind = br#"{"kind":"PartialObjectMetadataList","items":[{"metadata":{}}]}"#;
        assert!(matches!(check_page(&secrets, no_kind), Err(Refusal::NotMetadata { .. })));
        // Kind `Secret` under another resource name is a Secret source too.
        assert!(check_page(&resource("notsecrets", "Secret", false), full).is_err());
    }

    #[test]
    fn secret_pages_are_checked_in_one_pass_with_the_same_answers() {
        let secrets = resource("secrets", "Secret", false);
        let page = |items: &str| format!(r#"{{"kind":"PartialObjectMetadataList","items":[{items}]}}"#);
        let ok = r#"{"kind":"PartialObjectMetadata","metadata":{"name":"s","annotations":{"a":"b"}},"type":"Opaque"}"#;
        let check = |text: &str| check_page(&secrets, text.as_bytes());
        assert_eq!(check(&page(&[ok, ok].join(","))), Ok(()));
        // The first item with a problem answers, in the order each item's problems are ranked.
        let beyond = r#"{"kind":"PartialObjectMetadata","metadata":{},"data":{}}"#;
        let copied = r#"{"kind":"PartialObjectMetadata","metadata":{"annotations":{"x":"{\"data\":{}}"}}}"#;
        let copied_and_beyond = r#"{"metadata":{"annotations":{"x":"{\"data\":{}}"}},"kind":"Secret","spec":1}"#;
        assert_eq!(
            check(&page(&[ok, beyond, copied].join(","))),
            Err(Refusal::BeyondMetadata { index: 1, field: "data".into() })
        );
        assert!(matches!(check(&page(&[ok, copied, beyond].join(","))), Err(Refusal::CopiedValues { index: 1, .. })));
        assert_eq!(check(&page(copied_and_beyond)), Err(Refusal::BeyondMetadata { index: 0, field: "spec".into() }));
        // The List's kind answers first, wherever it is.
        let late_kind = format!(r#"{{"items":[{beyond}],"kind":"SecretList"}}"#);
        assert_eq!(check(&late_kind), Err(Refusal::NotMetadata { found: "a SecretList".into() }));
        // A kind that is not text is no kind; the first one that is text is named.
        let odd_kinds = r#"{"kind":7,"metadata":{},"kind":"Secret"}"#;
        assert_eq!(check(&page(odd_kinds)), Err(Refusal::NotMetadata { found: "a Secret".into() }));
        let escaped = r#"{"kind":"Partial\u004fbjectMetadata","metadata":{"annotations":null}}"#;
        assert_eq!(check(&page(escaped)), Ok(()));
        // Metadata and annotations of the wrong shape, or annotations given twice, are unreadable.
        for metadata in
            [r#"null"#, r#""m""#, r#"[{"annotations":{}}]"#, r#"{"annotations":"x"}"#, r#"{"annotations":[]}"#]
        {
            let item = format!(r#"{{"kind":"PartialObjectMetadata","metadata":{metadata}}}"#);
            assert_eq!(check(&page(&item)), Err(Refusal::Unreadable), "{metadata}");
        }
        let twice =
            r#"{"kind":"PartialObjectMetadata","metadata":{"annotations":{"x":"{\"data\":{}}"},"annotations":{}}}"#;
        assert_eq!(check(&page(twice)), Err(Refusal::Unreadable));
        // A page that is not one well-formed List is unreadable.
        for broken in [page(ok) + "x", page(ok).replacen("[", "{", 1), r#"{"kind":1,"items":[]}"#.to_string()] {
            assert_eq!(check(&broken), Err(Refusal::Unreadable), "{broken}");
        }
        let two_lists = format!(r#"{{"kind":"PartialObjectMetadataList","items":[],"items":[{beyond}]}}"#);
        assert_eq!(check(&two_lists), Err(Refusal::Unreadable));
        // Other metadata-only resources are not checked for copied values.
        assert_eq!(check_page(&resource("widgets", "Widget", true), page(copied).as_bytes()), Ok(()));
    }

    #[test]
    fn other_pages_must_not_hold_secrets() {
        let pods = resource("pods", "Pod", false);
        assert_eq!(check_page(&pods, br#"{"kind":"PodList","items":[{"metadata":{"name":"p"}}]}"#), Ok(()));
        let event =
            br#"{"kind":"EventList","apiVersion":"v1","items":[{"kind":"Event","involvedObject":{"kind":"Secret"}}]}"#;
        assert_eq!(check_page(&pods, event), Ok(()));
        assert_eq!(
            check_page(&pods, br#"{"kind":"SecretList","apiVersion":"v1","items":[]}"#),
            Err(Refusal::HoldsSecret)
        );
        assert_eq!(
            check_page(&pods, br#"{"kind":"List","apiVersion":"v1","items":[{"apiVersion":"v1","kind":"Secret"}]}"#),
            Err(Refusal::HoldsSecret)
        );
        let path = Source::Path("/x".into());
        assert_eq!(check_page(&path, br#"{"apiVersion":"v1","kind":"Secret","data":{}}"#), Err(Refusal::HoldsSecret));
        // A CRD kind named Secret in another group is not a core Secret.
        assert_eq!(check_page(&path, br#"{"apiVersion":"example.com/v1","kind":"Secret"}"#), Ok(()));
    }

    #[test]
    fn metadata_only_pages_of_other_resources_carry_metadata_alone() {
        let widgets = resource("widgets", "Widget", true);
        let full = br#"{"kind":"PartialObjectMetadataList","items":[{"kind":"PartialObjectMetadata","metadata":{},"spec":{}}]}"#;
        assert_eq!(check_page(&widgets, full), Err(Refusal::BeyondMetadata { index: 0, field: "spec".into() }));
    }
}
