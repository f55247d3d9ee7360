//! Live clusters over the Kubernetes API.
//!
//! The host never deserializes objects: it fetches the raw bytes of each List page (`limit`
//! 500, following `continue`) and hands every page on as it arrives, through a channel two
//! pages deep, so the next page downloads while a table converts the current one and memory
//! stays bounded by a few pages whatever the cluster size. Several clusters are listed in
//! parallel; each page carries its cluster's identity. With the watch cache (`cache`), a
//! resource is listed once and then watched, and scans read it from memory.

mod answer;
mod cache;
mod config;
mod envelope;
mod error;
mod http;
mod list;
mod progress;

use std::sync::Arc;

use serde::Deserialize;
use tokio::sync::mpsc;
use tracing::Instrument;

pub use cache::{CacheConfig, DEFAULT_MAX_BYTES};
pub use config::LiveConfig;
pub use error::{AnswerError, Attempt, ClusterError, ConfigError, Failure, RequestError, Transport};

use self::http::get;
use self::progress::Progress;
use super::{DataSource, Page, Pages, Selection, SourceError};
use crate::schema::{ApiResource, Cluster, Source};

/// A connected cluster.
pub(crate) struct ClusterClient {
    pub(crate) identity: Arc<Cluster>,
    pub(crate) client: kube::Client,
    /// The group versions the cluster serves (`/apis`), read the first time a table reads a
    /// resource some clusters serve at another version only.
    group_versions: tokio::sync::OnceCell<std::collections::HashSet<String>>,
}

impl ClusterClient {
    fn new(identity: Arc<Cluster>, client: kube::Client) -> Self {
        ClusterClient { identity, client, group_versions: tokio::sync::OnceCell::new() }
    }

    /// `resource` at a version this cluster serves: the one declared, or else the first of
    /// its [`fallback_versions`](crate::schema::fallback_versions) the cluster serves. A
    /// cluster whose versions cannot be read is asked for the declared one.
    pub(crate) async fn serving(&self, resource: &ApiResource) -> ApiResource {
        let fallbacks = crate::schema::fallback_versions(resource);
        if fallbacks.is_empty() {
            return resource.clone();
        }
        let served = self
            .group_versions
            .get_or_try_init(|| async {
                let groups = api_groups(self).await?;
                Ok::<_, error::Failure>(
                    groups.groups.into_iter().flat_map(|g| g.versions).map(|v| v.group_version).collect(),
                )
            })
            .await;
        let served = match served {
            Ok(served) => served,
            Err(failure) => {
                tracing::debug!("cannot read which API versions are served, asking for {resource}: {failure}");
                return resource.clone();
            }
        };
        let versions = std::iter::once(resource.version.as_str()).chain(fallbacks.iter().copied());
        for version in versions {
            if served.contains(&format!("{}/{version}", resource.group)) {
                if version != resource.version {
                    tracing::debug!(
                        "the server does not serve {}; reading {}/{version}",
                        resource.api_version(),
                        resource.group
                    );
                }
                return ApiResource { version: version.to_string(), ..resource.clone() };
            }
        }
        resource.clone()
    }
}

/// Live clusters as a data source.
pub struct LiveSource {
    runtime: tokio::runtime::Runtime,
    clusters: Vec<Arc<ClusterClient>>,
    progress: Arc<Progress>,
    /// The watch cache, when on.
    cache: Option<Arc<cache::WatchCache>>,
}

#[derive(Deserialize)]
struct NamespaceMeta {
    metadata: Uid,
}

#[derive(Deserialize)]
struct Uid {
    #[serde(default)]
    uid: String,
}

impl LiveSource {
    /// Connects to every selected cluster and reads each one's identity (the uid of its
    /// kube-system namespace). With several clusters, one that cannot be reached is left
    /// out with a warning; with one, that is an error.
    pub fn connect(config: &LiveConfig) -> Result<Self, SourceError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kube")
            .enable_all()
            .build()
            .map_err(SourceError::Runtime)?;
        let clusters = runtime.block_on(async {
            let targets = config::targets(config).await?;
            let several = targets.len() > 1;
            let connecting = targets.into_iter().map(|target| {
                let span = crate::report::cluster_span(&target.name);
                async move {
                    let name = target.name.clone();
                    let client = kube::Client::try_from(target.config).map_err(|e| SourceError::Cluster {
                        cluster: name.clone(),
                        source: ClusterError::Client(e).into(),
                    })?;
                    let uid = identity(&client, &name).await?;
                    Ok::<_, SourceError>(Arc::new(ClusterClient::new(Arc::new(Cluster { name, uid }), client)))
                }
                .instrument(span)
            });
            let mut connected = Vec::new();
            for result in futures::future::join_all(connecting).await {
                match result {
                    Ok(cluster) => connected.push(cluster),
                    Err(e) if several => tracing::warn!("{e}; querying the other clusters"),
                    Err(e) => return Err(e),
                }
            }
            if connected.is_empty() {
                return Err(SourceError::NoClusterReachable);
            }
            Ok(connected)
        })?;
        let cache = config.watch_cache.clone().map(|c| Arc::new(cache::WatchCache::new(c)));
        Ok(LiveSource { runtime, clusters, progress: Arc::new(Progress::new()), cache })
    }

    /// Streams what each cluster's task sends; with several clusters a failed one becomes a
    /// warning and the others' rows still arrive, unless every cluster failed.
    fn fan_in<F, Fut>(&self, task: F) -> Pages<'_>
    where
        F: Fn(Arc<ClusterClient>, mpsc::Sender<Result<Page, SourceError>>) -> Fut,
        Fut: std::future::Future<Output = Result<(), SourceError>> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(super::PAGES_AHEAD);
        let several = self.clusters.len() > 1;
        // Each cluster's task logs under its name; the caller's span (the table) stays around it.
        let tasks: Vec<_> = self
            .clusters
            .iter()
            .map(|cluster| {
                let span = crate::report::cluster_span(&cluster.identity.name);
                task(cluster.clone(), tx.clone()).instrument(span)
            })
            .collect();
        let total = tasks.len();
        let fetching = self.runtime.spawn(async move {
            let results = futures::future::join_all(tasks).await;
            let failures: Vec<SourceError> = results.into_iter().filter_map(Result::err).collect();
            if !several || failures.len() == total {
                for failure in failures {
                    let _ = tx.send(Err(failure)).await;
                }
            } else {
                for failure in failures {
                    tracing::warn!("{failure}; showing the rows of the other clusters");
                }
            }
        });
        Box::new(Receiver { pages: rx, fetching: fetching.abort_handle() })
    }
}

async fn identity(client: &kube::Client, name: &str) -> Result<String, SourceError> {
    match get(client, name, "/api/v1/namespaces/kube-system", "application/json").await {
        Ok(body) => Ok(serde_json::from_slice::<NamespaceMeta>(&body).map(|n| n.metadata.uid).unwrap_or_default()),
        Err(Failure::Status { code: 403 | 404, message }) => {
            tracing::warn!("cannot read the kube-system namespace ({message}); cluster_uid will be empty");
            Ok(String::new())
        }
        Err(failure) => {
            Err(SourceError::Cluster { cluster: name.to_string(), source: ClusterError::Identity(failure).into() })
        }
    }
}

/// The pages of a scan, read from the network tasks as they arrive.
struct Receiver {
    pages: mpsc::Receiver<Result<Page, SourceError>>,
    /// The clusters' tasks, stopped when the scan is: SQLite ends a scan early for `LIMIT`,
    /// `EXISTS` or a satisfied join, and requests in flight or pages read ahead would only be
    /// thrown away.
    fetching: tokio::task::AbortHandle,
}

impl Iterator for Receiver {
    type Item = Result<Page, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.pages.blocking_recv()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.fetching.abort();
    }
}

#[derive(Deserialize)]
struct ApiVersions {
    #[serde(default)]
    versions: Vec<String>,
}

#[derive(Deserialize)]
struct ApiGroupList {
    #[serde(default)]
    groups: Vec<ApiGroup>,
}

#[derive(Deserialize)]
struct ApiGroup {
    #[serde(default)]
    versions: Vec<GroupVersion>,
    #[serde(rename = "preferredVersion")]
    preferred_version: Option<GroupVersion>,
}

#[derive(Deserialize)]
struct GroupVersion {
    #[serde(rename = "groupVersion")]
    group_version: String,
}

/// The API groups `cluster` serves (`/apis`); none when the answer is not an APIGroupList.
async fn api_groups(cluster: &ClusterClient) -> Result<ApiGroupList, Failure> {
    let body = get(&cluster.client, &cluster.identity.name, "/apis", "application/json").await?;
    Ok(serde_json::from_slice(&body).unwrap_or(ApiGroupList { groups: Vec::new() }))
}

/// Every APIResourceList the cluster serves: `/api/<v>` and `/apis/<group>/<version>`.
async fn discovery(
    cluster: Arc<ClusterClient>,
    tx: mpsc::Sender<Result<Page, SourceError>>,
) -> Result<(), SourceError> {
    let name = cluster.identity.name.clone();
    let paths = resource_list_paths(&cluster, Versions::All).await.map_err(|failure| SourceError::Cluster {
        cluster: name.clone(),
        source: ClusterError::Discovery(failure).into(),
    })?;
    for path in paths {
        // A broken aggregated API (often metrics.k8s.io) must not hide the rest.
        match get(&cluster.client, &name, &path, "application/json").await {
            Ok(body) => {
                if tx.send(Ok(Page::new(cluster.identity.clone(), body))).await.is_err() {
                    return Ok(());
                }
            }
            Err(failure) => tracing::warn!("discovery of {path} failed, skipping it: {failure}"),
        }
    }
    Ok(())
}

/// Which group versions discovery reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Versions {
    /// Every version of every group (`kubernetes_api_resources`).
    All,
    /// The preferred version of each group (the generic tables read each resource once).
    Preferred,
}

/// The paths of the APIResourceLists `cluster` serves (`/api/v1`, `/apis/<group>/<version>`).
async fn resource_list_paths(cluster: &ClusterClient, versions: Versions) -> Result<Vec<String>, Failure> {
    let name = &cluster.identity.name;
    let core: ApiVersions = serde_json::from_slice(&get(&cluster.client, name, "/api", "application/json").await?)
        .unwrap_or(ApiVersions { versions: Vec::new() });
    let groups = api_groups(cluster).await?;
    let core_versions = if versions == Versions::All { core.versions.len() } else { 1 };
    let mut paths: Vec<String> = core.versions.iter().take(core_versions).map(|v| format!("/api/{v}")).collect();
    for group in groups.groups {
        match versions {
            Versions::All => paths.extend(group.versions.iter().map(|v| format!("/apis/{}", v.group_version))),
            Versions::Preferred => {
                if let Some(version) = group.preferred_version.or_else(|| group.versions.into_iter().next()) {
                    paths.push(format!("/apis/{}", version.group_version));
                }
            }
        }
    }
    Ok(paths)
}

/// The resources `cluster` serves, each at its group's preferred version.
async fn preferred_resources(cluster: &ClusterClient) -> Result<Vec<ApiResource>, Failure> {
    let name = &cluster.identity.name;
    let mut resources = Vec::new();
    for path in resource_list_paths(cluster, Versions::Preferred).await? {
        match get(&cluster.client, name, &path, "application/json").await {
            Ok(body) => resources.extend(super::discovery::resources_of(&body)),
            Err(failure) => tracing::warn!("discovery of {path} failed, skipping it: {failure}"),
        }
    }
    Ok(resources)
}

impl DataSource for LiveSource {
    fn clusters(&self) -> Vec<Arc<Cluster>> {
        self.clusters.iter().map(|c| c.identity.clone()).collect()
    }

    /// The resources any of the clusters serves, at the preferred version of the first that
    /// serves each.
    fn resources(&self) -> Vec<ApiResource> {
        self.runtime.block_on(async {
            let mut resources: Vec<ApiResource> = Vec::new();
            for cluster in &self.clusters {
                let span = crate::report::cluster_span(&cluster.identity.name);
                match preferred_resources(cluster).instrument(span).await {
                    Ok(found) => {
                        for resource in found {
                            if !resources.iter().any(|r| r.group == resource.group && r.resource == resource.resource) {
                                resources.push(resource);
                            }
                        }
                    }
                    Err(failure) => tracing::warn!(
                        "cluster {}: discovery failed, its resources have no generic tables: {failure}",
                        cluster.identity.name
                    ),
                }
            }
            resources
        })
    }

    fn pages(&self, _table: &str, source: &Source, selection: &Selection) -> Pages<'_> {
        match source {
            Source::Resource(resource) => {
                let planned = list::plan(resource, selection);
                let progress = self.progress.clone();
                let resource = resource.clone();
                let limit = selection.limit;
                let cache = self.cache.clone().filter(|cache| cache.serves(&resource, selection));
                let selection = selection.clone();
                self.fan_in(move |cluster, tx| {
                    let (cache, resource, selection) = (cache.clone(), resource.clone(), selection.clone());
                    let (planned, progress) = (planned.clone(), progress.clone());
                    async move {
                        let resource = cluster.serving(&resource).await;
                        if let Some(cache) = cache
                            && cache.scan(&cluster, &resource, &selection, &tx).await?
                        {
                            return Ok(());
                        }
                        list::run(cluster, resource, planned, limit, tx, progress).await
                    }
                })
            }
            Source::Path(path) if path == super::WATCH_CACHE_PATH => {
                let cache = self.cache.clone();
                if cache.is_none() {
                    tracing::info!("the watch cache is off (--watch-cache): no rows");
                }
                self.fan_in(move |cluster, tx| {
                    let state = cache.as_ref().map(|cache| cache.state(&cluster.identity.name));
                    async move {
                        if let Some(state) = state {
                            let _ = tx.send(Ok(Page::new(cluster.identity.clone(), state.into()))).await;
                        }
                        Ok(())
                    }
                })
            }
            Source::Path(path) => {
                let path = path.clone();
                self.fan_in(move |cluster, tx| {
                    let path = path.clone();
                    async move {
                        let name = cluster.identity.name.clone();
                        let body = get(&cluster.client, &name, &path, "application/json").await.map_err(|source| {
                            SourceError::Cluster {
                                cluster: name,
                                source: ClusterError::Get { path: path.clone(), source }.into(),
                            }
                        })?;
                        let _ = tx.send(Ok(Page::new(cluster.identity.clone(), body))).await;
                        Ok(())
                    }
                })
            }
            Source::Discovery => self.fan_in(discovery),
        }
    }
}
