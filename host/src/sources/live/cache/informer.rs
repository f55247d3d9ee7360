//! One resource of one cluster kept up to date, as Kubernetes' own informers do: a paged LIST,
//! then a WATCH from the List's resourceVersion with bookmarks, resumed from the last version
//! seen when it ends or breaks, and a fresh LIST when the server says that version is gone
//! (410). Errors back off. The objects are kept as the server sent them, one JSON text each,
//! without `managedFields`, compressed (`object`), and their bytes count against the cache's budget:
//! a resource that would take the cache past it is dropped and listed by scans instead.
//!
//! Resources read as metadata are listed and watched as metadata, and kept as what a listed
//! page's items are made (`answer`): a Secret is value-free metadata before the informer
//! holds it, and an answer with anything more is refused and the resource given up.
//!
//! Events are objects the API server expires rather than anyone deleting them: an informer of
//! Events keeps the ones it saw expire for a while ([`CacheConfig::events_retention`], at most
//! [`CacheConfig::events_retained`]), and scans serve them after the live ones, so that a
//! query scheduled every ten minutes still reports an event that came and went in between.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use bytes::BytesMut;
use http_body_util::BodyExt;
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::sync::watch;

use super::super::ClusterClient;
use super::super::answer::{self, WatchedObjects};
use super::super::envelope::continue_token;
use super::super::error::{AnswerError, Failure, Transport};
use super::super::http::{encode, get};
use super::super::list::base_path;
use super::CacheConfig;
use super::object::{Codec, Kept};
use crate::schema::ApiResource;
use crate::sources::PAGE_SIZE;
use crate::sources::row_memo::{RowBudget, RowMemo};

/// An object's place in API-server order: namespace, then name.
pub(crate) type Key = (String, String);

/// The first wait after an error, doubled up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The longest line of a watch stream: etcd keeps objects under 1.5 MiB, so an event line
/// past this is not an object of the cluster's and breaks the watch.
const MAX_EVENT_BYTES: usize = 16 << 20;

/// Where an informer is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Listing, the first time or after the version it watched from was gone.
    Listing,
    /// Its watch is open: the objects are as the server last told.
    Watching,
    /// Its watch ended or broke; it is resuming (after a back-off, when it failed).
    Resuming,
    /// Listing failed; it retries after a back-off while scans read the resource directly.
    Failed,
    /// Nobody read the resource for the idle time: it stopped and holds nothing.
    Stopped,
    /// Its objects would take the cache past its budget, or the server refuses to list them
    /// (403, 404): it holds nothing, and scans list the resource (and report the refusal)
    /// until the idle time has passed.
    GaveUp,
}

/// An Event the API server expired, as it last was.
pub(crate) struct Expired {
    /// When the informer saw it go (its DELETED event, or a relist without it).
    pub(crate) at: Instant,
    pub(crate) key: Key,
    pub(crate) object: Arc<Kept>,
}

impl Phase {
    /// The phase as the `kubequery_cache` table shows it.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Phase::Listing => "listing",
            Phase::Watching => "watching",
            Phase::Resuming => "resuming",
            Phase::Failed => "failed",
            Phase::Stopped => "stopped",
            Phase::GaveUp => "gave_up",
        }
    }
}

/// What an informer holds and has done, for scans and for the operator.
pub(crate) struct State {
    pub(crate) phase: Phase,
    pub(crate) objects: BTreeMap<Key, Arc<Kept>>,
    /// Events expired by the server and still served, oldest first (always empty for other
    /// resources).
    pub(crate) expired: VecDeque<Expired>,
    /// Bytes held: the objects (the expired Events' included) and the compression dictionary.
    pub(crate) bytes: usize,
    pub(crate) resource_version: String,
    /// LISTs made (the first, and one after each 410).
    pub(crate) lists: u64,
    /// WATCH requests made.
    pub(crate) watches: u64,
    /// When the objects were last known complete: the last list, event or bookmark.
    pub(crate) last_sync: Option<SystemTime>,
    /// When a scan last read the resource.
    pub(crate) last_used: Instant,
    /// When it stopped, or gave up for the budget.
    pub(crate) stopped_at: Option<Instant>,
}

impl State {
    /// Notes that the objects are as the server last told, now, at `resource_version` (an
    /// event without one leaves the last one).
    fn synced(&mut self, resource_version: String) {
        if !resource_version.is_empty() {
            self.resource_version = resource_version;
        }
        self.last_sync = Some(SystemTime::now());
    }
}

/// How long and how many expired objects an informer keeps.
#[derive(Clone, Copy)]
struct Retention {
    age: Duration,
    count: usize,
}

/// One resource of one cluster, kept by a task of its own.
pub(crate) struct Informer {
    pub(crate) resource: ApiResource,
    /// For Events: how expired ones are kept.
    retention: Option<Retention>,
    /// How its objects are compressed, from its first List page on.
    codec: OnceLock<Arc<Codec>>,
    state: Mutex<State>,
    /// Bytes held by every informer of the cache, this one's included.
    used: Arc<AtomicUsize>,
    /// Bumped at every change of phase, for scans waiting on one.
    changed: watch::Sender<u64>,
    /// Tables' rows of its objects, reused while the objects are unchanged.
    pub(crate) rows: Arc<RowMemo>,
}

impl Informer {
    /// Starts keeping `resource` of `cluster` on the current runtime.
    pub(crate) fn start(
        cluster: Arc<ClusterClient>,
        resource: ApiResource,
        config: CacheConfig,
        used: Arc<AtomicUsize>,
        rows: Arc<RowBudget>,
    ) -> Arc<Informer> {
        let retention =
            resource.is_events().then_some(Retention { age: config.events_retention, count: config.events_retained });
        let informer = Arc::new(Informer {
            resource,
            retention,
            codec: OnceLock::new(),
            used,
            state: Mutex::new(State {
                phase: Phase::Listing,
                objects: BTreeMap::new(),
                expired: VecDeque::new(),
                bytes: 0,
                resource_version: String::new(),
                lists: 0,
                watches: 0,
                last_sync: None,
                last_used: Instant::now(),
                stopped_at: None,
            }),
            changed: watch::Sender::new(0),
            rows: Arc::new(RowMemo::new(rows)),
        });
        let span = tracing::info_span!("watch", resource = %informer.resource);
        tokio::spawn(tracing::Instrument::instrument(keep(informer.clone(), cluster, config), span));
        informer
    }

    pub(crate) fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How its objects are compressed (set once it listed a page).
    pub(crate) fn codec(&self) -> Option<Arc<Codec>> {
        self.codec.get().cloned()
    }

    /// Notes that a scan reads the resource now.
    pub(crate) fn touch(&self) {
        self.state().last_used = Instant::now();
    }

    /// Waits up to `wait` for the watch to be open; returns whether it is.
    pub(crate) async fn watching(&self, wait: Duration) -> bool {
        let mut changed = self.changed.subscribe();
        let ready = async {
            loop {
                match self.state().phase {
                    Phase::Watching => return true,
                    Phase::Failed | Phase::Stopped | Phase::GaveUp => return false,
                    Phase::Listing | Phase::Resuming => {}
                }
                if changed.changed().await.is_err() {
                    return false;
                }
            }
        };
        tokio::time::timeout(wait, ready).await.unwrap_or(false)
    }

    fn set_phase(&self, phase: Phase) {
        self.state().phase = phase;
        self.changed.send_modify(|n| *n += 1);
    }

    fn idle(&self, config: &CacheConfig) -> bool {
        self.state().last_used.elapsed() > config.idle
    }

    /// Counts `bytes` more held by this informer.
    fn hold(&self, state: &mut State, bytes: usize) {
        state.bytes += bytes;
        self.used.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Counts `bytes` this informer no longer holds.
    fn release(&self, state: &mut State, bytes: usize) {
        state.bytes -= bytes;
        self.used.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Keeps `object`, which the server no longer has, among the expired Events when this
    /// informer keeps them.
    fn expire(&self, state: &mut State, key: Key, object: Arc<Kept>) {
        if self.retention.is_some() {
            self.hold(state, object.bytes());
            state.expired.push_back(Expired { at: Instant::now(), key, object });
            self.prune(state);
        }
    }

    /// Drops the expired Events past the retention's age or count, oldest first.
    pub(crate) fn prune(&self, state: &mut State) {
        let Some(retention) = self.retention else { return };
        while let Some(oldest) = state.expired.front() {
            if oldest.at.elapsed() <= retention.age && state.expired.len() <= retention.count {
                break;
            }
            if let Some(gone) = state.expired.pop_front() {
                self.release(state, gone.object.bytes());
            }
        }
    }

    /// Drops every object, giving their bytes back to the cache, and ends in `phase`.
    fn drop_objects(&self, phase: Phase) {
        {
            let mut state = self.state();
            self.used.fetch_sub(state.bytes, Ordering::Relaxed);
            state.objects = BTreeMap::new();
            state.expired = VecDeque::new();
            state.bytes = 0;
            state.stopped_at = Some(Instant::now());
        }
        self.set_phase(phase);
    }

    /// Whether the cache holds more than its budget.
    fn over_budget(&self, config: &CacheConfig) -> bool {
        self.used.load(Ordering::Relaxed) > config.object_bytes()
    }
}

/// The informer's task: list, watch, resume, relist, until the resource goes unread.
async fn keep(informer: Arc<Informer>, cluster: Arc<ClusterClient>, config: CacheConfig) {
    let mut backoff = FIRST_BACKOFF;
    let (mut warned_not_a_stream, mut warned_list) = (false, false);
    // Why the informer gives the resource up, when it does before going idle (else: the
    // budget).
    let mut refused = None;
    // Kept from watch to watch: a server that defines a Table's columns only in the first
    // watch it answers still has its Secrets' types read.
    let mut objects = WatchedObjects::default();
    'list: loop {
        if informer.idle(&config) {
            break;
        }
        informer.set_phase(Phase::Listing);
        // A relist replaces the objects: what they held is not counted twice.
        let held = informer.state().bytes;
        let room = config.object_bytes().saturating_sub(informer.used.load(Ordering::Relaxed).saturating_sub(held));
        match list(&informer, &cluster, room).await {
            Ok(Listed { objects, resource_version, bytes, json_bytes }) => {
                let mut state = informer.state();
                let before = std::mem::replace(&mut state.objects, objects);
                informer.release(&mut state, before.values().map(|o| o.bytes()).sum());
                informer.hold(&mut state, bytes);
                // What a relist no longer finds went while the watch was away.
                for (key, object) in before {
                    if !state.objects.contains_key(&key) {
                        informer.expire(&mut state, key, object);
                    }
                }
                state.resource_version = resource_version;
                state.lists += 1;
                state.last_sync = Some(SystemTime::now());
                tracing::info!(
                    "listed {} objects ({} KiB of JSON kept in {} KiB) at resourceVersion {}; watching",
                    state.objects.len(),
                    json_bytes >> 10,
                    bytes >> 10,
                    state.resource_version
                );
            }
            Err(ListFailure::OverBudget) => break 'list,
            // The scans that list it report the refusal to the user; retrying would not help.
            Err(ListFailure::Http(Failure::Status { code: code @ (403 | 404), .. })) => {
                refused = Some(Refusal::Status("list", code));
                break 'list;
            }
            Err(ListFailure::Answer(answer)) => {
                refused = Some(Refusal::Answer("list", answer));
                break 'list;
            }
            Err(failure) => {
                let failure = crate::report::chain(&failure);
                if std::mem::replace(&mut warned_list, true) {
                    tracing::debug!("cannot list {} for the watch cache: {failure}", informer.resource);
                } else {
                    tracing::warn!("cannot list {} for the watch cache (retrying): {failure}", informer.resource);
                }
                informer.set_phase(Phase::Failed);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        }
        loop {
            if informer.idle(&config) {
                break 'list;
            }
            match watch_once(&informer, &cluster, &config, &mut objects).await {
                WatchEnd::Ended => backoff = FIRST_BACKOFF,
                WatchEnd::OverBudget => break 'list,
                WatchEnd::Refused(code) => {
                    refused = Some(Refusal::Status("watch", code));
                    break 'list;
                }
                WatchEnd::Answer(answer) => {
                    refused = Some(Refusal::Answer("watch", answer));
                    break 'list;
                }
                WatchEnd::NotAStream => {
                    let level_warn = !std::mem::replace(&mut warned_not_a_stream, true);
                    let message = format!(
                        "the answer to WATCH {} is not a stream of events (does a proxy drop `watch=true`?); \
                         listing it per scan, trying again in {} ms",
                        informer.resource,
                        backoff.as_millis()
                    );
                    if level_warn {
                        tracing::warn!("{message}");
                    } else {
                        tracing::debug!("{message}");
                    }
                    informer.set_phase(Phase::Failed);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
                WatchEnd::Gone => {
                    tracing::info!("resourceVersion {} is gone; listing again", informer.state().resource_version);
                    continue 'list;
                }
                WatchEnd::Broken { why, opened } => {
                    if opened {
                        backoff = FIRST_BACKOFF;
                    }
                    tracing::info!("watch broke ({why}); resuming in {} ms", backoff.as_millis());
                    informer.set_phase(Phase::Resuming);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
            informer.set_phase(Phase::Resuming);
        }
    }
    if informer.idle(&config) {
        tracing::info!("nobody read {} for {} s; stopped watching it", informer.resource, config.idle.as_secs());
        informer.drop_objects(Phase::Stopped);
    } else if let Some(Refusal::Status("list", code)) = refused {
        // Scans list it themselves and report the refusal.
        tracing::debug!("the server refuses to list {} (HTTP {code}): not cached", informer.resource);
        informer.drop_objects(Phase::GaveUp);
    } else if let Some(Refusal::Answer(verb, answer)) = refused {
        // Scans list it themselves, and refuse the same answer when they get it.
        tracing::warn!(
            "the answer to {verb} {} was refused: {answer}; not cached, scans list it for the next {} s",
            informer.resource,
            config.idle.as_secs()
        );
        informer.drop_objects(Phase::GaveUp);
    } else if let Some(Refusal::Status(verb, code)) = refused {
        tracing::warn!(
            "the server refuses to {verb} {} (HTTP {code}): scans list it instead for the next {} s; grant the \
             `watch` verb (docs/deploy/kubequery.yaml) for the watch cache",
            informer.resource,
            config.idle.as_secs()
        );
        informer.drop_objects(Phase::GaveUp);
    } else {
        tracing::warn!(
            "{} would take the watch cache past the {} MiB its objects may hold (of --watch-cache-memory's {} \
             MiB); scans list it instead for the next {} s",
            informer.resource,
            config.object_bytes() >> 20,
            config.max_bytes >> 20,
            config.idle.as_secs()
        );
        informer.drop_objects(Phase::GaveUp);
    }
}

/// Why an informer gave its resource up before going idle.
enum Refusal {
    /// The server refused the verb with this status (403, 404).
    Status(&'static str, u16),
    /// The server answered the verb with more than the metadata asked for.
    Answer(&'static str, AnswerError),
}

#[derive(Deserialize)]
struct ListPage<'a> {
    #[serde(default)]
    metadata: ListMeta,
    #[serde(borrow, default)]
    items: Vec<&'a RawValue>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ListMeta {
    #[serde(default)]
    resource_version: String,
}

#[derive(Deserialize)]
struct Object {
    #[serde(default)]
    metadata: ObjectMeta,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ObjectMeta {
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    resource_version: String,
}

/// The metadata of a named object.
fn meta_of(object: &str) -> Option<ObjectMeta> {
    serde_json::from_str::<Object>(object).ok().map(|o| o.metadata).filter(|m| !m.name.is_empty())
}

/// Why a LIST for the cache failed.
#[derive(Debug, thiserror::Error)]
enum ListFailure {
    #[error(transparent)]
    Http(#[from] Failure),
    #[error("a page is not a List")]
    NotAList,
    #[error(transparent)]
    Answer(#[from] AnswerError),
    #[error("over the cache's budget")]
    OverBudget,
    #[error("cannot compress the objects")]
    Compress(#[from] std::io::Error),
}

/// What a LIST brought.
struct Listed {
    objects: BTreeMap<Key, Arc<Kept>>,
    resource_version: String,
    /// Bytes the objects take as kept, and took as JSON.
    bytes: usize,
    json_bytes: usize,
}

/// Every object of the informer's resource, paged, as of one resourceVersion (a continue
/// token that expires starts the list over, so no object comes from another version); given
/// up as soon as the objects kept pass `room` bytes. The first page trains the informer's
/// compression. A resource read as metadata is listed as metadata, each page made what a
/// listed page's is before anything is kept of it.
async fn list(informer: &Informer, cluster: &ClusterClient, room: usize) -> Result<Listed, ListFailure> {
    let resource = &informer.resource;
    let path = format!("{}?limit={PAGE_SIZE}{}", base_path(resource, None), parameters(resource));
    'start: loop {
        let (mut objects, mut version, mut token) = (BTreeMap::new(), String::new(), None::<String>);
        let (mut bytes, mut json_bytes) = (0, 0);
        loop {
            let url = match &token {
                Some(token) => format!("{path}&continue={}", encode(token)),
                None => path.clone(),
            };
            let body = match get(&cluster.client, &cluster.identity.name, &url, answer::accept(resource, false)).await {
                Err(Failure::Status { code: 410, .. }) if token.is_some() => continue 'start,
                other => other?,
            };
            let next = continue_token(&body);
            let body = if resource.lists_metadata_only() { answer::page(resource, body, false)? } else { body };
            let page: ListPage = serde_json::from_slice(&body).map_err(|_| ListFailure::NotAList)?;
            if version.is_empty() {
                version = page.metadata.resource_version;
            }
            let codec = if let Some(codec) = informer.codec.get() {
                codec.clone()
            } else {
                let codec = Arc::new(Codec::train(page.items.iter().map(|item| item.get()))?);
                let mut state = informer.state();
                informer.hold(&mut state, codec.bytes);
                informer.codec.get_or_init(|| codec).clone()
            };
            for item in page.items {
                if let Some(meta) = meta_of(item.get()) {
                    let object = codec.keep(item.get())?;
                    bytes += object.bytes();
                    json_bytes += item.get().len();
                    // A name listed twice is held once.
                    if let Some(replaced) = objects.insert((meta.namespace, meta.name), object) {
                        bytes -= replaced.bytes();
                    }
                }
            }
            if bytes > room {
                return Err(ListFailure::OverBudget);
            }
            token = next;
            if token.is_none() {
                return Ok(Listed { objects, resource_version: version, bytes, json_bytes });
            }
        }
    }
}

/// The query parameters a List or WATCH of `resource` adds, after a `&`.
fn parameters(resource: &ApiResource) -> String {
    match answer::query_parameters(resource) {
        "" => String::new(),
        parameters => format!("&{parameters}"),
    }
}

/// How one WATCH request ended.
enum WatchEnd {
    /// The server closed it (its timeout), or the informer went idle: resume.
    Ended,
    /// The version it watched from is gone (410): list again.
    Gone,
    /// The objects grew past the cache's budget: give up the resource.
    OverBudget,
    /// The server refuses to watch it (403 without the `watch` verb, 404): give it up.
    Refused(u16),
    /// An event carried more than the metadata asked for: give it up.
    Answer(AnswerError),
    /// The answer was not a stream of events (a proxy that drops `watch=true` answers with
    /// the List): scans list until a watch works, retried after a back-off.
    NotAStream,
    /// It failed or broke (after it was open, when `opened`): back off, then resume.
    Broken { why: String, opened: bool },
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(borrow)]
    object: &'a RawValue,
}

#[derive(Deserialize)]
struct Status {
    #[serde(default)]
    code: u16,
    #[serde(default)]
    message: String,
}

/// One WATCH from the informer's resourceVersion, applying its events as they come.
async fn watch_once(
    informer: &Informer,
    cluster: &ClusterClient,
    config: &CacheConfig,
    objects: &mut WatchedObjects,
) -> WatchEnd {
    let version = informer.state().resource_version.clone();
    let url = format!(
        "{}?watch=true&allowWatchBookmarks=true&resourceVersion={}&timeoutSeconds={}{}",
        base_path(&informer.resource, None),
        encode(&version),
        config.watch_timeout.as_secs().max(1),
        parameters(&informer.resource)
    );
    // An event carries one object: Secrets ask for a Table of one row, or for its metadata.
    let request = match http::Request::get(&url)
        .header(http::header::ACCEPT, answer::accept(&informer.resource, true))
        .body(kube::client::Body::empty())
    {
        Ok(request) => request,
        Err(e) => return WatchEnd::Broken { why: e.to_string(), opened: false },
    };
    informer.state().watches += 1;
    let response = match cluster.client.send(request).await {
        Ok(response) => response,
        Err(e) => return WatchEnd::Broken { why: Transport::Send(e).to_string(), opened: false },
    };
    let code = response.status().as_u16();
    let response_has_length = response.headers().contains_key(http::header::CONTENT_LENGTH);
    let mut body = response.into_body();
    if code == 410 {
        return WatchEnd::Gone;
    }
    if code == 403 || code == 404 {
        return WatchEnd::Refused(code);
    }
    if code != 200 {
        return WatchEnd::Broken { why: format!("HTTP {code}"), opened: false };
    }
    // A stream of events has no length; a whole List does (a proxy that drops `watch=true`).
    if response_has_length {
        return WatchEnd::NotAStream;
    }
    informer.set_phase(Phase::Watching);
    let mut buffer = BytesMut::new();
    // How much of `buffer` is known to hold no newline: each byte is looked at once, however
    // many frames a line takes.
    let mut scanned = 0;
    let idle_check = config.idle.min(Duration::from_secs(10));
    let (opened_at, mut events) = (Instant::now(), 0usize);
    loop {
        let frame = match tokio::time::timeout(idle_check, body.frame()).await {
            Err(_) if informer.idle(config) => return WatchEnd::Ended,
            Err(_) => continue,
            // Something that is not a stream of events, or a watch that ends as soon as it
            // starts, is retried after a back-off, never in a loop.
            Ok(None) if !buffer.trim_ascii().is_empty() => return WatchEnd::NotAStream,
            Ok(None) if events == 0 && opened_at.elapsed() < Duration::from_secs(1) => {
                return WatchEnd::Broken { why: "the watch ended as soon as it opened".into(), opened: false };
            }
            Ok(None) => return WatchEnd::Ended,
            Ok(Some(Err(e))) => return WatchEnd::Broken { why: e.to_string(), opened: true },
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else { continue };
        buffer.extend_from_slice(&data);
        while let Some(at) = memchr::memchr(b'\n', &buffer[scanned..]) {
            let line = buffer.split_to(scanned + at + 1).freeze();
            scanned = 0;
            events += 1;
            if let Some(end) = apply(informer, objects, &line) {
                return end;
            }
            if informer.over_budget(config) {
                return WatchEnd::OverBudget;
            }
        }
        scanned = buffer.len();
        if buffer.len() > MAX_EVENT_BYTES {
            // A first "event" this long is a List: a proxy that drops `watch=true` answered,
            // gzipped (so without the length that tells a List from a stream).
            if events == 0 {
                return WatchEnd::NotAStream;
            }
            // Not `opened`: resuming would get the same event again, so back off as for a failure.
            return WatchEnd::Broken {
                why: format!("an event line longer than {} MiB", MAX_EVENT_BYTES >> 20),
                opened: false,
            };
        }
    }
}

/// Applies one event line; returns how the watch ends if this event ends it.
fn apply(informer: &Informer, objects: &mut WatchedObjects, line: &[u8]) -> Option<WatchEnd> {
    let line = line.trim_ascii();
    if line.is_empty() {
        return None;
    }
    let Ok(event) = serde_json::from_slice::<Event>(line) else {
        return Some(WatchEnd::Broken { why: "an event that is not JSON".into(), opened: true });
    };
    if event.kind == "ERROR" {
        let status: Status =
            serde_json::from_str(event.object.get()).unwrap_or(Status { code: 0, message: String::new() });
        return Some(if status.code == 410 {
            WatchEnd::Gone
        } else {
            WatchEnd::Broken { why: status.message, opened: true }
        });
    }
    if event.kind == "BOOKMARK" {
        // A bookmark names no object, only a version.
        objects.bookmark(&informer.resource, event.object);
        let Ok(Object { metadata }) = serde_json::from_str(event.object.get()) else {
            return Some(WatchEnd::Broken { why: "a bookmark without metadata".into(), opened: true });
        };
        informer.state().synced(metadata.resource_version);
        return None;
    }
    let object = match objects.item(&informer.resource, event.object) {
        Ok(object) => object,
        Err(refused) => return Some(WatchEnd::Answer(refused)),
    };
    let Some(meta) = meta_of(&object) else {
        return Some(WatchEnd::Broken { why: format!("a {} event without an object name", event.kind), opened: true });
    };
    let kept = match (event.kind, informer.codec.get()) {
        ("ADDED" | "MODIFIED", Some(codec)) => match codec.keep(&object) {
            Ok(kept) => Some(kept),
            Err(e) => return Some(WatchEnd::Broken { why: format!("cannot compress an object: {e}"), opened: true }),
        },
        _ => None,
    };
    let mut state = informer.state();
    match event.kind {
        "ADDED" | "MODIFIED" => {
            // A watch only opens after a List, which set the codec.
            let Some(object) = kept else {
                return Some(WatchEnd::Broken { why: "an event before the first List".into(), opened: true });
            };
            informer.hold(&mut state, object.bytes());
            if let Some(old) = state.objects.insert((meta.namespace, meta.name), object) {
                informer.release(&mut state, old.bytes());
            }
        }
        "DELETED" => {
            let key = (meta.namespace, meta.name);
            if let Some(old) = state.objects.remove(&key) {
                informer.release(&mut state, old.bytes());
                // As scans last saw it, so that its row does not change when it expires.
                informer.expire(&mut state, key, old);
            }
        }
        other => return Some(WatchEnd::Broken { why: format!("an event of unknown type {other:?}"), opened: true }),
    }
    state.synced(meta.resource_version);
    None
}
