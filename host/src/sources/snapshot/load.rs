//! Reading snapshot files: single objects, typed Lists (`PodList`, as the API server and
//! `kubectl cluster-info dump` write them), `kind: List` (what `kubectl get -o json|yaml`
//! writes) and JSON arrays of objects (sonobuoy's query output), in JSON or YAML (several
//! documents per YAML file allowed). YAML aliases may not expand a document past a budget
//! proportional to its text, so a small file cannot become gigabytes (a "billion laughs").

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::error::ParseError;
use crate::sources::discovery::{is_api_group_array, is_resource_list};

/// One Kubernetes object found in a file.
pub(crate) struct Object {
    /// As the object says, or its List: `v1`, `apps/v1`.
    pub(crate) api_version: String,
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
    /// The `/version` document (from `version.json`, or a file named like `serverversion.json`).
    Version(Vec<u8>),
    /// Discovery documents (`kubectl get --raw /apis/apps/v1`, or an array of them).
    Discovery(Vec<Vec<u8>>),
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

/// `kubectl version -o json` wraps the server's `/version` document in `serverVersion`,
/// troubleshoot's `cluster_version.json` in `info`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KubectlVersion<'a> {
    #[serde(borrow)]
    server_version: Option<&'a RawValue>,
    #[serde(borrow)]
    info: Option<&'a RawValue>,
}

/// Built-in kinds and the version clients write them at, for bare arrays whose items carry no
/// `kind` (sonobuoy's early output, a file per kind such as `Pods.json`): the file's name says
/// the kind, singular or plural.
const NAMED_KINDS: &[(&str, &str)] = &[
    ("ComponentStatus", "v1"),
    ("ConfigMap", "v1"),
    ("Endpoints", "v1"),
    ("Event", "v1"),
    ("LimitRange", "v1"),
    ("Namespace", "v1"),
    ("Node", "v1"),
    ("PersistentVolume", "v1"),
    ("PersistentVolumeClaim", "v1"),
    ("Pod", "v1"),
    ("PodTemplate", "v1"),
    ("ReplicationController", "v1"),
    ("ResourceQuota", "v1"),
    ("Secret", "v1"),
    ("Service", "v1"),
    ("ServiceAccount", "v1"),
    ("DaemonSet", "apps/v1"),
    ("Deployment", "apps/v1"),
    ("ReplicaSet", "apps/v1"),
    ("StatefulSet", "apps/v1"),
    ("CronJob", "batch/v1"),
    ("Job", "batch/v1"),
];

/// The kind (and its version) a file's name names: a word of it (split at anything but letters
/// and digits) that is a built-in kind or its plural, in any case.
fn kind_named_by(relative: &str) -> Option<(&'static str, &'static str)> {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem).to_ascii_lowercase();
    stem.split(|c: char| !c.is_ascii_alphanumeric()).find_map(|word| {
        NAMED_KINDS.iter().copied().find(|(kind, _)| {
            let kind = kind.to_ascii_lowercase();
            word == kind || word.strip_suffix('s') == Some(&kind) || word.strip_suffix("es") == Some(&kind)
        })
    })
}

/// Parses one file. `relative` is its path inside the snapshot, used to recognise special
/// files; the caller names the file in errors.
/// Whether a file name ends in `.yaml` or `.yml`, in any case.
fn is_yaml(relative: &str) -> bool {
    std::path::Path::new(relative)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

pub(crate) fn parse_file(relative: &str, bytes: &[u8]) -> Result<Content, ParseError> {
    let lower = relative.to_ascii_lowercase();
    // `version.json`, sonobuoy's `serverversion.json`, troubleshoot's `cluster_version.json`.
    if lower.rsplit('/').next().is_some_and(|name| name.ends_with("version.json")) {
        return parse_version(bytes).map(Content::Version);
    }
    let documents: Vec<Vec<u8>> = if is_yaml(relative) { yaml_documents(bytes)? } else { vec![bytes.to_vec()] };
    if let [doc] = documents.as_slice() {
        if is_resource_list(doc) {
            return Ok(Content::Discovery(vec![doc.clone()]));
        }
        // An array of discovery documents, as troubleshoot writes them.
        if let Ok(items) = serde_json::from_slice::<Vec<&RawValue>>(doc)
            && !items.is_empty()
            && items.iter().all(|i| is_resource_list(i.get().as_bytes()))
        {
            return Ok(Content::Discovery(items.iter().map(|i| i.get().as_bytes().to_vec()).collect()));
        }
    }
    // An array of discovery's APIGroups (troubleshoot's), like an APIGroupList: the groups a
    // cluster serves, which the APIResourceLists say again in full. Nothing to keep.
    if let [doc] = documents.as_slice()
        && is_api_group_array(doc)
    {
        return Ok(Content::Objects(Vec::new()));
    }
    let named = kind_named_by(relative);
    let mut objects = Vec::new();
    for (index, doc) in documents.iter().enumerate() {
        parse_document(doc, named, &mut objects).map_err(|e| match documents.len() {
            1 => e,
            _ => ParseError::Document { number: index + 1, source: Box::new(e) },
        })?;
    }
    Ok(Content::Objects(objects))
}

fn parse_version(bytes: &[u8]) -> Result<Vec<u8>, ParseError> {
    let wrapped: KubectlVersion = serde_json::from_slice(bytes).map_err(ParseError::Version)?;
    Ok(match wrapped.server_version.or(wrapped.info) {
        Some(server) => server.get().as_bytes().to_vec(),
        None => bytes.to_vec(),
    })
}

/// Units of expansion a YAML file may use per byte of its text (one per node, plus the length
/// of each scalar): room for ordinary anchors and aliases, none for exponential ones.
const YAML_BUDGET_PER_BYTE: usize = 10;

fn yaml_documents(bytes: &[u8]) -> Result<Vec<Vec<u8>>, ParseError> {
    let mut out = Vec::new();
    let budget = std::cell::Cell::new(bytes.len().saturating_mul(YAML_BUDGET_PER_BYTE).saturating_add(10_000));
    for doc in serde_yaml_ng::Deserializer::from_slice(bytes) {
        let value =
            serde::de::DeserializeSeed::deserialize(bounded::Bounded(&budget), doc).map_err(ParseError::Yaml)?;
        if !value.is_null() {
            out.push(serde_json::to_vec(&value).map_err(ParseError::YamlToJson)?);
        }
    }
    Ok(out)
}

/// One document; `named` is the kind the file's name names, for items without one.
fn parse_document(bytes: &[u8], named: Option<(&str, &str)>, out: &mut Vec<Object>) -> Result<(), ParseError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        // sonobuoy writes a bare array of objects: read it like the items of a `kind: List`,
        // or, when the file's name names a kind (its early items have none), of a typed List.
        let items: Vec<&RawValue> = serde_json::from_slice(bytes).map_err(ParseError::Array)?;
        return match named {
            Some((kind, api_version)) => parse_items(items, api_version, &format!("{kind}List"), out),
            None => parse_items(items, "", "List", out),
        };
    }
    if first != Some(&b'{') {
        return Err(ParseError::NotAnObject);
    }
    let doc: Document = serde_json::from_slice(bytes).map_err(ParseError::Json)?;
    let kind = doc.kind.as_deref().filter(|k| !k.is_empty()).ok_or(ParseError::NoKind)?;
    let api_version = doc.api_version.as_deref().unwrap_or_default();
    let Some(items) = doc.items else {
        // A List with `"items": null` (client-go writes empty lists so), not an object: it
        // has no name.
        if kind.ends_with("List") && doc.metadata.name.is_none() {
            return Ok(());
        }
        if api_version.is_empty() {
            return Err(ParseError::NoApiVersion { kind: kind.to_string() });
        }
        let text = std::str::from_utf8(bytes).map_err(ParseError::NotUtf8)?;
        let json = RawValue::from_string(text.trim().to_string()).map_err(ParseError::Json)?;
        out.push(object(api_version, kind, &doc.metadata, json));
        return Ok(());
    };
    parse_items(items, api_version, kind, out)
}

/// The items of a List of `kind` (`PodList`, `List`) whose apiVersion is `api_version`.
fn parse_items(items: Vec<&RawValue>, api_version: &str, kind: &str, out: &mut Vec<Object>) -> Result<(), ParseError> {
    // Items of a typed List (`PodList`) may omit apiVersion and kind: they are the list's.
    let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty()).map(str::to_string);
    for (index, item) in items.into_iter().enumerate() {
        let parsed: Document = serde_json::from_str(item.get()).map_err(|source| ParseError::Item { index, source })?;
        let kind = parsed
            .kind
            .as_deref()
            .filter(|k| !k.is_empty())
            .or(item_kind.as_deref().filter(|_| kind != "List"))
            .ok_or_else(|| ParseError::ItemWithoutKind { index, list: kind.to_string() })?;
        let version = parsed.api_version.as_deref().filter(|v| !v.is_empty()).unwrap_or(api_version);
        if version.is_empty() {
            return Err(ParseError::ItemWithoutApiVersion { index, kind: kind.to_string() });
        }
        let json = item.to_owned();
        out.push(object(version, kind, &parsed.metadata, json));
    }
    Ok(())
}

fn object(api_version: &str, kind: &str, meta: &Meta, json: Box<RawValue>) -> Object {
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    Object {
        api_version: api_version.to_string(),
        group: group.to_string(),
        kind: kind.to_string(),
        namespace: meta.namespace.as_deref().unwrap_or_default().to_string(),
        name: meta.name.as_deref().unwrap_or_default().to_string(),
        uid: meta.uid.as_deref().unwrap_or_default().to_string(),
        labels: meta.labels.clone().unwrap_or_default(),
        json,
    }
}

/// A `serde_json::Value` deserializer that spends a budget as it builds the value: one unit
/// per node plus the length of each string. YAML aliases replay their anchor, so without a
/// budget a 150 KB file can expand to billions of nodes.
mod bounded {
    use std::cell::Cell;
    use std::fmt;

    use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Value};

    pub(super) struct Bounded<'b>(pub(super) &'b Cell<usize>);

    impl Bounded<'_> {
        fn spend<E: de::Error>(&self, units: usize) -> Result<(), E> {
            match self.0.get().checked_sub(units.saturating_add(1)) {
                Some(left) => {
                    self.0.set(left);
                    Ok(())
                }
                None => Err(E::custom(
                    "the document expands far beyond its text (YAML aliases repeating an anchor); refused",
                )),
            }
        }
    }

    impl<'de> DeserializeSeed<'de> for Bounded<'_> {
        type Value = Value;

        fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Bounded<'_> {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a YAML document")
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
            self.spend(0)?;
            Ok(Value::Bool(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
            self.spend(0)?;
            Ok(Value::from(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
            self.spend(0)?;
            Ok(Value::from(v))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
            self.spend(0)?;
            Ok(Value::from(v))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
            self.spend(v.len())?;
            Ok(Value::String(v.to_string()))
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
            self.spend(v.len())?;
            Ok(Value::String(v))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
            self.spend(0)?;
            Ok(Value::Null)
        }

        fn visit_none<E: de::Error>(self) -> Result<Value, E> {
            self.visit_unit()
        }

        fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
            deserializer.deserialize_any(self)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            self.spend(0)?;
            let mut items = Vec::new();
            while let Some(item) = seq.next_element_seed(Bounded(self.0))? {
                items.push(item);
            }
            Ok(Value::Array(items))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            self.spend(0)?;
            let mut object = Map::new();
            while let Some(key) = map.next_key::<String>()? {
                self.spend(key.len())?;
                let value = map.next_value_seed(Bounded(self.0))?;
                object.insert(key, value);
            }
            Ok(Value::Object(object))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_yaml_alias_bomb_is_refused_quickly() {
        let mut bomb = String::from("a: &a [");
        bomb.push_str(&vec!["x"; 20_000].join(","));
        bomb.push_str("]\nb: [");
        bomb.push_str(&vec!["*a"; 20_000].join(","));
        bomb.push_str("]\n");
        let error = parse_file("bomb.yaml", bomb.as_bytes()).err().expect("refused").to_string();
        assert!(error.contains("expands far beyond its text"), "{error}");
    }

    #[test]
    fn ordinary_anchors_still_work() {
        let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: &l {app: x}}\ndata: {copy: *l}\n";
        assert!(matches!(parse_file("a.yaml", yaml.as_bytes()), Ok(Content::Objects(o)) if o.len() == 1));
    }

    #[test]
    fn a_json_array_of_objects_is_read_like_a_list() {
        let array = br#"[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}},{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"}}]"#;
        assert!(matches!(parse_file("a.json", array), Ok(Content::Objects(o)) if o.len() == 2));
        let error = parse_file("b.json", br#""text""#).err().expect("refused").to_string();
        assert!(error.contains("a JSON array of objects"), "{error}");
        let error = parse_file("c.json", br#"[{"metadata":{"name":"p"}}]"#).err().expect("refused").to_string();
        assert!(error.contains("item 0") && error.contains("kind"), "{error}");
    }

    #[test]
    fn a_list_with_null_items_is_an_empty_list() {
        let empty = br#"{"kind":"LimitRangeList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":null}"#;
        assert!(matches!(parse_file("limits.json", empty), Ok(Content::Objects(o)) if o.is_empty()));
        let named = br#"{"kind":"ShoppingList","apiVersion":"example.com/v1","metadata":{"name":"groceries"}}"#;
        assert!(matches!(parse_file("list.json", named), Ok(Content::Objects(o)) if o.len() == 1), "an object");
    }

    #[test]
    fn items_without_a_kind_take_the_one_their_file_is_named_after() {
        let array = br#"[{"metadata":{"name":"p"}}]"#;
        for name in ["Pods.json", "cluster/pods.json", "sonobuoy-aws18-Pod-array.json"] {
            let Ok(Content::Objects(objects)) = parse_file(name, array) else { panic!("{name} refused") };
            assert_eq!((objects[0].kind.as_str(), objects[0].api_version.as_str()), ("Pod", "v1"), "{name}");
        }
        assert_eq!(kind_named_by("ComponentStatuses.json"), Some(("ComponentStatus", "v1")));
        assert_eq!(kind_named_by("x/persistentvolumeclaims.json"), Some(("PersistentVolumeClaim", "v1")));
        assert_eq!(kind_named_by("things.json"), None);
    }

    #[test]
    fn version_and_discovery_files_are_recognised_by_name_and_shape() {
        let info = br#"{"info":{"major":"1","minor":"31"},"string":"v1.31.2"}"#;
        for name in ["version.json", "serverversion.json", "ts-cluster_version.json"] {
            let Ok(Content::Version(doc)) = parse_file(name, info) else { panic!("{name}: not a version") };
            assert_eq!(doc, br#"{"major":"1","minor":"31"}"#);
        }
        let lists = br#"[{"groupVersion":"apps/v1","resources":[]},{"groupVersion":"v1","resources":[]}]"#;
        assert!(matches!(parse_file("resources.json", lists), Ok(Content::Discovery(docs)) if docs.len() == 2));
        let groups = br#"[{"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}]}]"#;
        assert!(matches!(parse_file("groups.json", groups), Ok(Content::Objects(o)) if o.is_empty()));
        let list = br#"{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"apps","versions":[]}]}"#;
        assert!(matches!(parse_file("apis.json", list), Ok(Content::Objects(o)) if o.is_empty()));
    }
}
