//! What the host makes of a server's answer before any table sees it: Secrets arrive in the
//! `Table` format and leave as value-free metadata, other metadata-only answers must be
//! metadata, and ConfigMaps lose the annotations that copy their data.

use std::borrow::Cow;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::error::AnswerError;
use crate::schema::ApiResource;
use crate::secrets;
use crate::sources::list_body::list_body;

/// `Accept` for listing (`single: false`) or getting `resource`. Secrets ask for the `Table`
/// format first, because its `Type` column is the only way to learn a Secret's type without
/// its values; no variant falls back to plain JSON, which would be the full objects.
pub(crate) fn accept(resource: &ApiResource, single: bool) -> &'static str {
    match (resource.is_secrets(), resource.lists_metadata_only(), single) {
        (true, _, false) => {
            "application/json;as=Table;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
        }
        (true, _, true) => {
            "application/json;as=Table;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
        }
        (false, true, false) => "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
        (false, true, true) => "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
        (false, false, _) => "application/json",
    }
}

/// Extra query parameters: a `Table` carries only each object's metadata.
pub(crate) fn query_parameters(resource: &ApiResource) -> &'static str {
    if resource.is_secrets() { "includeObject=Metadata" } else { "" }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer<'a> {
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    metadata: Option<&'a RawValue>,
    #[serde(default)]
    column_definitions: Vec<ColumnDefinition>,
    #[serde(borrow, default)]
    rows: Vec<TableRow<'a>>,
    #[serde(borrow, default)]
    items: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct ColumnDefinition {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct TableRow<'a> {
    #[serde(default)]
    cells: Vec<serde_json::Value>,
    #[serde(borrow)]
    object: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Partial<'a> {
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    metadata: Option<&'a RawValue>,
}

/// The page a table gets from one answer (a List, or one object when `single`). An answer
/// that is not what was asked for is refused with a reason that names kinds, never values.
pub(crate) fn page(resource: &ApiResource, body: Bytes, single: bool) -> Result<Bytes, AnswerError> {
    if resource.is_secrets() {
        return secret_page(&body);
    }
    if resource.lists_metadata_only() {
        let answer: Partial = serde_json::from_slice(&body).map_err(|_| AnswerError::NotJson)?;
        let expected = if single { "PartialObjectMetadata" } else { "PartialObjectMetadataList" };
        if answer.kind.as_deref() != Some(expected) {
            return Err(AnswerError::NotMetadata { found: secrets::describe_kind(answer.kind.as_deref()) });
        }
    }
    let (api_version, kind) = resource.list_kind();
    let body =
        if single { list_body(&api_version, &kind, "{}", [String::from_utf8_lossy(&body).trim()]) } else { body };
    if !resource.lists_metadata_only()
        && resource.is_config_maps()
        && let Some(cleaned) = secrets::config_map_page(&body)
    {
        return Ok(cleaned);
    }
    Ok(body)
}

/// Secrets, from a `Table` (or plain metadata, from a server without tables), as a
/// `PartialObjectMetadataList` of value-free items.
fn secret_page(body: &[u8]) -> Result<Bytes, AnswerError> {
    let refuse = |found: Option<&str>| AnswerError::NotSecretMetadata { found: secrets::describe_kind(found) };
    let answer: Answer = serde_json::from_slice(body).map_err(|_| refuse(None))?;
    let metadata_of = |raw: &RawValue| -> Result<Option<Box<RawValue>>, AnswerError> {
        let partial: Partial = serde_json::from_str(raw.get()).map_err(|_| refuse(None))?;
        match partial.kind.as_deref() {
            Some("PartialObjectMetadata") => Ok(partial.metadata.map(ToOwned::to_owned)),
            other => Err(refuse(other)),
        }
    };
    let mut items = Vec::new();
    let list_metadata = match answer.kind.as_deref() {
        Some("Table") => {
            let type_column = answer.column_definitions.iter().position(|c| c.name == "Type");
            for row in &answer.rows {
                let object = row.object.ok_or_else(|| refuse(Some("TableRow")))?;
                let metadata = metadata_of(object)?;
                let secret_type = type_column.and_then(|i| row.cells.get(i)).and_then(serde_json::Value::as_str);
                items.push(secrets::secret_item(metadata.as_deref(), secret_type, None));
            }
            answer.metadata
        }
        Some("PartialObjectMetadataList") => {
            for item in &answer.items {
                items.push(secrets::secret_item(metadata_of(item)?.as_deref(), None, None));
            }
            answer.metadata
        }
        Some("PartialObjectMetadata") => {
            items.push(secrets::secret_item(answer.metadata, None, None));
            None
        }
        other => return Err(refuse(other)),
    };
    let items: Vec<&str> = items.iter().map(String::as_str).collect();
    Ok(list_body("meta.k8s.io/v1", "PartialObjectMetadataList", list_metadata.map_or("{}", RawValue::get), items))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> ApiResource {
        ApiResource { metadata_only: true, ..ApiResource::core("secrets", "Secret") }
    }

    #[test]
    fn a_secret_table_becomes_typed_metadata() {
        let table = r#"{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"7","continue":"c"},
            "columnDefinitions":[{"name":"Name"},{"name":"Type"},{"name":"Data"},{"name":"Age"}],
            "rows":[{"cells":["s","kubernetes.io/service-account-token",3,"1d"],
                     "object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"s"}}}]}"#;
        let page = page(&secrets(), Bytes::from(table), false).expect("accepted");
        let page: serde_json::Value = serde_json::from_slice(&page).expect("JSON");
        assert_eq!(page["kind"], "PartialObjectMetadataList");
        assert_eq!(page["metadata"]["continue"], "c");
        assert_eq!(page["items"][0]["type"], "kubernetes.io/service-account-token");
        assert_eq!(page["items"][0]["metadata"]["name"], "s");
        assert!(
            crate::secrets::check_page(
                &crate::schema::Source::Resource(secrets()),
                &serde_json::to_vec(&page).unwrap()
            )
            .is_ok()
        );
    }

    #[test]
    fn full_secrets_are_refused_without_their_values_in_the_reason() {
        let full =
            r#"{"kind":"SecretList","apiVersion":"v1","items":[{"metadata":{"name":"s"},"data":{"k":"c2VjcmV0"}}]}"#;
        let reason = page(&secrets(), Bytes::from(full), false).expect_err("refused").to_string();
        assert!(reason.contains("a SecretList") && !reason.contains("c2VjcmV0"), "{reason}");
        let row_with_object =
            r#"{"kind":"Table","rows":[{"cells":[],"object":{"kind":"Secret","data":{"k":"c2VjcmV0"}}}]}"#;
        assert!(page(&secrets(), Bytes::from(row_with_object), false).is_err());
    }

    #[test]
    fn other_metadata_only_answers_must_be_metadata() {
        let widgets = ApiResource { metadata_only: true, ..ApiResource::core("widgets", "Widget") };
        let full = r#"{"kind":"Widget","apiVersion":"v1","metadata":{"name":"w"},"spec":{}}"#;
        assert!(page(&widgets, Bytes::from(full), true).is_err());
        let list = r#"{"kind":"WidgetList","items":[]}"#;
        assert!(page(&widgets, Bytes::from(list), false).expect_err("refused").to_string().contains("a WidgetList"));
        let one = r#"{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"w"}}"#;
        let wrapped = page(&widgets, Bytes::from(one), true).expect("metadata");
        assert!(String::from_utf8_lossy(&wrapped).contains("PartialObjectMetadataList"));
    }
}
