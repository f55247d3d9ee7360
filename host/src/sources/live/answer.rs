//! What the host makes of a server's answer before any table sees it, or the watch cache
//! keeps it: Secrets arrive in the `Table` format and leave as value-free metadata, other
//! metadata-only answers must be metadata, and ConfigMaps lose the annotations that copy
//! their data.

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
    /// `null` in every event of a watch but its first, as kube-apiserver sends them.
    #[serde(default)]
    column_definitions: Option<Vec<ColumnDefinition>>,
    #[serde(borrow, default)]
    rows: Option<Vec<TableRow<'a>>>,
    #[serde(borrow, default)]
    items: Vec<&'a RawValue>,
}

impl Answer<'_> {
    /// Where a Secret `Table`'s Type column is, if the answer defines its columns.
    fn type_column(&self) -> Option<usize> {
        self.column_definitions.as_ref()?.iter().position(|c| c.name == "Type")
    }
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

fn refuse_secret(found: Option<&str>) -> AnswerError {
    AnswerError::NotSecretMetadata { found: secrets::describe_kind(found) }
}

/// The metadata of a `PartialObjectMetadata` a Secret `Table` row or List carries; anything
/// else is refused.
fn secret_metadata(raw: &RawValue) -> Result<Option<Box<RawValue>>, AnswerError> {
    let partial: Partial = serde_json::from_str(raw.get()).map_err(|_| refuse_secret(None))?;
    match partial.kind.as_deref() {
        Some("PartialObjectMetadata") => Ok(partial.metadata.map(ToOwned::to_owned)),
        other => Err(refuse_secret(other)),
    }
}

/// One row of a Secret `Table` as a value-free item, its type read from `type_column`.
fn secret_row(row: &TableRow<'_>, type_column: Option<usize>) -> Result<String, AnswerError> {
    let object = row.object.ok_or_else(|| refuse_secret(Some("TableRow")))?;
    let metadata = secret_metadata(object)?;
    let secret_type = type_column.and_then(|i| row.cells.get(i)).and_then(serde_json::Value::as_str);
    Ok(secrets::secret_item(metadata.as_deref(), secret_type, None))
}

/// Secrets, from a `Table` (or plain metadata, from a server without tables), as a
/// `PartialObjectMetadataList` of value-free items.
fn secret_page(body: &[u8]) -> Result<Bytes, AnswerError> {
    let answer: Answer = serde_json::from_slice(body).map_err(|_| refuse_secret(None))?;
    let mut items = Vec::new();
    let list_metadata = match answer.kind.as_deref() {
        Some("Table") => {
            let type_column = answer.type_column();
            for row in answer.rows.iter().flatten() {
                items.push(secret_row(row, type_column)?);
            }
            answer.metadata
        }
        Some("PartialObjectMetadataList") => {
            for item in &answer.items {
                items.push(secrets::secret_item(secret_metadata(item)?.as_deref(), None, None));
            }
            answer.metadata
        }
        Some("PartialObjectMetadata") => {
            items.push(secrets::secret_item(answer.metadata, None, None));
            None
        }
        other => return Err(refuse_secret(other)),
    };
    let items: Vec<&str> = items.iter().map(String::as_str).collect();
    Ok(list_body("meta.k8s.io/v1", "PartialObjectMetadataList", list_metadata.map_or("{}", RawValue::get), items))
}

/// What a watch of one resource carries as its events' objects, made what [`page`] makes of
/// a List's items: Secrets arrive as `Table`s of one row (or as metadata) and leave as
/// value-free metadata, other metadata-only objects must be metadata, other objects pass as
/// they are.
#[derive(Default)]
pub(crate) struct WatchedObjects {
    /// Where a Secret `Table`'s Type column is. kube-apiserver defines the columns in the
    /// first event of a watch only (a bookmark, it may be).
    type_column: Option<usize>,
}

impl WatchedObjects {
    /// Notes the columns a bookmark's `Table` defines (Secrets only; other bookmarks carry
    /// nothing to note).
    pub(crate) fn bookmark(&mut self, resource: &ApiResource, object: &RawValue) {
        if resource.is_secrets()
            && let Ok(answer) = serde_json::from_str::<Answer>(object.get())
            && let Some(column) = answer.type_column()
        {
            self.type_column = Some(column);
        }
    }

    /// The object of an `ADDED`, `MODIFIED` or `DELETED` event of `resource`, as a List's
    /// item would be; refused, naming kinds and never values, when it is not what was
    /// asked for.
    pub(crate) fn item<'a>(
        &mut self,
        resource: &ApiResource,
        object: &'a RawValue,
    ) -> Result<Cow<'a, str>, AnswerError> {
        if resource.is_secrets() {
            let answer: Answer = serde_json::from_str(object.get()).map_err(|_| refuse_secret(None))?;
            if let Some(column) = answer.type_column() {
                self.type_column = Some(column);
            }
            return match (answer.kind.as_deref(), answer.rows.as_deref()) {
                (Some("Table"), Some([row])) => secret_row(row, self.type_column).map(Cow::Owned),
                (Some("Table"), _) => Err(refuse_secret(Some("Table"))),
                (Some("PartialObjectMetadata"), _) => Ok(Cow::Owned(secrets::secret_item(answer.metadata, None, None))),
                (other, _) => Err(refuse_secret(other)),
            };
        }
        if resource.lists_metadata_only() {
            let partial: Partial = serde_json::from_str(object.get()).map_err(|_| AnswerError::NotJson)?;
            if partial.kind.as_deref() != Some("PartialObjectMetadata") {
                return Err(AnswerError::NotMetadata { found: secrets::describe_kind(partial.kind.as_deref()) });
            }
        }
        Ok(Cow::Borrowed(object.get()))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

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

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_string()).expect("JSON")
    }

    #[test]
    fn a_watch_of_secrets_keeps_the_type_column_of_its_first_event() {
        let (secrets, mut objects) = (secrets(), WatchedObjects::default());
        let row = |name: &str, ty: &str| {
            format!(
                r#"{{"cells":["{name}","{ty}",1,"1d"],"object":{{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1",
                "metadata":{{"name":"{name}","annotations":{{"kubectl.kubernetes.io/last-applied-configuration":"{{\"data\":{{\"k\":\"c2VjcmV0\"}}}}"}}}}}}}}"#
            )
        };
        // The columns come with the first event, a bookmark here; later ones say `null`.
        objects.bookmark(
            &secrets,
            &raw(r#"{"kind":"Table","metadata":{"resourceVersion":"5"},"rows":[],
                "columnDefinitions":[{"name":"Name"},{"name":"Type"},{"name":"Data"},{"name":"Age"}]}"#),
        );
        let event =
            format!(r#"{{"kind":"Table","columnDefinitions":null,"rows":[{}]}}"#, row("s", "kubernetes.io/tls"));
        let item: serde_json::Value =
            serde_json::from_str(&objects.item(&secrets, &raw(&event)).expect("metadata")).expect("JSON");
        assert_eq!((&item["kind"], &item["type"]), (&json!("PartialObjectMetadata"), &json!("kubernetes.io/tls")));
        assert_eq!(item["metadata"]["name"], "s");
        assert!(!item.to_string().contains("c2VjcmV0"), "annotations copying values are redacted: {item}");
        // A Table of anything but one row, a full Secret, a row with a full Secret: refused,
        // without the values in the reason.
        let two = format!(r#"{{"kind":"Table","rows":[{},{}]}}"#, row("a", "Opaque"), row("b", "Opaque"));
        assert!(objects.item(&secrets, &raw(&two)).is_err());
        let full = r#"{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s"},"data":{"k":"c2VjcmV0"}}"#;
        let reason = objects.item(&secrets, &raw(full)).expect_err("refused").to_string();
        assert!(reason.contains("a Secret") && !reason.contains("c2VjcmV0"), "{reason}");
        let inside = r#"{"kind":"Table","rows":[{"cells":[],"object":{"kind":"Secret","data":{"k":"c2VjcmV0"}}}]}"#;
        assert!(objects.item(&secrets, &raw(inside)).is_err());
        // Metadata alone (a server without tables) is value-free metadata without a type.
        let partial = r#"{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"s"}}"#;
        assert!(objects.item(&secrets, &raw(partial)).is_ok());
    }

    #[test]
    fn a_watch_of_other_resources_passes_their_objects_or_requires_metadata() {
        let mut objects = WatchedObjects::default();
        let widgets = ApiResource { metadata_only: true, ..ApiResource::core("widgets", "Widget") };
        let full = r#"{"kind":"Widget","apiVersion":"v1","metadata":{"name":"w"},"spec":{}}"#;
        assert!(objects.item(&widgets, &raw(full)).is_err());
        let partial = r#"{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"w"}}"#;
        assert_eq!(objects.item(&widgets, &raw(partial)).expect("metadata"), partial);
        let pods = ApiResource::core("pods", "Pod");
        assert_eq!(objects.item(&pods, &raw(full)).expect("as sent"), full);
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
