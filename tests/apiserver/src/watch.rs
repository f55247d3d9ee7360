//! WATCH, as kube-apiserver's watch cache serves it: one JSON event per line in a chunked
//! response (`ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK`, `ERROR`), resumed from a
//! `resourceVersion`, 410 Gone (an `ERROR` event) for a version compacted away, bookmarks when
//! asked for, initial events for a watch without a version or with `sendInitialEvents`,
//! `timeoutSeconds`, objects as metadata, and Secrets as `Table`s of one row whose columns
//! are defined in the first event only. Tests change objects while watches run
//! (`FixtureServer::create`, …) and can break every open watch at once
//! (`FixtureServer::disconnect_watches`). Unlike
//! kube-apiserver, an object that a change takes out of a watch's selectors is not reported
//! as `DELETED`: the change is only left out.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::server::{
    ResponseBody, Selectors, Target, includes_objects, metadata_only, secret_table, status, wants_secret_table,
};
use crate::store::{Change, ChangeType, Expired};
use crate::{Recorded, State};

/// Whether a request is a watch (`?watch=true`, `?watch=1`).
pub(crate) fn requested(request: &Recorded) -> bool {
    matches!(request.param("watch"), Some("true" | "1"))
}

/// What one watch sends.
struct Watch {
    resource: ResourceType,
    namespace: Option<String>,
    labels: Option<LabelSelector>,
    fields: Option<FieldSelector>,
    /// Objects as `PartialObjectMetadata` (`Accept: …;as=PartialObjectMetadata`).
    metadata_only: bool,
    /// Secrets as `Table`s of one row (`Accept: …;as=Table` first), with each row's object
    /// when `Some(true)`.
    table: Option<bool>,
    /// Whether an event defined the `Table`'s columns yet: kube-apiserver defines them in
    /// the first event of a watch and sends `null` after.
    columns_sent: std::cell::Cell<bool>,
    bookmarks: bool,
}

impl Watch {
    fn matches(&self, namespace: &str, object: &Value) -> bool {
        self.namespace.as_deref().is_none_or(|want| want == namespace)
            && self.labels.as_ref().is_none_or(|s| s.matches(object))
            && self.fields.as_ref().is_none_or(|s| s.matches(object))
    }

    fn event(&self, event_type: &str, object: &Value) -> Bytes {
        let object = match self.table {
            Some(include) => {
                let version = json!({"resourceVersion": object["metadata"]["resourceVersion"]});
                self.table(secret_table(&[object], &version, include))
            }
            None if self.metadata_only => metadata_only(object),
            None => object.clone(),
        };
        line(&json!({"type": event_type, "object": object}))
    }

    /// `table` as a watch sends it: its columns defined in the first event only.
    fn table(&self, mut table: Value) -> Value {
        if self.columns_sent.replace(true) {
            table["columnDefinitions"] = Value::Null;
        }
        table
    }

    /// A bookmark: every change up to `revision` has been sent. `initial_events_end` marks
    /// the end of the initial events of a `sendInitialEvents` watch.
    fn bookmark(&self, revision: u64, initial_events_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": revision.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        if self.table.is_some() {
            let table = self.table(secret_table(&[], &metadata, false));
            return line(&json!({"type": "BOOKMARK", "object": table}));
        }
        let (api_version, kind) = if self.metadata_only {
            ("meta.k8s.io/v1".to_string(), "PartialObjectMetadata".to_string())
        } else {
            (self.resource.api_version(), self.resource.kind.clone())
        };
        line(&json!({"type": "BOOKMARK", "object": {"apiVersion": api_version, "kind": kind, "metadata": metadata}}))
    }
}

fn line(event: &Value) -> Bytes {
    let mut bytes = serde_json::to_vec(event).unwrap_or_default();
    bytes.push(b'\n');
    Bytes::from(bytes)
}

fn expired(gone: &Expired) -> Bytes {
    line(&json!({"type": "ERROR", "object": {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": format!("too old resource version: {} ({})", gone.requested, gone.oldest),
        "reason": "Expired", "code": 410
    }}))
}

/// Answers a watch of `target`.
pub(crate) fn respond(state: &Arc<State>, target: &Target, request: &Recorded) -> Response<ResponseBody> {
    let Selectors { labels, fields } = match crate::server::selectors(request, &target.resource.kind) {
        Ok(selectors) => selectors,
        Err(response) => return *response,
    };
    let from = match request.param("resourceVersion").filter(|v| !v.is_empty() && *v != "0") {
        Some(version) => match version.parse::<u64>() {
            Ok(version) => Some(version),
            Err(_) => return status(400, "BadRequest", &format!("invalid resourceVersion {version:?}")),
        },
        None => None,
    };
    // Without a version (or with 0) a watch starts with the current objects, as does one
    // that asks for them with sendInitialEvents.
    let send_initial_events = request.param("sendInitialEvents") == Some("true");
    let initial_events = from.is_none() || send_initial_events;
    let watch = Watch {
        resource: target.resource.clone(),
        namespace: target.namespace.clone(),
        labels,
        fields,
        metadata_only: request.accept.contains("as=PartialObjectMetadata"),
        table: wants_secret_table(&target.resource.kind, request).then(|| includes_objects(request)),
        columns_sent: std::cell::Cell::new(false),
        bookmarks: request.param("allowWatchBookmarks") == Some("true"),
    };
    let timeout = request.param("timeoutSeconds").and_then(|t| t.parse::<u64>().ok()).map(Duration::from_secs);
    let (events, body) = mpsc::channel(64);
    let initial = Initial { events: initial_events, end_bookmark: send_initial_events };
    tokio::spawn(stream(state.clone(), watch, from, initial, timeout, events));
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .header("transfer-encoding", "chunked")
        .body(Events(body).boxed())
        .unwrap_or_else(|_| Response::new(Events(mpsc::channel(1).1).boxed()))
}

/// Whether a watch starts with the current objects, and marks their end with a bookmark.
struct Initial {
    events: bool,
    end_bookmark: bool,
}

/// Sends the watch's events until it times out, the client goes away, or the test breaks it.
async fn stream(
    state: Arc<State>,
    watch: Watch,
    from: Option<u64>,
    initial: Initial,
    timeout: Option<Duration>,
    events: mpsc::Sender<io::Result<Bytes>>,
) {
    let mut revisions = state.revision.subscribe();
    let mut disconnects = state.disconnects.subscribe();
    disconnects.borrow_and_update();
    let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
    let interval = state.bookmark_interval();
    let mut next_bookmark = tokio::time::Instant::now() + interval;
    let (mut sent, mut pending) = (from.unwrap_or(0), Vec::new());
    if initial.events {
        let Ok(store) = state.store.lock() else { return };
        let current = store.list_after(&watch.resource, watch.namespace.as_deref(), None);
        for stored in current {
            let namespace = stored.value["metadata"]["namespace"].as_str().unwrap_or("");
            if watch.matches(namespace, &stored.value) {
                pending.push(watch.event("ADDED", &stored.value));
            }
        }
        sent = sent.max(store.revision());
        if initial.end_bookmark && watch.bookmarks {
            pending.push(watch.bookmark(sent, true));
        }
    }
    loop {
        revisions.borrow_and_update();
        let gone = {
            let Ok(store) = state.store.lock() else { return };
            match store.changes_after(sent) {
                Ok(changes) => {
                    for Change { change, group, kind, namespace, object, .. } in changes {
                        if *group == watch.resource.group
                            && *kind == watch.resource.kind
                            && watch.matches(namespace, object)
                        {
                            pending.push(watch.event(ChangeType::event_type(*change), object));
                        }
                    }
                    sent = store.revision();
                    None
                }
                Err(gone) => Some(expired(&gone)),
            }
        };
        if let Some(error) = gone {
            let _ = events.send(Ok(error)).await;
            return;
        }
        for event in pending.drain(..) {
            state.bytes_served.fetch_add(event.len() as u64, std::sync::atomic::Ordering::Relaxed);
            if events.send(Ok(event)).await.is_err() {
                return;
            }
        }
        tokio::select! {
            changed = revisions.changed() => if changed.is_err() { return },
            _ = disconnects.changed() => {
                let _ = events.send(Err(io::Error::other("watch broken by the test"))).await;
                return;
            }
            () = tokio::time::sleep_until(next_bookmark), if watch.bookmarks => {
                next_bookmark += interval;
                pending.push(watch.bookmark(sent, false));
            }
            () = sleep_until(deadline) => return,
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// A chunked body of watch events; an error breaks the connection.
struct Events(mpsc::Receiver<io::Result<Bytes>>);

impl Body for Events {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.0.poll_recv(cx).map(|event| event.map(|event| event.map(Frame::data)))
    }
}
