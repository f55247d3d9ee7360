//! The watch cache: resources a scan reads are kept up to date by an informer each (LIST once,
//! then WATCH), and later scans are served from it as List pages, so that scheduled queries
//! cost the API server a watch instead of a List each time.
//!
//! A scan is served from the cache only while its watch is open (it waits up to
//! [`CacheConfig::wait`] for that, then lists the resource as without a cache); the answer is
//! as fresh as the last event the server sent. Resources read as metadata (Secrets and other
//! metadata-only tables) are listed and watched as metadata, and kept as such: a Secret as
//! value-free metadata. Scans with label or field selectors are always listed. A resource no
//! scan reads for [`CacheConfig::idle`] stops being watched.

mod informer;
mod object;

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;

use self::informer::{Informer, Phase};
use self::object::Kept;
use super::answer;
use super::{ClusterClient, RequestError};
use crate::schema::ApiResource;
use crate::sources::list_body::write_list;
use crate::sources::row_memo::{PageObjects, RowBudget};
use crate::sources::{PAGE_SIZE, Page, Selection, SourceError};

/// The cache's budget unless configured: the objects of a cluster of about 30 000 typical
/// pods and their nodes.
pub const DEFAULT_MAX_BYTES: usize = 256 << 20;

/// Tables' rows kept for reuse take at most this fraction of the cache's budget; its objects
/// the rest.
const ROWS_SHARE: usize = 5;

/// How the watch cache behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheConfig {
    /// The resources cached (plural names, `pods`, `deployments`); `None`: every resource a
    /// scan reads in full.
    pub resources: Option<Vec<String>>,
    /// A resource no scan read for this long stops being watched.
    pub idle: Duration,
    /// How long a scan waits for its resource's watch to be open before listing instead.
    pub wait: Duration,
    /// `timeoutSeconds` of each WATCH request: the server ends it then, and it is resumed.
    pub watch_timeout: Duration,
    /// Bytes the cache holds at most, over every cluster and resource: objects, and up to a
    /// fifth of it tables' rows kept for reuse. A resource whose objects would take it past
    /// its share is listed instead; rows that would not fit are not kept.
    pub max_bytes: usize,
    /// How long an Event the API server expired (deleted) is still served, so that a
    /// scheduled query reports an event that came and went since the last one.
    pub events_retention: Duration,
    /// Expired Events kept at most per cluster; the oldest go first.
    pub events_retained: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            resources: None,
            // Longer than the hour at which query packs (the deployment's among them) read
            // most tables, so that the watch outlives the time between two runs.
            idle: Duration::from_secs(2 * 60 * 60),
            wait: Duration::from_secs(30),
            watch_timeout: Duration::from_secs(290),
            max_bytes: DEFAULT_MAX_BYTES,
            events_retention: Duration::from_secs(60 * 60),
            events_retained: 10_000,
        }
    }
}

impl CacheConfig {
    /// Bytes of objects the cache holds at most: what `max_bytes` leaves to them.
    pub(crate) fn object_bytes(&self) -> usize {
        self.max_bytes - self.row_bytes()
    }

    /// Bytes of tables' rows kept for reuse at most: a fifth of `max_bytes`.
    fn row_bytes(&self) -> usize {
        self.max_bytes / ROWS_SHARE
    }

    /// Whether scans of `resource` may be served from the cache.
    fn caches(&self, resource: &ApiResource) -> bool {
        self.resources.as_ref().is_none_or(|names| names.contains(&resource.resource))
    }
}

/// The informers of every cluster and resource scans have read.
pub(crate) struct WatchCache {
    config: CacheConfig,
    informers: Mutex<HashMap<(String, ApiResource), Arc<Informer>>>,
    /// Bytes of objects held by every informer.
    used: Arc<AtomicUsize>,
    /// Bytes of tables' rows kept by every informer, for reuse.
    rows: Arc<RowBudget>,
}

impl WatchCache {
    pub(crate) fn new(config: CacheConfig) -> Self {
        let rows = RowBudget::new(config.row_bytes());
        WatchCache { config, informers: Mutex::new(HashMap::new()), used: Arc::default(), rows }
    }

    /// Whether a scan of `resource` narrowed by `selection` is served from the cache: a
    /// resource it caches, narrowed at most by namespace, name and LIMIT (label and field
    /// selectors are the server's to apply).
    pub(crate) fn serves(&self, resource: &ApiResource, selection: &Selection) -> bool {
        self.config.caches(resource) && selection.label_selectors.is_empty() && selection.fields.is_empty()
    }

    /// The informer of `resource` on `cluster`, started if there is none, it stopped, or it
    /// gave the resource up (over the budget, or refused by the server) longer than the idle
    /// time ago.
    fn informer(&self, cluster: &Arc<ClusterClient>, resource: &ApiResource) -> Arc<Informer> {
        let mut informers = self.informers.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (cluster.identity.name.clone(), resource.clone());
        if let Some(informer) = informers.get(&key) {
            let state = informer.state();
            let retry = match state.phase {
                Phase::Stopped => true,
                Phase::GaveUp => state.stopped_at.is_none_or(|at| at.elapsed() > self.config.idle),
                _ => false,
            };
            drop(state);
            if !retry {
                informer.touch();
                return informer.clone();
            }
        }
        let informer = Informer::start(
            cluster.clone(),
            resource.clone(),
            self.config.clone(),
            self.used.clone(),
            self.rows.clone(),
        );
        informers.insert(key, informer.clone());
        informer
    }

    /// The state of every resource the cache keeps for `cluster`, as the document the
    /// `kubequery_cache` table reads ([`WATCH_CACHE_PATH`](crate::sources::WATCH_CACHE_PATH)).
    pub(crate) fn state(&self, cluster: &str) -> String {
        let informers = self.informers.lock().unwrap_or_else(PoisonError::into_inner);
        let unix = |t: std::time::SystemTime| t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let mut resources: Vec<(String, serde_json::Value)> = informers
            .iter()
            .filter(|((name, _), _)| name == cluster)
            .map(|((_, resource), informer)| {
                let state = informer.state();
                let last_read = std::time::SystemTime::now().checked_sub(state.last_used.elapsed());
                let name = resource.qualified_name();
                let entry = serde_json::json!({
                    "resource": name,
                    "apiVersion": resource.api_version(),
                    "phase": state.phase.name(),
                    "objects": state.objects.len(),
                    "expiredEvents": state.expired.len(),
                    "bytes": state.bytes,
                    "rowBytes": informer.rows.bytes(),
                    "objectsReused": informer.rows.reused(),
                    "resourceVersion": state.resource_version,
                    "lists": state.lists,
                    "watchRequests": state.watches,
                    "lastSync": state.last_sync.map(unix),
                    "lastRead": last_read.map(unix),
                });
                (name, entry)
            })
            .collect();
        resources.sort_by(|a, b| a.0.cmp(&b.0));
        let resources: Vec<serde_json::Value> = resources.into_iter().map(|(_, entry)| entry).collect();
        serde_json::json!({
            "apiVersion": "kubequery.io/v1",
            "kind": "WatchCache",
            // SQL integers are 64-bit signed; a budget past that is no budget.
            "memoryBudget": i64::try_from(self.config.max_bytes).unwrap_or(i64::MAX),
            "resources": resources,
        })
        .to_string()
    }

    /// Sends the pages of `resource` on `cluster` that `selection` asks for, from the cache,
    /// or returns `false` without sending anything when the cache cannot answer now (its
    /// watch is not open within the wait): the caller lists instead.
    pub(crate) async fn scan(
        &self,
        cluster: &Arc<ClusterClient>,
        resource: &ApiResource,
        selection: &Selection,
        pages: &mpsc::Sender<Result<Page, SourceError>>,
    ) -> Result<bool, SourceError> {
        let informer = self.informer(cluster, resource);
        if !informer.watching(self.config.wait).await {
            tracing::info!("the watch of {resource} is not open; listing it instead");
            return Ok(false);
        }
        let (objects, version) = {
            let mut state = informer.state();
            informer.prune(&mut state);
            let since = state.last_sync.and_then(|t| t.elapsed().ok()).unwrap_or_default();
            tracing::info!(
                "{resource} from the watch cache: {} objects and {} expired ({} KiB) at resourceVersion {}, in sync \
                 {} ms ago ({} list(s), {} watch request(s))",
                state.objects.len(),
                state.expired.len(),
                state.bytes >> 10,
                state.resource_version,
                since.as_millis(),
                state.lists,
                state.watches
            );
            let limit = selection.limit.unwrap_or(usize::MAX);
            // Expired Events after the live objects, oldest first.
            let expired = state.expired.iter().map(|e| (&e.key, &e.object));
            let objects: Vec<Arc<Kept>> = state
                .objects
                .iter()
                .chain(expired)
                .filter(|((namespace, name), _)| selection.admits(resource, namespace, name))
                .take(limit)
                .map(|(_, o)| o.clone())
                .collect();
            (objects, state.resource_version.clone())
        };
        if selection.is_everything() {
            // Rows of objects that are gone (deleted, or replaced by a newer version) are
            // never read again.
            informer.rows.retain(&objects.iter().map(|o| o.id()).collect());
        }
        let (api_version, kind) = resource.list_kind();
        let metadata = serde_json::json!({ "resourceVersion": version }).to_string();
        let failed = |source: RequestError| SourceError::Cluster {
            cluster: cluster.identity.name.clone(),
            source: super::ClusterError::List { resource: resource.to_string(), source }.into(),
        };
        // A watch opens only after a List, whose first page set the codec.
        let Some(codec) = informer.codec() else { return Ok(false) };
        let mut reader = codec.reader().map_err(|e| failed(RequestError::Cache(e)))?;
        for chunk in objects.chunks(PAGE_SIZE) {
            // The List an API server would send, each object decompressed into it in place.
            let items_len = chunk.iter().map(|o| o.json_len() + 1).sum();
            let mut spans = Vec::with_capacity(chunk.len());
            let written = write_list(&api_version, &kind, &metadata, items_len, chunk, Some(&mut spans), |o, out| {
                reader.append(o, out)
            })
            .map_err(|e| failed(RequestError::Cache(e)))?;
            // As a listed page is: ConfigMaps lose the annotations that copy their data.
            // Secrets were made value-free metadata before they were kept, and a page of them
            // is not a server's answer to be made so again (that would drop their type); the
            // Secret guard checks it before a table sees it, as every page of Secrets.
            let body = if resource.is_secrets() {
                written.clone()
            } else {
                answer::page(resource, written.clone(), false).map_err(|e| failed(e.into()))?
            };
            let mut page = Page::new(cluster.identity.clone(), body);
            // Rows are reused by where objects are in the page as written; a page rewritten
            // since (ConfigMaps) is converted whole.
            if page.body.as_ptr() == written.as_ptr() && page.body.len() == written.len() {
                let ids = chunk.iter().map(|o| o.id()).collect();
                page.objects = Some(Arc::new(PageObjects { ids, spans, memo: informer.rows.clone() }));
            }
            if pages.send(Ok(page)).await.is_err() {
                break;
            }
        }
        Ok(true)
    }
}
