//! `kubequery_cache`: the watch cache's state, one row per cluster and resource it keeps
//! (docs/watch-cache.md). The host answers `GET /kubequery/v1/watch-cache` itself, from the
//! cache it runs; no request reaches the cluster, and the document holds no object of it.

use std::borrow::Cow;

use kubequery_table_sdk::{Row, Rows, Source, Table, col, export_table, view};

/// The document the host writes for one cluster.
#[view]
struct WatchCache<'a> {
    /// The cache's budget over every cluster and resource, in bytes.
    memory_budget: Option<i64>,
    resources: Vec<Entry<'a>>,
}

/// One resource the cache keeps, or tried to.
#[view]
struct Entry<'a> {
    resource: Option<Cow<'a, str>>,
    api_version: Option<Cow<'a, str>>,
    phase: Option<Cow<'a, str>>,
    objects: Option<i64>,
    expired_events: Option<i64>,
    bytes: Option<i64>,
    row_bytes: Option<i64>,
    objects_reused: Option<i64>,
    resource_version: Option<Cow<'a, str>>,
    lists: Option<i64>,
    watch_requests: Option<i64>,
    last_sync: Option<i64>,
    last_read: Option<i64>,
}

struct Cache;

impl Cache {
    fn write(r: &mut Row, cache: &WatchCache, e: &Entry) {
        let cluster = r.cluster();
        r.text(col("cluster_uid", "uid of the cluster's kube-system namespace"), Some(&cluster.uid));
        r.text(col("cluster_name", "cluster name chosen by the operator"), Some(&cluster.name));
        r.text(col("resource", "the resource as kubectl names it: pods, deployments.apps"), e.resource.as_deref());
        r.text(col("api_version", "the API version it is listed and watched at"), e.api_version.as_deref());
        r.text(
            col("phase", "listing, watching, resuming, failed, stopped or gave_up (over the budget, or refused)"),
            e.phase.as_deref(),
        );
        r.integer(col("objects", "objects held"), e.objects);
        r.integer(col("expired_events", "Events the API server expired, still served (Events only)"), e.expired_events);
        r.bigint(col("bytes", "bytes of JSON held for the resource"), e.bytes);
        r.bigint(
            col("row_bytes", "bytes of rows tables made of its objects, reused while the objects are unchanged"),
            e.row_bytes,
        );
        r.bigint(
            col("objects_reused", "objects whose rows a query reused instead of converting them again"),
            e.objects_reused,
        );
        r.bigint(col("memory_budget", "bytes the whole cache may hold (--watch-cache-memory)"), cache.memory_budget);
        r.text(col("resource_version", "the last resourceVersion the server sent"), e.resource_version.as_deref());
        r.integer(col("lists", "LIST requests made: the first, and one after each 410 Gone"), e.lists);
        r.integer(col("watch_requests", "WATCH requests made: the first, and one per resume"), e.watch_requests);
        r.bigint(col("last_sync", "when the objects were last known complete, Unix seconds"), e.last_sync);
        r.bigint(col("last_read", "when a query last read the resource, Unix seconds"), e.last_read);
    }
}

impl Table for Cache {
    const NAME: &'static str = "kubequery_cache";
    const DESCRIPTION: &'static str =
        "The watch cache's state, one row per cluster and resource kept (empty when the cache is off).";
    const SOURCE: Source = Source::Path("/kubequery/v1/watch-cache");
    type Item<'a> = WatchCache<'a>;

    fn describe(row: &mut Row) {
        Self::write(row, &WatchCache::default(), &Entry::default());
    }

    fn rows(cache: &WatchCache, rows: &mut Rows) {
        for entry in &cache.resources {
            rows.row(|r| Self::write(r, cache, entry));
        }
    }
}

export_table!(Cache);
