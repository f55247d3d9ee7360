//! `kubernetes_events`: one row per Event (events.k8s.io/v1), listed like any other table.
//!
//! kubequery 1.1.1 streamed events from an informer; listed, every event is what the
//! informer's initial list reports, so `event_type` is `add`. `time` is the event's
//! `eventTime`, else its deprecated last timestamp, else its creation time.

use std::borrow::Cow;

use kubequery_table_sdk::meta::ObjectMeta;
use kubequery_table_sdk::{ObjectTable, Pushdown, Row, Source, col, export_table, time, view};

#[view]
struct Event<'a> {
    metadata: ObjectMeta<'a>,
    event_time: Option<Cow<'a, str>>,
    deprecated_last_timestamp: Option<Cow<'a, str>>,
    reporting_controller: Option<Cow<'a, str>>,
    reporting_instance: Option<Cow<'a, str>>,
    action: Option<Cow<'a, str>>,
    reason: Option<Cow<'a, str>>,
    note: Option<Cow<'a, str>>,
    #[serde(rename = "type")]
    type_: Option<Cow<'a, str>>,
    regarding: Reference<'a>,
    related: Reference<'a>,
}

#[view]
struct Reference<'a> {
    kind: Option<Cow<'a, str>>,
    namespace: Option<Cow<'a, str>>,
    name: Option<Cow<'a, str>>,
    uid: Option<Cow<'a, str>>,
}

struct Events;

impl ObjectTable for Events {
    const NAME: &'static str = "kubernetes_events";
    const DESCRIPTION: &'static str = "Events (events.k8s.io/v1), one row each.";
    const SOURCE: Source = Source::resource("events.k8s.io", "v1", "events", "Event").namespaced();
    type Item<'a> = Event<'a>;

    fn write(r: &mut Row, e: &Event) {
        let meta = &e.metadata;
        let when = [&e.event_time, &e.deprecated_last_timestamp, &meta.creation_timestamp]
            .into_iter()
            .find_map(|t| t.as_deref().and_then(time::unix_seconds));
        r.bigint(col("time", "eventTime, else deprecatedLastTimestamp, else creation, Unix seconds"), when);
        r.text(col("event_type", "add (a listed event)"), Some("add"));
        let cluster = r.cluster();
        r.text(col("cluster_uid", "uid of the cluster's kube-system namespace"), Some(&cluster.uid));
        r.text(col("cluster_name", "cluster name chosen by the operator"), Some(&cluster.name));
        r.text(col("name", "metadata.name").pushdown(Pushdown::Name), meta.name.as_deref());
        r.text(col("namespace", "metadata.namespace").pushdown(Pushdown::Namespace), meta.namespace.as_deref());
        let created = meta.creation_timestamp.as_deref().and_then(time::unix_seconds).unwrap_or(0);
        r.bigint(col("creation_timestamp", "metadata.creationTimestamp, Unix seconds"), Some(created));
        r.json(col("labels", "metadata.labels"), meta.labels);
        r.json(col("annotations", "metadata.annotations"), meta.annotations);
        r.text(col("reporting_controller", "reportingController"), e.reporting_controller.as_deref());
        r.text(col("reporting_instance", "reportingInstance"), e.reporting_instance.as_deref());
        r.text(col("action", "action"), e.action.as_deref());
        r.text(col("reason", "reason"), e.reason.as_deref());
        r.text(col("note", "note"), e.note.as_deref());
        r.text(col("type", "type"), e.type_.as_deref());
        r.text(
            col("regarding_kind", "regarding.kind").pushdown(Pushdown::FieldSelector("regarding.kind")),
            e.regarding.kind.as_deref(),
        );
        r.text(
            col("regarding_namespace", "regarding.namespace").pushdown(Pushdown::FieldSelector("regarding.namespace")),
            e.regarding.namespace.as_deref(),
        );
        r.text(
            col("regarding_name", "regarding.name").pushdown(Pushdown::FieldSelector("regarding.name")),
            e.regarding.name.as_deref(),
        );
        r.text(
            col("regarding_uid", "regarding.uid").pushdown(Pushdown::FieldSelector("regarding.uid")),
            e.regarding.uid.as_deref(),
        );
        r.text(col("related_kind", "related.kind"), e.related.kind.as_deref());
        r.text(col("related_namespace", "related.namespace"), e.related.namespace.as_deref());
        r.text(col("related_name", "related.name"), e.related.name.as_deref());
        r.text(col("related_uid", "related.uid"), e.related.uid.as_deref());
    }
}

export_table!(Events);
