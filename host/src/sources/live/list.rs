//! Listing one resource on one cluster: the requests a selection needs, each paged with
//! `limit` and `continue`, every page handed on as soon as it arrives.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::mpsc;

use super::ClusterClient;
use super::answer::{self, accept};
use super::envelope::{self, Key};
use super::error::{ClusterError, Failure, RequestError};
use super::http::{encode, get};
use super::progress::Progress;
use crate::schema::ApiResource;
use crate::sources::{PAGE_SIZE, Page, Selection, SourceError};

/// How often an expired continue token may restart one list before giving up.
const MAX_RESTARTS: usize = 3;

/// One request a selection needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Planned {
    List { namespace: Option<String>, label_selector: Option<String>, field_selector: Option<String> },
    Get { namespace: Option<String>, name: String },
}

/// Requests one scan may make on one cluster before its selection is widened.
pub(crate) const MAX_REQUESTS: usize = 100;

/// The requests for `selection`, at most [`MAX_REQUESTS`] (plus one per label selector): when
/// the constraints multiply past that — `namespace IN (1000 values) AND name IN (1000
/// values)` is a million GETs — names, then field values, then namespaces are dropped from
/// the plan, so fewer, broader lists fetch a superset. SQLite and osquery re-check every row,
/// so widening never changes a result. Label selectors are kept: they fill a column.
pub(crate) fn plan(resource: &ApiResource, selection: &Selection) -> Vec<Planned> {
    let mut selection = selection.clone();
    loop {
        let planned = plan_exactly(resource, &selection);
        let labels = selection.label_selectors.len().max(1);
        if planned.len() <= MAX_REQUESTS.max(labels) {
            return planned;
        }
        tracing::debug!("{} requests for {resource} would exceed {MAX_REQUESTS}; listing more broadly", planned.len());
        if !selection.names.is_empty() {
            selection.names.clear();
        } else if !selection.fields.is_empty() {
            selection.fields.clear();
        } else {
            selection.namespaces.clear();
        }
    }
}

/// The requests that fetch what `selection` asks for, no more: one per namespace, object
/// name, label selector and combination of field-selector values (the API cannot OR).
fn plan_exactly(resource: &ApiResource, selection: &Selection) -> Vec<Planned> {
    let namespaces: Vec<Option<String>> = if resource.namespaced && !selection.namespaces.is_empty() {
        selection.namespaces.iter().cloned().map(Some).collect()
    } else {
        vec![None]
    };
    let mut field_sets: Vec<Vec<String>> = vec![Vec::new()];
    for (path, values) in &selection.fields {
        field_sets = field_sets
            .into_iter()
            .flat_map(|set| {
                values.iter().map(move |v| {
                    let mut set = set.clone();
                    set.push(format!("{path}={v}"));
                    set
                })
            })
            .collect();
    }
    let labels: Vec<Option<String>> = if selection.label_selectors.is_empty() {
        vec![None]
    } else {
        selection.label_selectors.iter().cloned().map(Some).collect()
    };
    let mut out = Vec::new();
    for namespace in &namespaces {
        if !selection.names.is_empty() && (namespace.is_some() || !resource.namespaced) {
            for name in &selection.names {
                out.push(Planned::Get { namespace: namespace.clone(), name: name.clone() });
            }
            continue;
        }
        // A name without a namespace: a list filtered on metadata.name across namespaces.
        let name_sets: Vec<Option<String>> = if selection.names.is_empty() {
            vec![None]
        } else {
            selection.names.iter().map(|n| Some(format!("metadata.name={n}"))).collect()
        };
        for name in &name_sets {
            for fields in &field_sets {
                for label_selector in &labels {
                    let mut terms: Vec<String> = name.iter().cloned().collect();
                    terms.extend(fields.iter().cloned());
                    let field_selector = (!terms.is_empty()).then(|| terms.join(","));
                    out.push(Planned::List {
                        namespace: namespace.clone(),
                        label_selector: label_selector.clone(),
                        field_selector,
                    });
                }
            }
        }
    }
    out
}

/// The path of `resource`'s collection, in `namespace` when it is namespaced and one is given.
pub(crate) fn base_path(resource: &ApiResource, namespace: Option<&str>) -> String {
    let mut path = if resource.group.is_empty() {
        format!("/api/{}", resource.version)
    } else {
        format!("/apis/{}/{}", resource.group, resource.version)
    };
    if let (true, Some(ns)) = (resource.namespaced, namespace) {
        path.push_str(&format!("/namespaces/{}", encode(ns)));
    }
    path.push('/');
    path.push_str(&resource.resource);
    path
}

/// Runs the planned requests on one cluster, sending each page to `pages`; each List stops
/// after `limit` objects. Returns when done, when the receiver is gone, or with the error that
/// ended the list.
pub(crate) async fn run(
    cluster: Arc<ClusterClient>,
    resource: ApiResource,
    planned: Vec<Planned>,
    limit: Option<usize>,
    pages: mpsc::Sender<Result<Page, SourceError>>,
    progress: Arc<Progress>,
) -> Result<(), SourceError> {
    let id = progress.start(format!("{} {}", cluster.identity.name, resource.resource));
    let result = run_all(&cluster, &resource, planned, limit, &pages, &progress, id).await;
    progress.finish(id);
    result
}

async fn run_all(
    cluster: &ClusterClient,
    resource: &ApiResource,
    planned: Vec<Planned>,
    limit: Option<usize>,
    pages: &mpsc::Sender<Result<Page, SourceError>>,
    progress: &Progress,
    id: u64,
) -> Result<(), SourceError> {
    let fail =
        |source: ClusterError| SourceError::Cluster { cluster: cluster.identity.name.clone(), source: source.into() };
    let get_failed = |name: &str, source: RequestError| {
        fail(ClusterError::GetObject { resource: resource.to_string(), name: name.to_string(), source })
    };
    for request in planned {
        let body = match request {
            Planned::Get { namespace, name } => {
                let mut path = format!("{}/{}", base_path(resource, namespace.as_deref()), encode(&name));
                let parameters = answer::query_parameters(resource);
                if !parameters.is_empty() {
                    path.push('?');
                    path.push_str(parameters);
                }
                match get(&cluster.client, &cluster.identity.name, &path, accept(resource, true)).await {
                    Ok(object) => answer::page(resource, object, true).map_err(|e| get_failed(&name, e.into()))?,
                    // GET of one object: absent is simply no rows.
                    Err(Failure::Status { code: 404, .. }) => continue,
                    Err(failure) => {
                        if tolerate(cluster, resource, "get", &failure) {
                            continue;
                        } else {
                            return Err(get_failed(&name, failure.into()));
                        }
                    }
                }
            }
            Planned::List { namespace, label_selector, field_selector } => {
                // A `LIMIT 1` needs a page of one object, not of 500.
                let page_size = limit.map_or(PAGE_SIZE, |limit| limit.clamp(1, PAGE_SIZE));
                let mut query = format!("?limit={page_size}");
                let parameters = answer::query_parameters(resource);
                if !parameters.is_empty() {
                    query.push('&');
                    query.push_str(parameters);
                }
                if let Some(labels) = &label_selector {
                    query.push_str(&format!("&labelSelector={}", encode(labels)));
                }
                if let Some(fields) = &field_selector {
                    query.push_str(&format!("&fieldSelector={}", encode(fields)));
                }
                let path = base_path(resource, namespace.as_deref());
                let described = format!(
                    "(limit={page_size}{}{})",
                    label_selector.as_ref().map(|l| format!(", labelSelector={l}")).unwrap_or_default(),
                    field_selector.as_ref().map(|f| format!(", fieldSelector={f}")).unwrap_or_default()
                );
                let label_selector = label_selector.map(Arc::from);
                let target =
                    ListTarget { path: &path, query: &query, described: &described, label_selector, max_items: limit };
                let listed = list(cluster, resource, &target, pages, progress, id).await;
                if !listed.map_err(|source| fail(ClusterError::List { resource: resource.to_string(), source }))? {
                    return Ok(());
                }
                continue;
            }
        };
        progress.page(id, body.len());
        if pages.send(Ok(Page::new(cluster.identity.clone(), body))).await.is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// 403 and an API the server does not serve are not errors of the query: the table yields
/// no rows and a warning says why.
fn tolerate(cluster: &ClusterClient, resource: &ApiResource, verb: &str, failure: &Failure) -> bool {
    match failure {
        Failure::Status { code: 403, message } => {
            let hint = if resource.is_secrets() {
                " (listing Secret metadata is an optional grant: see docs/osquery.md#secrets)"
            } else {
                ""
            };
            // Once per cluster and resource: an extension asks again on every scheduled query.
            if first_time(&format!("{}\0{verb}\0{resource}", cluster.identity.name)) {
                tracing::warn!("forbidden to {verb} {resource}; no rows from it{hint}: {message}");
            } else {
                tracing::debug!("forbidden to {verb} {resource}: {message}");
            }
            true
        }
        Failure::Status { code: 404, .. } => {
            tracing::warn!(
                "the server does not serve {} {}; no rows from it",
                resource.api_version(),
                resource.resource
            );
            true
        }
        _ => false,
    }
}

/// Whether `key` is seen for the first time in this process.
fn first_time(key: &str) -> bool {
    static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    SEEN.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key.to_string())
}

/// One List request: where, with which parameters, and how to describe it in logs.
struct ListTarget<'a> {
    path: &'a str,
    query: &'a str,
    described: &'a str,
    /// The label selector in `query`, which the pages carry to their rows.
    label_selector: Option<Arc<str>>,
    /// Objects after which the list stops instead of following its continue token.
    max_items: Option<usize>,
}

/// Pages through one List. Returns `Ok(false)` when the receiver went away.
async fn list(
    cluster: &ClusterClient,
    resource: &ApiResource,
    target: &ListTarget<'_>,
    pages: &mpsc::Sender<Result<Page, SourceError>>,
    progress: &Progress,
    id: u64,
) -> Result<bool, RequestError> {
    let ListTarget { path, query, described, .. } = *target;
    let mut token: Option<String> = None;
    let mut last_sent: Option<Bytes> = None;
    let mut skip_through: Option<Key> = None;
    let mut restarts = 0;
    let mut items_sent = 0;
    loop {
        let url = match &token {
            Some(token) => format!("{path}{query}&continue={}", encode(token)),
            None => format!("{path}{query}"),
        };
        let started = std::time::Instant::now();
        let continued = token.is_some();
        let mut body = match get(&cluster.client, &cluster.identity.name, &url, accept(resource, false)).await {
            Ok(body) => body,
            Err(Failure::Status { code: 410, .. }) if token.is_some() && restarts < MAX_RESTARTS => {
                // The continue token expired: list again from the start, and drop what was
                // already handed on, so no row is lost or repeated.
                restarts += 1;
                tracing::info!("continue token for {resource} expired; restarting the list");
                if let Some(last) = last_sent.as_ref().and_then(|b| envelope::last_key(b)) {
                    skip_through = Some(last);
                }
                token = None;
                continue;
            }
            Err(failure) if tolerate(cluster, resource, "list", &failure) => return Ok(true),
            Err(failure) => return Err(failure.into()),
        };
        token = envelope::continue_token(&body);
        body = answer::page(resource, body, false)?;
        if let Some(after) = &skip_through {
            let (api_version, kind) = resource.list_kind();
            match envelope::items_after(&body, after, &api_version, &kind) {
                Some(rest) => body = rest,
                None => return Err(RequestError::NotAList),
            }
        }
        // Counting items parses the whole page: only for a LIMIT, or for the log line.
        let logged = tracing::enabled!(tracing::Level::INFO);
        let item_count = (target.max_items.is_some() || logged).then(|| envelope::item_count(&body)).flatten();
        if logged {
            let items = item_count.map_or_else(|| "?".to_string(), |n| n.to_string());
            tracing::info!(
                "GET {path} {}{} -> {items} items, {} bytes in {} ms",
                described,
                if continued { " (continued)" } else { "" },
                body.len(),
                started.elapsed().as_millis()
            );
        }
        progress.page(id, body.len());
        last_sent = Some(body.clone());
        let page = Page {
            cluster: cluster.identity.clone(),
            body,
            label_selector: target.label_selector.clone(),
            objects: None,
        };
        if pages.send(Ok(page)).await.is_err() {
            return Ok(false);
        }
        items_sent += item_count.unwrap_or(0);
        if token.is_none() || target.max_items.is_some_and(|max| items_sent >= max) {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pods() -> ApiResource {
        ApiResource::core("pods", "Pod")
    }

    fn list(ns: Option<&str>, labels: Option<&str>, fields: Option<&str>) -> Planned {
        Planned::List {
            namespace: ns.map(Into::into),
            label_selector: labels.map(Into::into),
            field_selector: fields.map(Into::into),
        }
    }

    #[test]
    fn a_million_combinations_become_one_list() {
        let many = |prefix: &str| (0..1000).map(|i| format!("{prefix}{i}")).collect::<Vec<_>>();
        let selection = Selection { namespaces: many("ns-"), names: many("pod-"), ..Default::default() };
        assert_eq!(plan(&pods(), &selection), vec![list(None, None, None)]);
        let selection = Selection { namespaces: many("ns-")[..50].to_vec(), names: many("pod-"), ..Default::default() };
        assert_eq!(plan(&pods(), &selection).len(), 50, "one list per namespace instead of 50 000 GETs");
        let labels = Selection { label_selectors: many("app=")[..150].to_vec(), ..Default::default() };
        assert_eq!(plan(&pods(), &labels).len(), 150, "label selectors are kept: they fill a column");
    }

    #[test]
    fn everything_is_one_list() {
        assert_eq!(plan(&pods(), &Selection::default()), vec![list(None, None, None)]);
    }

    #[test]
    fn namespaces_names_and_fields() {
        let selection = Selection {
            namespaces: vec!["a".into(), "b".into()],
            fields: vec![("spec.nodeName".into(), vec!["n1".into()])],
            ..Default::default()
        };
        assert_eq!(
            plan(&pods(), &selection),
            vec![list(Some("a"), None, Some("spec.nodeName=n1")), list(Some("b"), None, Some("spec.nodeName=n1"))]
        );
        let get = Selection { namespaces: vec!["a".into()], names: vec!["p".into()], ..Default::default() };
        assert_eq!(plan(&pods(), &get), vec![Planned::Get { namespace: Some("a".into()), name: "p".into() }]);
        let anywhere =
            Selection { names: vec!["p".into()], label_selectors: vec!["app=x".into()], ..Default::default() };
        assert_eq!(plan(&pods(), &anywhere), vec![list(None, Some("app=x"), Some("metadata.name=p"))]);
    }
}
