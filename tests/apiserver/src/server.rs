//! HTTP handling: routing, discovery, List/GET, paging, selectors, faults.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::store::Stored;
use crate::{Fault, Recorded, State};

pub(crate) type ResponseBody = BoxBody<Bytes, io::Error>;

pub(crate) async fn serve(
    listener: std::net::TcpListener,
    state: Arc<State>,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let state = state.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(req, state.clone()));
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        }
    }
}

fn full(body: Vec<u8>) -> ResponseBody {
    http_body_util::Full::new(Bytes::from(body)).map_err(|never| match never {}).boxed()
}

/// A body that stops halfway with an error, so the connection breaks mid-response.
struct Truncated(Option<Bytes>);

impl Body for Truncated {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        Poll::Ready(Some(match self.0.take() {
            Some(data) => Ok(Frame::data(data)),
            None => Err(io::Error::other("response truncated by fault injection")),
        }))
    }
}

fn json_response(status: StatusCode, content_type: &str, body: &Value) -> Response<ResponseBody> {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .header("content-length", bytes.len())
        .body(full(bytes))
        .unwrap_or_else(|_| Response::new(full(Vec::new())))
}

pub(crate) fn status(code: u16, reason: &str, message: &str) -> Response<ResponseBody> {
    let body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason, "code": code
    });
    json_response(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), "application/json", &body)
}

fn decode(component: &str) -> String {
    let bytes = component.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() && hex(bytes[i + 1]).is_some() && hex(bytes[i + 2]).is_some() => {
                let value = hex(bytes[i + 1]).unwrap_or(0) * 16 + hex(bytes[i + 2]).unwrap_or(0);
                out.push(value as u8);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// What a resource path names.
pub(crate) struct Target {
    pub(crate) resource: ResourceType,
    pub(crate) namespace: Option<String>,
    pub(crate) name: Option<String>,
}

enum Route {
    Version,
    Api,
    Apis,
    ResourceList(String, String),
    Resource(Target),
    NotFound,
}

fn route(path: &str, types: &[ResourceType]) -> Route {
    let parts: Vec<&str> = path.trim_matches('/').split('/').filter(|p| !p.is_empty()).collect();
    let (group, version, rest) = match parts.as_slice() {
        ["version"] => return Route::Version,
        ["api"] => return Route::Api,
        ["apis"] => return Route::Apis,
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return Route::NotFound,
    };
    if !types.iter().any(|t| t.group == group && t.version == version) {
        return Route::NotFound;
    }
    let find =
        |plural: &str| types.iter().find(|t| t.group == group && t.version == version && t.plural == plural).cloned();
    let target = |resource: Option<ResourceType>, namespace: Option<&str>, name: Option<&str>| match resource {
        Some(resource) if namespace.is_none() || resource.namespaced => Route::Resource(Target {
            resource,
            namespace: namespace.map(str::to_string),
            name: name.map(str::to_string),
        }),
        _ => Route::NotFound,
    };
    match rest {
        [] => Route::ResourceList(group.to_string(), version.to_string()),
        ["namespaces", ns, plural] => target(find(plural), Some(ns), None),
        ["namespaces", ns, plural, name] => target(find(plural), Some(ns), Some(name)),
        [plural] => target(find(plural), None, None),
        [plural, name] => target(find(plural), None, Some(name)),
        _ => Route::NotFound,
    }
}

/// The fault that applies to this request, consuming one of its uses.
fn take_fault(state: &State, resource: &str, has_continue: bool, watch: bool) -> Option<Fault> {
    let mut faults = state.faults.lock().ok()?;
    for fault in faults.iter_mut() {
        match fault {
            Fault::Status { resource: r, times, .. } if r == resource || r == "*" => {
                if let Some(n) = times {
                    if *n == 0 {
                        continue;
                    }
                    *n -= 1;
                }
                return Some(fault.clone());
            }
            Fault::ExpireContinue { resource: r, times } if (r == resource) && has_continue && *times > 0 => {
                *times -= 1;
                return Some(fault.clone());
            }
            Fault::ForbidWatch { resource: r } if r == resource && watch => return Some(fault.clone()),
            Fault::Truncate { resource: r, times } if r == resource && *times > 0 => {
                *times -= 1;
                return Some(fault.clone());
            }
            Fault::Slow { resource: r, .. } | Fault::IgnoreAs { resource: r } | Fault::IgnoreWatch { resource: r }
                if r == resource =>
            {
                return Some(fault.clone());
            }
            _ => {}
        }
    }
    None
}

async fn handle(req: Request<Incoming>, state: Arc<State>) -> Result<Response<ResponseBody>, Infallible> {
    let path = req.uri().path().to_string();
    let query = query_pairs(req.uri().query());
    let accept = req.headers().get("accept").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let gzip = crate::wire::accepts_gzip(req.headers());
    let accept_encoding =
        req.headers().get(http::header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let recorded = Recorded { method: req.method().to_string(), path: path.clone(), query, accept, accept_encoding };
    if let Ok(mut requests) = state.requests.lock() {
        requests.push(recorded.clone());
    }
    if req.method() != http::Method::GET {
        return Ok(status(405, "MethodNotAllowed", "the fixture server is read-only"));
    }
    let types = state.store.lock().map(|s| s.types().to_vec()).unwrap_or_default();
    let route = route(&path, &types);
    let fault_key = match &route {
        Route::Version => "version".to_string(),
        Route::Api => "api".to_string(),
        Route::Apis => "apis".to_string(),
        Route::ResourceList(_, _) => "discovery".to_string(),
        Route::Resource(t) => t.resource.plural.clone(),
        Route::NotFound => String::new(),
    };
    let mut truncate = false;
    let mut recorded = recorded;
    let watch = crate::watch::requested(&recorded);
    match take_fault(&state, &fault_key, recorded.param("continue").is_some(), watch) {
        Some(Fault::ForbidWatch { .. }) => {
            let message = format!("{fault_key} is forbidden: User \"fixture\" cannot watch resource \"{fault_key}\"");
            return Ok(status(403, "Forbidden", &message));
        }
        Some(Fault::Status { code, .. }) => {
            let (reason, message) = match code {
                403 => (
                    "Forbidden",
                    format!("{fault_key} is forbidden: User \"fixture\" cannot list resource \"{fault_key}\""),
                ),
                404 => ("NotFound", "the server could not find the requested resource".to_string()),
                429 => ("TooManyRequests", "too many requests".to_string()),
                _ => ("InternalError", format!("injected failure for {fault_key}")),
            };
            return Ok(status(code, reason, &message));
        }
        Some(Fault::ExpireContinue { .. }) => {
            return Ok(status(
                410,
                "Expired",
                "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
            ));
        }
        Some(Fault::Slow { delay, .. }) => tokio::time::sleep(delay).await,
        Some(Fault::Truncate { .. }) => truncate = true,
        Some(Fault::IgnoreAs { .. }) => recorded.accept = "application/json".into(),
        Some(Fault::IgnoreWatch { .. }) => recorded.query.retain(|(name, _)| name != "watch"),
        None => {}
    }
    let response = match route {
        Route::Version => json_response(StatusCode::OK, "application/json", &version(&state.git_version)),
        Route::Api => json_response(
            StatusCode::OK,
            "application/json",
            &json!({
                "kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]
            }),
        ),
        Route::Apis => json_response(StatusCode::OK, "application/json", &group_list(&types)),
        Route::ResourceList(group, version) => {
            json_response(StatusCode::OK, "application/json", &resource_list(&types, &group, &version))
        }
        Route::Resource(target) if crate::watch::requested(&recorded) => {
            // A watch streams for minutes: neither gzipped whole nor paced over the link.
            return Ok(crate::watch::respond(&state, &target, &recorded));
        }
        Route::Resource(target) => resource(&state, &target, &recorded),
        Route::NotFound => status(404, "NotFound", "the server could not find the requested resource"),
    };
    let response = crate::wire::encode(response, gzip).await;
    let served = http_body::Body::size_hint(response.body()).exact().unwrap_or(0);
    state.bytes_served.fetch_add(if truncate { served / 2 } else { served }, std::sync::atomic::Ordering::Relaxed);
    let response = if truncate {
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.map(http_body_util::Collected::to_bytes).unwrap_or_default();
        let half = bytes.slice(..bytes.len() / 2);
        Response::from_parts(parts, Truncated(Some(half)).boxed())
    } else {
        response
    };
    let link = state.link.lock().ok().and_then(|link| link.clone());
    Ok(match link {
        Some(link) => crate::wire::throttle(response, link),
        None => response,
    })
}

fn version(git_version: &str) -> Value {
    let numbers: Vec<&str> = git_version.trim_start_matches('v').split('.').collect();
    json!({
        "major": numbers.first().copied().unwrap_or("1"), "minor": numbers.get(1).copied().unwrap_or("0"),
        "gitVersion": git_version, "gitCommit": "fixture", "gitTreeState": "clean",
        "buildDate": "2024-10-22T20:28:14Z", "goVersion": "go1.22.8", "compiler": "gc", "platform": "linux/amd64"
    })
}

fn group_list(types: &[ResourceType]) -> Value {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for t in types.iter().filter(|t| !t.group.is_empty()) {
        match groups.iter_mut().find(|(g, _)| *g == t.group) {
            Some((_, versions)) if !versions.contains(&t.version) => versions.push(t.version.clone()),
            Some(_) => {}
            None => groups.push((t.group.clone(), vec![t.version.clone()])),
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(name, versions)| {
            let gvs: Vec<Value> =
                versions.iter().map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v})).collect();
            json!({"name": name, "versions": gvs, "preferredVersion": gvs[0]})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn resource_list(types: &[ResourceType], group: &str, version: &str) -> Value {
    let resources: Vec<Value> = types
        .iter()
        .filter(|t| t.group == group && t.version == version)
        .map(|t| {
            json!({
                "name": t.plural, "singularName": t.kind.to_lowercase(), "namespaced": t.namespaced, "kind": t.kind,
                "verbs": ["get", "list", "watch"]
            })
        })
        .collect();
    let group_version = if group.is_empty() { version.to_string() } else { format!("{group}/{version}") };
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
}

/// Field selector paths the API server accepts for a kind, beyond metadata.name/namespace.
fn field_labels(kind: &str) -> &'static [&'static str] {
    match kind {
        "Pod" => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        "Event" => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
            "regarding.kind",
            "regarding.name",
            "regarding.namespace",
            "regarding.uid",
        ],
        "Secret" => &["type"],
        "Node" => &["spec.unschedulable"],
        "Namespace" => &["status.phase"],
        _ => &[],
    }
}

pub(crate) fn metadata_only(object: &Value) -> Value {
    json!({"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata", "metadata": object["metadata"]})
}

/// Whether a request asks for Secrets as a `Table` (the first media type of its Accept
/// header: the first one the server can produce wins).
pub(crate) fn wants_secret_table(kind: &str, request: &Recorded) -> bool {
    kind == "Secret" && request.accept.split(',').next().is_some_and(|first| first.contains("as=Table"))
}

/// Whether a `Table` request wants each row's object (its metadata): unless `includeObject=None`.
pub(crate) fn includes_objects(request: &Recorded) -> bool {
    request.param("includeObject") != Some("None")
}

/// Secrets as the API server's `Table` (its printer's columns: Name, Type, Data, Age), each
/// row with the object's metadata when `include`.
pub(crate) fn secret_table(secrets: &[&Value], metadata: &Value, include: bool) -> Value {
    let column = |name: &str, ty: &str, format: &str| json!({"name": name, "type": ty, "format": format, "description": "", "priority": 0});
    let rows: Vec<Value> = secrets
        .iter()
        .map(|secret| {
            let keys = secret["data"].as_object().map_or(0, serde_json::Map::len);
            let cells = json!([secret["metadata"]["name"], secret["type"].as_str().unwrap_or("Opaque"), keys, "1d"]);
            if include { json!({"cells": cells, "object": metadata_only(secret)}) } else { json!({"cells": cells}) }
        })
        .collect();
    json!({
        "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata,
        "columnDefinitions": [
            column("Name", "string", "name"), column("Type", "string", ""),
            column("Data", "integer", ""), column("Age", "string", "")
        ],
        "rows": rows
    })
}

/// The label and field selectors of a request.
pub(crate) struct Selectors {
    pub(crate) labels: Option<LabelSelector>,
    pub(crate) fields: Option<FieldSelector>,
}

/// The selectors of a request for objects of `kind`, or the 400 answer.
pub(crate) fn selectors(request: &Recorded, kind: &str) -> Result<Selectors, Box<Response<ResponseBody>>> {
    let labels = request
        .param("labelSelector")
        .map(LabelSelector::parse)
        .transpose()
        .map_err(|e| Box::new(status(400, "BadRequest", &format!("unable to parse requirement: {e}"))))?;
    let fields = request
        .param("fieldSelector")
        .map(FieldSelector::parse)
        .transpose()
        .map_err(|e| Box::new(status(400, "BadRequest", &e)))?;
    for path in fields.iter().flat_map(FieldSelector::paths) {
        if path != "metadata.name" && path != "metadata.namespace" && !field_labels(kind).contains(&path) {
            return Err(Box::new(status(400, "BadRequest", &format!("field label not supported: {path}"))));
        }
    }
    Ok(Selectors { labels, fields })
}

/// The continue token: an opaque encoding of the last key returned.
fn encode_continue(namespace: &str, name: &str) -> String {
    json!([namespace, name]).to_string().bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_continue(token: &str) -> Option<(String, String)> {
    let bytes: Option<Vec<u8>> =
        (0..token.len()).step_by(2).map(|i| token.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
    let key: Vec<String> = serde_json::from_slice(&bytes?).ok()?;
    match key.as_slice() {
        [ns, name] => Some((ns.clone(), name.clone())),
        _ => None,
    }
}

fn resource(state: &State, target: &Target, request: &Recorded) -> Response<ResponseBody> {
    let Ok(store) = state.store.lock() else { return status(500, "InternalError", "store lock poisoned") };
    let t = &target.resource;
    // Like the API server, the first media type of Accept the server can produce wins; the
    // fixture server renders tables for Secrets only (kubectl prints the rest itself).
    let table = wants_secret_table(&t.kind, request);
    let partial = !table && request.accept.contains("as=PartialObjectMetadata");
    if let Some(name) = &target.name {
        return match store.get(t, target.namespace.as_deref(), name) {
            Some(object) if table => json_response(
                StatusCode::OK,
                "application/json;as=Table;g=meta.k8s.io;v=v1",
                &secret_table(
                    &[object],
                    &json!({"resourceVersion": store.revision().to_string()}),
                    includes_objects(request),
                ),
            ),
            Some(object) if partial => json_response(
                StatusCode::OK,
                "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
                &metadata_only(object),
            ),
            Some(object) => json_response(StatusCode::OK, "application/json", object),
            None => status(404, "NotFound", &format!("{} \"{name}\" not found", t.plural)),
        };
    }
    let Selectors { labels, fields } = match selectors(request, &t.kind) {
        Ok(selectors) => selectors,
        Err(response) => return *response,
    };
    let after = match request.param("continue").filter(|c| !c.is_empty()) {
        Some(token) => match decode_continue(token) {
            Some(key) => Some(key),
            None => return status(400, "BadRequest", "invalid continue token"),
        },
        None => None,
    };
    let limit = request.param("limit").and_then(|l| l.parse::<usize>().ok()).filter(|l| *l > 0).unwrap_or(usize::MAX);
    let mut matching = store
        .list_after(t, target.namespace.as_deref(), after)
        .filter(|o| labels.as_ref().is_none_or(|s| s.matches(&o.value)))
        .filter(|o| fields.as_ref().is_none_or(|s| s.matches(&o.value)));
    let page: Vec<&Stored> = matching.by_ref().take(limit).collect();
    let remaining = matching.count();
    let mut metadata = json!({"resourceVersion": store.revision().to_string()});
    if let (true, Some(last)) = (remaining > 0, page.last()) {
        let meta = &last.value["metadata"];
        metadata["continue"] =
            Value::from(encode_continue(meta["namespace"].as_str().unwrap_or(""), meta["name"].as_str().unwrap_or("")));
        metadata["remainingItemCount"] = Value::from(remaining);
    }
    if table {
        let objects: Vec<&Value> = page.iter().map(|o| &o.value).collect();
        return json_response(
            StatusCode::OK,
            "application/json;as=Table;g=meta.k8s.io;v=v1",
            &secret_table(&objects, &metadata, includes_objects(request)),
        );
    }
    if partial {
        let items: Vec<Value> = page.iter().map(|o| metadata_only(&o.value)).collect();
        return json_response(
            StatusCode::OK,
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
            &json!({"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadataList", "metadata": metadata, "items": items}),
        );
    }
    // Like a real server, items of a typed list carry no apiVersion or kind; they were
    // serialized that way once, at insert, so a page costs a copy.
    let head = json!({"apiVersion": t.api_version(), "kind": format!("{}List", t.kind), "metadata": metadata});
    let head = serde_json::to_vec(&head).unwrap_or_default();
    let mut body = Vec::with_capacity(head.len() + page.iter().map(|o| o.item_json.len() + 1).sum::<usize>() + 16);
    body.extend_from_slice(&head[..head.len() - 1]);
    body.extend_from_slice(b",\"items\":[");
    for (i, object) in page.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&object.item_json);
    }
    body.extend_from_slice(b"]}");
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .header("content-length", body.len())
        .body(full(body))
        .unwrap_or_else(|_| Response::new(full(Vec::new())))
}
