//! The objects the fixture server serves, indexed by API group and kind and kept in API
//! server order (namespace, then name), and the changes made to them while it serves, for
//! watches.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::Bound;
use std::path::Path;

use bytes::Bytes;
use serde_json::Value;

use crate::resources::{ResourceType, builtin};

#[derive(Clone)]
pub struct Store {
    types: Vec<ResourceType>,
    objects: HashMap<(String, String), BTreeMap<(String, String), Stored>>,
    /// The cluster's resourceVersion: the last change's, or [`FIRST_REVISION`].
    revision: u64,
    /// The changes made since the last compaction, oldest first.
    changes: VecDeque<Change>,
    /// Changes up to this revision are forgotten: a watch from before it gets 410 Gone.
    compacted: u64,
}

/// The resourceVersion of a store no change was made to: what its Lists report.
pub const FIRST_REVISION: u64 = 1000;

/// Changes a store remembers for watches; older ones are compacted away.
const MAX_CHANGES: usize = 100_000;

impl Default for Store {
    fn default() -> Self {
        Store {
            types: Vec::new(),
            objects: HashMap::new(),
            revision: FIRST_REVISION,
            changes: VecDeque::new(),
            compacted: FIRST_REVISION,
        }
    }
}

/// What a change did to an object: a watch event's `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeType {
    Added,
    Modified,
    Deleted,
}

impl ChangeType {
    /// The watch event type: `ADDED`, `MODIFIED` or `DELETED`.
    pub fn event_type(self) -> &'static str {
        match self {
            ChangeType::Added => "ADDED",
            ChangeType::Modified => "MODIFIED",
            ChangeType::Deleted => "DELETED",
        }
    }
}

/// One change to one object, at one resourceVersion.
#[derive(Clone, Debug)]
pub struct Change {
    pub revision: u64,
    pub change: ChangeType,
    pub group: String,
    pub kind: String,
    pub namespace: String,
    /// The object after the change (before it, for a deletion), with the change's
    /// resourceVersion.
    pub object: Value,
}

/// A watch asked for changes the store no longer remembers.
#[derive(Debug, PartialEq, Eq)]
pub struct Expired {
    pub requested: u64,
    pub oldest: u64,
}

/// An object, and its JSON as an item of a typed List (without `apiVersion` and `kind`),
/// serialized once so that listing large clusters costs the server only a copy.
#[derive(Clone)]
pub struct Stored {
    pub value: Value,
    pub item_json: Bytes,
}

impl Stored {
    fn new(value: Value) -> Self {
        let mut item = value.clone();
        if let Some(map) = item.as_object_mut() {
            map.remove("apiVersion");
            map.remove("kind");
        }
        let item_json = Bytes::from(serde_json::to_vec(&item).unwrap_or_default());
        Stored { value, item_json }
    }
}

fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// An object's group, kind and `(namespace, name)`.
fn identity(object: &Value) -> Result<(String, String, (String, String)), String> {
    let api_version = object["apiVersion"].as_str().ok_or("object without apiVersion")?;
    let kind = object["kind"].as_str().ok_or("object without kind")?.to_string();
    let name = object["metadata"]["name"].as_str().ok_or("object without metadata.name")?.to_string();
    let namespace = object["metadata"]["namespace"].as_str().unwrap_or("").to_string();
    Ok((group_of(api_version).to_string(), kind, (namespace, name)))
}

impl Store {
    /// An empty cluster serving the built-in resource types.
    pub fn new() -> Self {
        Store { types: builtin(), ..Store::default() }
    }

    /// Serves another resource type (a CRD).
    pub fn add_type(&mut self, resource: ResourceType) {
        if !self.types.contains(&resource) {
            self.types.push(resource);
        }
    }

    /// Stops serving every version of `group` (as a server that dropped an API would).
    pub fn remove_group_version(&mut self, group: &str, version: &str) {
        self.types.retain(|t| !(t.group == group && t.version == version));
    }

    pub fn types(&self) -> &[ResourceType] {
        &self.types
    }

    /// Adds an object (with `apiVersion`, `kind` and `metadata.name`).
    pub fn insert(&mut self, object: Value) -> Result<(), String> {
        self.insert_stored(Stored::new(object))
    }

    /// Adds an object keeping only what selectors need (metadata, `spec.nodeName`,
    /// `status.phase`) as a document, and the whole object as the JSON lists serve: for
    /// benchmark clusters of 100 000+ large pods, which would not fit in memory as documents.
    /// A GET of such an object returns the reduced document.
    pub fn insert_compact(&mut self, object: Value) -> Result<(), String> {
        let mut stored = Stored::new(object);
        let full = std::mem::take(&mut stored.value);
        let mut slim = serde_json::json!({
            "apiVersion": full["apiVersion"], "kind": full["kind"], "metadata": full["metadata"],
            "spec": {"nodeName": full["spec"]["nodeName"]}, "status": {"phase": full["status"]["phase"]}
        });
        if let Some(meta) = slim["metadata"].as_object_mut() {
            meta.remove("managedFields");
            meta.remove("annotations");
        }
        stored.value = slim;
        self.insert_stored(stored)
    }

    fn insert_stored(&mut self, stored: Stored) -> Result<(), String> {
        let (group, kind, key) = identity(&stored.value)?;
        self.objects.entry((group, kind)).or_default().insert(key, stored);
        Ok(())
    }

    /// The cluster's current resourceVersion.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Creates `object` as a change watches see (`ADDED`); fails if it exists. Returns its
    /// resourceVersion.
    pub fn create(&mut self, object: Value) -> Result<u64, String> {
        let (group, kind, key) = identity(&object)?;
        if self.objects.get(&(group, kind)).is_some_and(|objects| objects.contains_key(&key)) {
            return Err(format!("{}/{} already exists", key.0, key.1));
        }
        self.change(ChangeType::Added, object)
    }

    /// Replaces an existing object (`MODIFIED`); fails if there is none. Returns its new
    /// resourceVersion.
    pub fn replace(&mut self, object: Value) -> Result<u64, String> {
        let (group, kind, key) = identity(&object)?;
        if !self.objects.get(&(group, kind)).is_some_and(|objects| objects.contains_key(&key)) {
            return Err(format!("{}/{} not found", key.0, key.1));
        }
        self.change(ChangeType::Modified, object)
    }

    /// Deletes the object of `api_version` and `kind` named `name` in `namespace` (`""` for
    /// cluster-scoped objects): `DELETED`. Returns the deletion's resourceVersion.
    pub fn delete(&mut self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Result<u64, String> {
        let group = group_of(api_version).to_string();
        let key = (namespace.to_string(), name.to_string());
        let stored = self
            .objects
            .get_mut(&(group.clone(), kind.to_string()))
            .and_then(|objects| objects.remove(&key))
            .ok_or_else(|| format!("{kind} {namespace}/{name} not found"))?;
        let revision = self.next_revision();
        let mut object = stored.value;
        object["metadata"]["resourceVersion"] = Value::from(revision.to_string());
        self.record(Change {
            revision,
            change: ChangeType::Deleted,
            group,
            kind: kind.to_string(),
            namespace: key.0,
            object,
        });
        Ok(revision)
    }

    /// Forgets every change so far, as etcd's compaction does: a watch resuming from before
    /// now is told 410 Gone.
    pub fn compact(&mut self) {
        self.changes.clear();
        self.compacted = self.revision;
    }

    /// The changes after `revision`, oldest first, or why they cannot be told.
    pub fn changes_after(&self, revision: u64) -> Result<impl Iterator<Item = &Change>, Expired> {
        if revision < self.compacted {
            return Err(Expired { requested: revision, oldest: self.compacted });
        }
        let start = self.changes.partition_point(|c| c.revision <= revision);
        Ok(self.changes.range(start..))
    }

    fn next_revision(&mut self) -> u64 {
        self.revision += 1;
        self.revision
    }

    fn change(&mut self, change: ChangeType, mut object: Value) -> Result<u64, String> {
        let (group, kind, (namespace, _)) = identity(&object)?;
        let revision = self.next_revision();
        object["metadata"]["resourceVersion"] = Value::from(revision.to_string());
        self.insert(object.clone())?;
        self.record(Change { revision, change, group, kind, namespace, object });
        Ok(revision)
    }

    fn record(&mut self, change: Change) {
        self.changes.push_back(change);
        if self.changes.len() > MAX_CHANGES
            && let Some(oldest) = self.changes.pop_front()
        {
            self.compacted = oldest.revision;
        }
    }

    /// Adds every object of a JSON file holding one object or a List.
    pub fn insert_json(&mut self, text: &str) -> Result<(), String> {
        let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        match value["items"].as_array() {
            Some(items) => {
                let list_version = value["apiVersion"].as_str().unwrap_or("v1").to_string();
                let item_kind = value["kind"].as_str().and_then(|k| k.strip_suffix("List")).filter(|k| !k.is_empty());
                for item in items {
                    let mut item = item.clone();
                    if item.get("kind").is_none() {
                        item["kind"] = Value::from(item_kind.ok_or("List item without kind")?);
                        item["apiVersion"] = Value::from(list_version.clone());
                    }
                    self.insert(item)?;
                }
                Ok(())
            }
            None => self.insert(value),
        }
    }

    /// Adds every `.json` file under `dir`, recursively (except `version.json`, the `/version`
    /// document of a kubequery snapshot).
    pub fn load_dir(&mut self, dir: &Path) -> Result<(), String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                self.load_dir(&path)?;
            } else if path.extension().is_some_and(|e| e == "json") && !path.ends_with("version.json") {
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                self.insert_json(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        Ok(())
    }

    /// Objects of `resource` after the key `(namespace, name)` (a continue token), in one
    /// namespace or all, in API server order.
    pub fn list_after<'s>(
        &'s self,
        resource: &ResourceType,
        namespace: Option<&'s str>,
        after: Option<(String, String)>,
    ) -> Box<dyn Iterator<Item = &'s Stored> + 's> {
        let Some(objects) = self.objects.get(&(resource.group.clone(), resource.kind.clone())) else {
            return Box::new(std::iter::empty());
        };
        let start = match after {
            Some(key) => Bound::Excluded(key),
            None => Bound::Unbounded,
        };
        Box::new(
            objects
                .range((start, Bound::Unbounded))
                .filter(move |((ns, _), _)| namespace.is_none_or(|want| ns == want))
                .map(|(_, stored)| stored),
        )
    }

    pub fn get(&self, resource: &ResourceType, namespace: Option<&str>, name: &str) -> Option<&Value> {
        let objects = self.objects.get(&(resource.group.clone(), resource.kind.clone()))?;
        objects.get(&(namespace.unwrap_or("").to_string(), name.to_string())).map(|stored| &stored.value)
    }
}
