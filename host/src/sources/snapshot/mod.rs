//! An offline cluster: a directory of Kubernetes objects, served to tables in the same pages
//! a live API server would send.
//!
//! Objects are indexed by API group and kind and listed in API-server order (namespace, then
//! name), `PAGE_SIZE` items per page. A table reading `batch/v1 CronJob` also gets CronJobs
//! saved as `batch/v1beta1`: a snapshot cannot convert versions as a server would, and
//! returning nothing would be worse. A Secret is reduced to its value-free metadata and type
//! as its file is read, and only that copy is kept; ConfigMaps lose the annotations that copy
//! their data (see `secrets`).

mod convert;
mod demo;
mod error;
mod files;
mod load;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;

use self::load::{Content, Object, parse_file};
use super::list_body::list_body;
use super::{DataSource, LabelSelector, PAGE_SIZE, Page, Pages, Selection, SourceError};
use crate::schema::{ApiResource, Cluster, Source, is_core_config_map, is_core_secret};
use crate::secrets;

pub use demo::DEMO_NAME;
pub use error::{FileError, ParseError};

/// A kind of object no typed table reads, and where the snapshot has it.
#[derive(Debug)]
pub struct UnreadKind {
    /// The first file holding objects of it.
    pub file: String,
    /// How many files do.
    pub files: usize,
    /// Its resource, as its generic table reads it.
    pub resource: ApiResource,
}

impl std::fmt::Display for UnreadKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let group = if self.resource.group.is_empty() { "core" } else { &self.resource.group };
        write!(f, "{}", self.file)?;
        match self.files {
            0 | 1 => {}
            2 => write!(f, " (and 1 other file)")?,
            n => write!(f, " (and {} other files)", n - 1)?,
        }
        write!(f, ": no typed table reads {} objects ({group})", self.resource.kind)
    }
}

/// An offline cluster loaded from files.
pub struct Snapshot {
    cluster: Arc<Cluster>,
    /// (group, kind) → objects sorted by namespace and name.
    objects: HashMap<(String, String), Vec<Object>>,
    version: Option<Vec<u8>>,
    /// Discovery documents (APIResourceLists), in file order.
    discovery: Vec<Vec<u8>>,
    /// Files that could not be read, with the reason; the rest of the snapshot is served.
    problems: Vec<SourceError>,
    /// (group, kind) → the first file holding objects of it, and how many files do.
    files_of_kind: BTreeMap<(String, String), (String, usize)>,
}

impl Snapshot {
    /// Loads every `.json`, `.yaml` and `.yml` file under `dir`, recursively. The cluster is
    /// named `cluster_name`, else after the directory.
    pub fn load_dir(dir: &Path, cluster_name: Option<String>) -> Result<Self, SourceError> {
        let meta =
            fs::metadata(dir).map_err(|e| SourceError::Directory { dir: dir.display().to_string(), source: e })?;
        if !meta.is_dir() {
            return Err(SourceError::NotADirectory { dir: dir.display().to_string() });
        }
        let (files, problems) = files::find(dir);
        let name = cluster_name.unwrap_or_else(|| {
            let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
            canonical.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        });
        let mut builder = Builder { problems, ..Builder::default() };
        for path in files {
            let relative = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            builder.read(&path, &relative);
        }
        Ok(builder.finish(name))
    }

    /// Loads the given files (JSON or YAML, as in a snapshot directory) as one cluster; a file
    /// named `version.json` is the `/version` document.
    pub fn load_files(files: &[PathBuf], cluster_name: String) -> Self {
        let mut builder = Builder::default();
        for path in files {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            builder.read(path, &name);
        }
        builder.finish(cluster_name)
    }

    /// One file's contents as a cluster, read as if the file were `relative` in a snapshot
    /// directory (for `table test` style checks and the fuzz targets).
    pub fn from_file_bytes(relative: &str, bytes: &[u8], cluster_name: String) -> Self {
        let mut builder = Builder::default();
        builder.add(relative, relative, bytes);
        builder.finish(cluster_name)
    }

    /// The demo cluster embedded in the binary.
    pub fn demo(cluster_name: Option<String>) -> Self {
        let mut builder = Builder::default();
        for (relative, bytes) in demo::files() {
            builder.add(&format!("demo:{relative}"), relative, bytes);
        }
        builder.finish(cluster_name.unwrap_or_else(|| DEMO_NAME.to_string()))
    }

    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// Files that were skipped, each naming the file and the problem.
    pub fn problems(&self) -> &[SourceError] {
        &self.problems
    }

    /// Number of objects loaded.
    pub fn object_count(&self) -> usize {
        self.objects.values().map(Vec::len).sum()
    }

    /// The kinds of objects in the snapshot outside `read` (the typed tables' kinds,
    /// [`kinds_read`](crate::schema::kinds_read)), each with the first file holding it: a file
    /// of a kind no typed table reads gives rows only in its generic table, which the user
    /// should hear of.
    pub fn unread_kinds(&self, read: &HashSet<(String, String)>) -> Vec<UnreadKind> {
        let resources = self.resources();
        self.files_of_kind
            .iter()
            .filter(|(kind, _)| !read.contains(*kind))
            .filter_map(|((group, kind), (file, files))| {
                let resource = resources.iter().find(|r| &r.group == group && &r.kind == kind)?.clone();
                Some(UnreadKind { file: file.clone(), files: *files, resource })
            })
            .collect()
    }

    /// How many objects a table reading `resource` gets, unnarrowed.
    pub fn count(&self, resource: &ApiResource) -> usize {
        self.objects_of(resource).len()
    }

    /// The objects of `resource`'s kind, and those of the groups it is also served from (an
    /// Ingress written as extensions/v1beta1), each name once (the table's own group first),
    /// in the API server's order whichever group an object came from.
    fn objects_of(&self, resource: &ApiResource) -> Vec<&Object> {
        let also = crate::schema::also_served_from(&resource.group, &resource.kind);
        let mut seen = HashSet::new();
        let mut objects: Vec<&Object> = std::iter::once(resource.group.as_str())
            .chain(also.iter().copied())
            .filter_map(|group| self.objects.get(&(group.to_string(), resource.kind.clone())))
            .flatten()
            .filter(|o| seen.insert((&o.namespace, &o.name)))
            .collect();
        objects.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        objects
    }

    fn list_pages(&self, resource: &ApiResource, selection: &Selection) -> Pages<'_> {
        let key = (resource.group.clone(), resource.kind.clone());
        let objects = self.objects_of(resource);
        if objects.is_empty() {
            return Box::new(std::iter::empty());
        }
        let selectors: Result<Vec<LabelSelector>, _> =
            selection.label_selectors.iter().map(|s| LabelSelector::parse(s)).collect();
        let selectors = match selectors {
            Ok(selectors) => selectors,
            Err(invalid) => return Box::new(std::iter::once(Err(invalid.into()))),
        };
        let selected: Vec<&Object> = objects
            .into_iter()
            .filter(|o| selection.admits(resource, &o.namespace, &o.name))
            .take(selection.limit.unwrap_or(usize::MAX))
            .collect();
        // Like a cluster, one list per label selector, its pages tagged with it (an object
        // matching two selectors comes once with each).
        let lists: Vec<(Option<Arc<str>>, Vec<&Object>)> = if selectors.is_empty() {
            vec![(None, selected)]
        } else {
            selectors
                .iter()
                .zip(&selection.label_selectors)
                .map(|(selector, text)| {
                    let matching = selected.iter().copied().filter(|o| selector.matches(&o.labels)).collect();
                    (Some(Arc::from(text.as_str())), matching)
                })
                .collect()
        };
        let pages: Vec<(Option<Arc<str>>, Vec<&Object>)> = lists
            .iter()
            .flat_map(|(label_selector, objects)| {
                objects.chunks(PAGE_SIZE).map(|page| (label_selector.clone(), page.to_vec()))
            })
            .collect();
        let cluster = self.cluster.clone();
        // Metadata-only pages look like the API server's; Secrets are always served so, and
        // are already kept as metadata.
        let strip_to_metadata = resource.lists_metadata_only() && !is_core_secret(&key.0, &key.1);
        let (api_version, list_kind) = resource.list_kind();
        let resource = resource.clone();
        Box::new(pages.into_iter().map(move |(label_selector, objects)| {
            let items = objects.iter().map(|object| {
                if strip_to_metadata {
                    Cow::Owned(metadata_only(&object.json))
                } else if let Some(converted) = convert::convert(&object.json, &object.api_version, &resource) {
                    // As the API server would serve it at the version the table reads.
                    Cow::Owned(converted.get().to_string())
                } else {
                    Cow::Borrowed(object.json.get())
                }
            });
            let body = list_body(&api_version, &list_kind, "{}", items);
            Ok(Page { cluster: cluster.clone(), body, label_selector, objects: None })
        }))
    }
}

impl DataSource for Snapshot {
    fn clusters(&self) -> Vec<Arc<Cluster>> {
        vec![self.cluster.clone()]
    }

    /// Every kind the snapshot has objects of, at the version they were written in; plural
    /// and scope from the snapshot's discovery files when they list the kind, else guessed
    /// (client-go's guess) and seen (an object with a namespace).
    fn resources(&self) -> Vec<ApiResource> {
        let discovered: HashMap<(String, String), ApiResource> = self
            .discovery
            .iter()
            .flat_map(|document| super::discovery::resources_of(document))
            .map(|resource| ((resource.group.clone(), resource.kind.clone()), resource))
            .collect();
        self.objects
            .iter()
            .filter_map(|((group, kind), objects)| {
                let first = objects.first()?;
                let version = first.api_version.rsplit('/').next().unwrap_or_default().to_string();
                let known = discovered.get(&(group.clone(), kind.clone()));
                Some(ApiResource {
                    group: group.clone(),
                    version,
                    resource: known.map_or_else(|| ApiResource::guess_plural(kind), |r| r.resource.clone()),
                    kind: kind.clone(),
                    namespaced: known.map_or_else(|| objects.iter().any(|o| !o.namespace.is_empty()), |r| r.namespaced),
                    metadata_only: false,
                })
            })
            .collect()
    }

    fn pages(&self, table: &str, source: &Source, selection: &Selection) -> Pages<'_> {
        match source {
            Source::Resource(resource) => self.list_pages(resource, selection),
            Source::Path(path) if path == "/version" => {
                if let Some(doc) = &self.version {
                    Box::new(std::iter::once(Ok(Page::new(self.cluster.clone(), doc.clone().into()))))
                } else {
                    tracing::warn!("{table}: the snapshot has no version.json (the /version document); no rows");
                    Box::new(std::iter::empty())
                }
            }
            Source::Path(path) if path == super::WATCH_CACHE_PATH => {
                tracing::info!("{table}: a snapshot has no watch cache; no rows");
                Box::new(std::iter::empty())
            }
            Source::Discovery if !self.discovery.is_empty() => {
                let cluster = self.cluster.clone();
                Box::new(self.discovery.iter().map(move |doc| Ok(Page::new(cluster.clone(), doc.clone().into()))))
            }
            Source::Discovery => {
                tracing::warn!(
                    "{table}: the snapshot has no discovery documents (save them with `kubectl get --raw /api/v1` \
                     and `kubectl get --raw /apis/<group>/<version>`); no rows"
                );
                Box::new(std::iter::empty())
            }
            other => {
                tracing::warn!("{table}: snapshots cannot serve {other}; no rows");
                Box::new(std::iter::empty())
            }
        }
    }
}

#[derive(Deserialize)]
struct WithMetadata<'a> {
    #[serde(borrow)]
    metadata: Option<&'a RawValue>,
}

/// The object as a `PartialObjectMetadata`, as a server answers a metadata-only list.
fn metadata_only(json: &RawValue) -> String {
    let metadata = serde_json::from_str::<WithMetadata>(json.get()).ok().and_then(|o| o.metadata);
    format!(
        r#"{{"apiVersion":"meta.k8s.io/v1","kind":"PartialObjectMetadata","metadata":{}}}"#,
        metadata.map_or("{}", RawValue::get)
    )
}

#[derive(Deserialize)]
struct SecretFields<'a> {
    #[serde(borrow)]
    metadata: Option<&'a RawValue>,
    #[serde(rename = "type", borrow)]
    secret_type: Option<&'a RawValue>,
    #[serde(borrow)]
    immutable: Option<&'a RawValue>,
}

/// The only copy of a Secret a snapshot keeps: its metadata, type and `immutable`.
fn value_free_secret(json: &RawValue) -> Box<RawValue> {
    let item = match serde_json::from_str::<SecretFields>(json.get()) {
        Ok(fields) => {
            let secret_type = fields.secret_type.and_then(|t| serde_json::from_str::<String>(t.get()).ok());
            let immutable = fields.immutable.and_then(|i| serde_json::from_str::<bool>(i.get()).ok());
            secrets::secret_item(fields.metadata, secret_type.as_deref(), immutable)
        }
        Err(_) => secrets::secret_item(None, None, None),
    };
    RawValue::from_string(item).expect("secret_item writes JSON")
}

#[derive(Default)]
struct Builder {
    objects: BTreeMap<(String, String), BTreeMap<(String, String), Object>>,
    files_of_kind: BTreeMap<(String, String), (String, usize)>,
    version: Option<Vec<u8>>,
    discovery: Vec<Vec<u8>>,
    problems: Vec<SourceError>,
}

impl Builder {
    fn add(&mut self, display: &str, relative: &str, bytes: &[u8]) {
        match parse_file(relative, bytes) {
            Ok(Content::Version(doc)) => self.version = Some(doc),
            Ok(Content::Discovery(docs)) => self.discovery.extend(docs),
            Ok(Content::Objects(objects)) => {
                let kinds: BTreeSet<(String, String)> =
                    objects.iter().map(|o| (o.group.clone(), o.kind.clone())).collect();
                for kind in kinds {
                    self.files_of_kind.entry(kind).or_insert_with(|| (display.to_string(), 0)).1 += 1;
                }
                for mut object in objects {
                    if is_core_secret(&object.group, &object.kind) {
                        object.json = value_free_secret(&object.json);
                    } else if is_core_config_map(&object.group, &object.kind)
                        && let Some(cleaned) = secrets::config_map_item(object.json.get())
                        && let Ok(cleaned) = RawValue::from_string(cleaned)
                    {
                        object.json = cleaned;
                    }
                    let by_name = self.objects.entry((object.group.clone(), object.kind.clone())).or_default();
                    // The first copy of an object wins; later files often repeat objects.
                    by_name.entry((object.namespace.clone(), object.name.clone())).or_insert(object);
                }
            }
            Err(reason) => self.problem(display, reason.into()),
        }
    }

    /// Reads the file at `path`, known in the snapshot as `relative`.
    fn read(&mut self, path: &Path, relative: &str) {
        match files::read(path) {
            Ok(bytes) => self.add(&path.display().to_string(), relative, &bytes),
            Err(reason) => self.problem(&path.display().to_string(), reason),
        }
    }

    fn problem(&mut self, file: &str, source: FileError) {
        self.problems.push(SourceError::File { file: file.to_string(), source });
    }

    fn finish(self, name: String) -> Snapshot {
        let uid = self
            .objects
            .get(&(String::new(), "Namespace".to_string()))
            .and_then(|namespaces| namespaces.get(&(String::new(), "kube-system".to_string())))
            .map(|ns| ns.uid.clone())
            .unwrap_or_default();
        let objects = self.objects.into_iter().map(|(key, by_name)| (key, by_name.into_values().collect())).collect();
        Snapshot {
            cluster: Arc::new(Cluster { name, uid }),
            objects,
            version: self.version,
            discovery: self.discovery,
            problems: self.problems,
            files_of_kind: self.files_of_kind,
        }
    }
}
