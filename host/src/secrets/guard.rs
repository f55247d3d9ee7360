//! The last line: every page is checked right before it enters a table component.
//!
//! The sources already fetch Secrets as value-free metadata; this check does not trust them.
//! A page for a metadata-only table must be a `PartialObjectMetadataList` of items with
//! nothing beyond metadata (and, for Secrets, the type and `immutable`), with no annotation
//! that copies values; a page for any other table must not hold a core Secret. A page that
//! breaks the rules fails the scan — it is never repaired and passed on.

use std::borrow::Cow;

use memchr::memmem;
use serde::Deserialize;
use serde_json::value::RawValue;
use thiserror::Error;

use super::describe_kind;
use super::sanitize::copies_values;
use crate::members::Members;
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

#[derive(Deserialize)]
struct MetadataList<'a> {
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    items: Vec<Members<'a>>,
}

/// The part of an item's metadata the check reads.
#[derive(Deserialize)]
struct Metadata<'a> {
    #[serde(borrow)]
    annotations: Option<Members<'a>>,
}

fn check_metadata(page: &[u8], secrets: bool) -> Result<(), Refusal> {
    let list: MetadataList = serde_json::from_slice(page).map_err(|_| Refusal::Unreadable)?;
    if list.kind.as_deref() != Some("PartialObjectMetadataList") {
        return Err(Refusal::NotMetadata { found: describe_kind(list.kind.as_deref()) });
    }
    let allowed: &[&str] = if secrets {
        &["apiVersion", "kind", "metadata", "type", "immutable"]
    } else {
        &["apiVersion", "kind", "metadata"]
    };
    let text = |value: &RawValue| serde_json::from_str::<Cow<str>>(value.get()).ok();
    for (index, item) in list.items.iter().enumerate() {
        if let Some((field, _)) = item.0.iter().find(|(k, _)| !allowed.contains(&k.as_ref())) {
            return Err(Refusal::BeyondMetadata { index, field: field.chars().take(64).collect() });
        }
        let kinds: Vec<Option<Cow<str>>> = item.all("kind").map(text).collect();
        if kinds.is_empty() || kinds.iter().any(|kind| kind.as_deref() != Some("PartialObjectMetadata")) {
            let found = kinds.into_iter().flatten().find(|kind| kind != "PartialObjectMetadata");
            return Err(Refusal::NotMetadata { found: describe_kind(found.as_deref()) });
        }
        if !secrets {
            continue;
        }
        for metadata in item.all("metadata") {
            let metadata: Metadata = serde_json::from_str(metadata.get()).map_err(|_| Refusal::Unreadable)?;
            for (key, value) in metadata.annotations.iter().flat_map(|a| &a.0) {
                if text(value).is_none_or(|text| copies_values(key, &text)) {
                    return Err(Refusal::CopiedValues { index, annotation: key.chars().take(253).collect() });
                }
            }
        }
    }
    Ok(())
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
