//! A Kubernetes-protocol API server over fixture objects, for kubequery's tests and
//! benchmarks, and usable by the real `kubectl`.
//!
//! It serves discovery (`/version`, `/api`, `/apis`, each group version), List and GET of
//! namespaced and cluster-scoped resources, paging with opaque continue tokens, label and
//! field selectors, metadata-only lists (`PartialObjectMetadataList`), the `Table` format of
//! Secrets — over plain HTTP on loopback, gzipping large responses for clients that accept it
//! as kube-apiserver does, optionally through a link of limited bandwidth. WATCH streams
//! changes as the watch cache does (resume from a `resourceVersion`, bookmarks, 410 Gone after
//! a compaction); tests change objects while it serves ([`FixtureServer::create`],
//! [`FixtureServer::replace`], [`FixtureServer::delete`]) and break open watches
//! ([`FixtureServer::disconnect_watches`]). Faults can be injected per resource (status
//! codes, expired continue tokens, slow and truncated responses, an ignored `as=`), and every
//! request is recorded so tests can assert the exact request a client made.

mod resources;
mod selectors;
mod server;
mod store;
pub mod synthetic;
mod watch;
mod wire;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use resources::ResourceType;
pub use selectors::{FieldSelector, LabelSelector};
pub use store::{Change, ChangeType, Expired, FIRST_REVISION, Store, Stored};

/// A fault to inject into responses for one resource (its plural name, or `version`, `api`,
/// `apis` for discovery).
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this HTTP status (403, 404, 500, …); `times: None` means always.
    Status { resource: String, code: u16, times: Option<usize> },
    /// Reject requests carrying a continue token with 410 Gone, `times` times.
    ExpireContinue { resource: String, times: usize },
    /// Delay every response.
    Slow { resource: String, delay: Duration },
    /// Send half of the body and then break the connection, `times` times.
    Truncate { resource: String, times: usize },
    /// Ignore the `as=` parameter of the Accept header and answer with full objects, as a
    /// proxy that rewrites Accept would.
    IgnoreAs { resource: String },
    /// Ignore `watch=true` and answer with the List, as a proxy that drops the parameter would.
    IgnoreWatch { resource: String },
    /// Answer WATCH (only) with 403, as RBAC without the `watch` verb does.
    ForbidWatch { resource: String },
}

/// A request the server received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Decoded query parameters in the order given.
    pub query: Vec<(String, String)>,
    pub accept: String,
    /// The `Accept-Encoding` header, empty when absent.
    pub accept_encoding: String,
}

impl Recorded {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

pub(crate) struct State {
    pub(crate) store: Mutex<Store>,
    pub(crate) faults: Mutex<Vec<Fault>>,
    pub(crate) requests: Mutex<Vec<Recorded>>,
    /// Bytes of response bodies served since the requests were last cleared.
    pub(crate) bytes_served: std::sync::atomic::AtomicU64,
    /// The network link responses are sent over, when its bandwidth is limited.
    pub(crate) link: Mutex<Option<Arc<wire::Link>>>,
    pub(crate) git_version: String,
    /// The store's revision after each change, for watches to wait on.
    pub(crate) revision: tokio::sync::watch::Sender<u64>,
    /// Bumped to break every open watch.
    pub(crate) disconnects: tokio::sync::watch::Sender<u64>,
    /// How often a watch that allows bookmarks gets one.
    pub(crate) bookmark_interval: Mutex<Duration>,
}

impl State {
    pub(crate) fn bookmark_interval(&self) -> Duration {
        *self.bookmark_interval.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// How often a watch gets a bookmark by default (kube-apiserver: about once a minute; a
/// second here, so that tests see them).
pub const BOOKMARK_INTERVAL: Duration = Duration::from_secs(1);

/// A running server; stops when dropped.
pub struct FixtureServer {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FixtureServer {
    /// Serves `store` on a free loopback port.
    pub fn start(store: Store) -> std::io::Result<Self> {
        Self::start_on(store, 0)
    }

    pub fn start_on(store: Store, port: u16) -> std::io::Result<Self> {
        let revision = store.revision();
        let state = Arc::new(State {
            store: Mutex::new(store),
            faults: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
            bytes_served: std::sync::atomic::AtomicU64::new(0),
            link: Mutex::new(None),
            git_version: "v1.31.2".into(),
            revision: tokio::sync::watch::Sender::new(revision),
            disconnects: tokio::sync::watch::Sender::new(0),
            bookmark_interval: Mutex::new(BOOKMARK_INTERVAL),
        });
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let served = state.clone();
        let thread = std::thread::Builder::new().name(format!("apiserver-{}", addr.port())).spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("building the fixture server runtime");
            runtime.block_on(server::serve(listener, served, rx));
        })?;
        Ok(FixtureServer { addr, state, shutdown: Some(tx), thread: Some(thread) })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A kubeconfig with one context named `context` pointing at this server.
    pub fn kubeconfig(&self, context: &str) -> String {
        kubeconfig(&[(context, self)])
    }

    /// Like [`FixtureServer::kubeconfig`], with `disable-compression: true` on the cluster, as
    /// kubectl reads it: the client does not ask for gzip.
    pub fn kubeconfig_without_compression(&self, context: &str) -> String {
        kubeconfig_with(&[(context, self)], true)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Bytes of response bodies served since [`FixtureServer::clear_requests`], watch events
    /// included.
    pub fn bytes_served(&self) -> u64 {
        self.state.bytes_served.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sends every response body over one link of `bytes_per_second` (`None`: as fast as
    /// loopback goes), as a cluster across a network would.
    pub fn set_bandwidth(&self, bytes_per_second: Option<u64>) {
        if let Ok(mut link) = self.state.link.lock() {
            *link = bytes_per_second.map(|b| Arc::new(wire::Link::new(b)));
        }
    }

    /// Forgets the requests recorded and the bytes served so far.
    pub fn clear_requests(&self) {
        if let Ok(mut r) = self.state.requests.lock() {
            r.clear();
        }
        self.state.bytes_served.store(0, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn set_faults(&self, faults: Vec<Fault>) {
        if let Ok(mut f) = self.state.faults.lock() {
            *f = faults;
        }
    }

    /// Creates `object` (it must not exist) and tells the watches: `ADDED`. Returns its
    /// resourceVersion.
    pub fn create(&self, object: serde_json::Value) -> Result<u64, String> {
        self.change(|store| store.create(object))
    }

    /// Replaces an existing object and tells the watches: `MODIFIED`.
    pub fn replace(&self, object: serde_json::Value) -> Result<u64, String> {
        self.change(|store| store.replace(object))
    }

    /// Deletes an object (`namespace` empty for a cluster-scoped one) and tells the watches:
    /// `DELETED`.
    pub fn delete(&self, api_version: &str, kind: &str, namespace: &str, name: &str) -> Result<u64, String> {
        self.change(|store| store.delete(api_version, kind, namespace, name))
    }

    /// Forgets the changes so far, as etcd's compaction does: a watch resuming from before
    /// now, or still behind, gets 410 Gone.
    pub fn compact(&self) {
        self.with_store(Store::compact);
        self.state.revision.send_modify(|_| {});
    }

    /// Breaks every open watch mid-stream, as a restarting API server or a proxy would.
    pub fn disconnect_watches(&self) {
        self.state.disconnects.send_modify(|n| *n += 1);
    }

    /// Sends bookmarks to watches that allow them every `interval` (new watches).
    pub fn set_bookmark_interval(&self, interval: Duration) {
        *self.state.bookmark_interval.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = interval;
    }

    fn change(&self, change: impl FnOnce(&mut Store) -> Result<u64, String>) -> Result<u64, String> {
        let revision = self.with_store(change)?;
        self.state.revision.send_replace(revision);
        Ok(revision)
    }

    /// Changes the served objects without telling watches (set-up before a test's queries).
    pub fn with_store<T>(&self, change: impl FnOnce(&mut Store) -> T) -> T {
        let mut store = self.state.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        change(&mut store)
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A kubeconfig with one context (and cluster and user) per `(name, server)`.
pub fn kubeconfig(contexts: &[(&str, &FixtureServer)]) -> String {
    kubeconfig_with(contexts, false)
}

fn kubeconfig_with(contexts: &[(&str, &FixtureServer)], disable_compression: bool) -> String {
    let compression = if disable_compression { "    disable-compression: true\n" } else { "" };
    let mut clusters = String::new();
    let mut ctxs = String::new();
    let mut users = String::new();
    for (name, server) in contexts {
        clusters.push_str(&format!("- name: {name}\n  cluster:\n{compression}    server: {}\n", server.url()));
        ctxs.push_str(&format!("- name: {name}\n  context:\n    cluster: {name}\n    user: {name}\n"));
        users.push_str(&format!("- name: {name}\n  user:\n    token: fixture-token-{name}\n"));
    }
    let current = contexts.first().map_or("", |(name, _)| name);
    format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: {current}\nclusters:\n{clusters}contexts:\n{ctxs}users:\n{users}preferences: {{}}\n"
    )
}
