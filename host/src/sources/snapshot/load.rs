//! Reading snapshot files: single objects, typed Lists (`PodList`, as the API server and
//! `kubectl cluster-info dump` write them) and `kind: List` (what `kubectl get -o json|yaml`
//! writes), in JSON or YAML (several documents per YAML file allowed).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

/// One Kubernetes object found in a file.
pub(crate) struct Object {
    pub(crate) group: String,
    pub(crate) kind: String,
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) uid: String,
    pub(crate) labels: std::collections::BTreeMap<String, String>,
    /// The object's JSON, as written in the file.
    pub(crate) json: Box<RawValue>,
}

/// What a file holds.
pub(crate) enum Content {
    Objects(Vec<Object>),
    /// The `/version` document (from `version.json`).
    Version(Vec<u8>),
    /// A discovery document (`kubectl get --raw /apis/apps/v1`).
    Discovery(Vec<u8>),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    #[serde(borrow)]
    api_version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    metadata: Meta<'a>,
    #[serde(borrow)]
    items: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize, Default)]
struct Meta<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    namespace: Option<Cow<'a, str>>,
    #[serde(borrow)]
    uid: Option<Cow<'a, str>>,
    #[serde(default)]
    labels: Option<std::collections::BTreeMap<String, String>>,
}

/// `kubectl version -o json` wraps the server's `/version` document.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KubectlVersion<'a> {
    #[serde(borrow)]
    server_version: Option<&'a RawValue>,
}

/// Parses one file. `relative` is its path inside the snapshot, used to recognise special
/// files; errors are plain reasons (the caller names the file).
pub(crate) fn parse_file(relative: &str, bytes: &[u8]) -> Result<Content, String> {
    let lower = relative.to_ascii_lowercase();
    if lower == "version.json" {
        return parse_version(bytes).map(Content::Version);
    }
    let documents: Vec<Vec<u8>> =
        if lower.ends_with(".yaml") || lower.ends_with(".yml") { yaml_documents(bytes)? } else { vec![bytes.to_vec()] };
    if let [doc] = documents.as_slice()
        && serde_json::from_slice::<Document>(doc).is_ok_and(|d| d.kind.as_deref() == Some("APIResourceList"))
    {
        return Ok(Content::Discovery(doc.clone()));
    }
    let mut objects = Vec::new();
    for (index, doc) in documents.iter().enumerate() {
        let where_ = if documents.len() > 1 { format!("document {}: ", index + 1) } else { String::new() };
        parse_document(doc, &mut objects).map_err(|e| format!("{where_}{e}"))?;
    }
    Ok(Content::Objects(objects))
}

fn parse_version(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let wrapped: KubectlVersion = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    Ok(match wrapped.server_version {
        Some(server) => server.get().as_bytes().to_vec(),
        None => bytes.to_vec(),
    })
}

fn yaml_documents(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_slice(bytes) {
        let value = serde_json::Value::deserialize(doc).map_err(|e| format!("invalid YAML: {e}"))?;
        if !value.is_null() {
            out.push(serde_json::to_vec(&value).map_err(|e| format!("cannot convert YAML to JSON: {e}"))?);
        }
    }
    Ok(out)
}

fn parse_document(bytes: &[u8], out: &mut Vec<Object>) -> Result<(), String> {
    let doc: Document = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    let kind = doc.kind.as_deref().filter(|k| !k.is_empty()).ok_or("not a Kubernetes object: it has no `kind`")?;
    let api_version = doc.api_version.as_deref().unwrap_or_default();
    let Some(items) = doc.items else {
        if api_version.is_empty() {
            return Err(format!("{kind} has no `apiVersion`"));
        }
        let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
        let json = RawValue::from_string(text.trim().to_string()).map_err(|e| e.to_string())?;
        out.push(object(api_version, kind, &doc.metadata, json));
        return Ok(());
    };
    // Items of a typed List (`PodList`) may omit apiVersion and kind: they are the list's.
    let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty()).map(str::to_string);
    for (index, item) in items.into_iter().enumerate() {
        let parsed: Document =
            serde_json::from_str(item.get()).map_err(|e| format!("item {index} is not an object: {e}"))?;
        let kind = parsed
            .kind
            .as_deref()
            .filter(|k| !k.is_empty())
            .or(item_kind.as_deref().filter(|_| kind != "List"))
            .ok_or_else(|| format!("item {index} of the {kind} has no `kind`"))?;
        let version = parsed.api_version.as_deref().filter(|v| !v.is_empty()).unwrap_or(api_version);
        if version.is_empty() {
            return Err(format!("item {index} ({kind}) has no `apiVersion`"));
        }
        let json = item.to_owned();
        out.push(object(version, kind, &parsed.metadata, json));
    }
    Ok(())
}

fn object(api_version: &str, kind: &str, meta: &Meta, json: Box<RawValue>) -> Object {
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    Object {
        group: group.to_string(),
        kind: kind.to_string(),
        namespace: meta.namespace.as_deref().unwrap_or_default().to_string(),
        name: meta.name.as_deref().unwrap_or_default().to_string(),
        uid: meta.uid.as_deref().unwrap_or_default().to_string(),
        labels: meta.labels.clone().unwrap_or_default(),
        json,
    }
}
