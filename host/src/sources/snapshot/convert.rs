//! What an API server does when a client asks for a kind at another version than the one an
//! object was written in: it converts the object. A snapshot holds objects as some client
//! wrote them — core/v1 Events from `kubectl get events`, `extensions/v1beta1` Ingresses from
//! an old dump, `autoscaling/v2` HorizontalPodAutoscalers from today's kubectl — while a table
//! asks for one version. These are kube-apiserver's conversions between the versions the
//! built-in tables read and the others it serves or served, for the kinds that changed shape;
//! kinds whose versions share their shape only get their `apiVersion` rewritten. Objects of
//! kinds not listed here (CRDs among them) are served as written.

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::schema::ApiResource;

/// `object`, written at `from` (its `apiVersion`), as the API server would serve it at
/// `wanted`'s version; `None` when it is already at that version or the kind is not one this
/// module knows (it is then served as written).
pub(crate) fn convert(object: &RawValue, from: &str, wanted: &ApiResource) -> Option<Box<RawValue>> {
    let to = wanted.api_version();
    if from == to || !knows(&wanted.group, &wanted.kind) {
        return None;
    }
    let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(object.get()) else { return None };
    match (wanted.kind.as_str(), from) {
        ("Event", "v1") => object = core_event_to_events_v1(object),
        ("Ingress", "extensions/v1beta1" | "networking.k8s.io/v1beta1") => ingress_v1beta1_to_v1(&mut object),
        ("HorizontalPodAutoscaler", _) if to == "autoscaling/v1" => hpa_v2_to_v1(&mut object, from),
        ("HorizontalPodAutoscaler", "autoscaling/v1") if to == "autoscaling/v2" => hpa_v1_to_v2(&mut object),
        ("HorizontalPodAutoscaler", "autoscaling/v2beta1") if to == "autoscaling/v2" => hpa_v2beta1_to_v2(&mut object),
        _ => {}
    }
    object.insert("apiVersion".into(), Value::String(to));
    if !object.contains_key("kind") {
        object.insert("kind".into(), Value::String(wanted.kind.clone()));
    }
    RawValue::from_string(Value::Object(object).to_string()).ok()
}

/// The built-in kinds whose versions this module maps onto one another.
fn knows(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        ("apps", "Deployment" | "DaemonSet" | "ReplicaSet" | "StatefulSet")
            | ("networking.k8s.io", "Ingress" | "NetworkPolicy")
            | ("policy", "PodSecurityPolicy" | "PodDisruptionBudget")
            | ("batch", "CronJob" | "Job")
            | ("events.k8s.io", "Event")
            | ("autoscaling", "HorizontalPodAutoscaler")
    )
}

/// core/v1 Event → events.k8s.io/v1 Event, as `Convert_core_Event_To_v1_Event` does it, its
/// fields in the order the API server writes them.
fn core_event_to_events_v1(mut core: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (from, to) in [
        ("kind", "kind"),
        ("apiVersion", "apiVersion"),
        ("metadata", "metadata"),
        ("eventTime", "eventTime"),
        ("series", "series"),
        ("reportingComponent", "reportingController"),
        ("reportingInstance", "reportingInstance"),
        ("action", "action"),
        ("reason", "reason"),
        ("involvedObject", "regarding"),
        ("related", "related"),
        ("message", "note"),
        ("type", "type"),
        ("source", "deprecatedSource"),
        ("firstTimestamp", "deprecatedFirstTimestamp"),
        ("lastTimestamp", "deprecatedLastTimestamp"),
        ("count", "deprecatedCount"),
    ] {
        match core.remove(from).filter(|v| !v.is_null()) {
            Some(value) => {
                out.insert(to.into(), value);
            }
            // The API server writes a zero eventTime as null, in its place.
            None if to == "eventTime" => {
                out.insert(to.into(), Value::Null);
            }
            None => {}
        }
    }
    out
}

/// extensions/v1beta1 or networking.k8s.io/v1beta1 Ingress → networking.k8s.io/v1: `backend`
/// becomes `defaultBackend`, every `serviceName`/`servicePort` a `service` with a `port`
/// number or name, and a path without `pathType` gets the default, `ImplementationSpecific`.
fn ingress_v1beta1_to_v1(ingress: &mut Map<String, Value>) {
    let Some(Value::Object(spec)) = ingress.get_mut("spec") else { return };
    let renamed: Map<String, Value> = std::mem::take(spec)
        .into_iter()
        .map(|(key, value)| match key.as_str() {
            "backend" => ("defaultBackend".to_string(), backend_v1(value)),
            _ => (key, value),
        })
        .collect();
    *spec = renamed;
    let Some(Value::Array(rules)) = spec.get_mut("rules") else { return };
    for rule in rules {
        let Some(Value::Array(paths)) = rule.pointer_mut("/http/paths") else { continue };
        for path in paths.iter_mut().filter_map(Value::as_object_mut) {
            let backend = path.remove("backend").map(backend_v1);
            path.entry("pathType").or_insert_with(|| Value::String("ImplementationSpecific".into()));
            if let Some(backend) = backend {
                path.insert("backend".into(), backend);
            }
        }
    }
}

fn backend_v1(backend: Value) -> Value {
    let Value::Object(mut backend) = backend else { return backend };
    let mut out = Map::new();
    if let Some(name) = backend.remove("serviceName") {
        let port = match backend.remove("servicePort") {
            Some(Value::String(name)) => Some(serde_json::json!({ "name": name })),
            Some(number @ Value::Number(_)) => Some(serde_json::json!({ "number": number })),
            _ => None,
        };
        let mut service = Map::new();
        service.insert("name".into(), name);
        if let Some(port) = port {
            service.insert("port".into(), port);
        }
        out.insert("service".into(), Value::Object(service));
    }
    out.extend(backend);
    Value::Object(out)
}

/// autoscaling/v2, v2beta2 or v2beta1 HorizontalPodAutoscaler → autoscaling/v1: the CPU
/// utilization target and current value come from the `cpu` Resource metric; the other
/// metrics, which v1 cannot express, are left out.
fn hpa_v2_to_v1(hpa: &mut Map<String, Value>, from: &str) {
    let beta1 = from == "autoscaling/v2beta1";
    let cpu = |metrics: Option<&Value>, v2_path: &str, beta1_key: &str| -> Option<Value> {
        metrics?.as_array()?.iter().find_map(|metric| {
            let resource = metric.get("resource").filter(|_| metric["type"] == "Resource")?;
            if resource["name"] != "cpu" {
                return None;
            }
            let value = if beta1 { resource.get(beta1_key) } else { resource.pointer(v2_path) };
            value.filter(|v| v.is_number()).cloned()
        })
    };
    if let Some(Value::Object(spec)) = hpa.get_mut("spec") {
        let target = cpu(spec.get("metrics"), "/target/averageUtilization", "targetAverageUtilization");
        spec.remove("metrics");
        spec.remove("behavior");
        if let Some(target) = target {
            spec.insert("targetCPUUtilizationPercentage".into(), target);
        }
    }
    if let Some(Value::Object(status)) = hpa.get_mut("status") {
        let current = cpu(status.get("currentMetrics"), "/current/averageUtilization", "currentAverageUtilization");
        status.remove("currentMetrics");
        status.remove("conditions");
        if let Some(current) = current {
            status.insert("currentCPUUtilizationPercentage".into(), current);
        }
    }
}

/// The annotations in which autoscaling/v1 carries what only v2 can express, as JSON.
const HPA_METRICS: &str = "autoscaling.alpha.kubernetes.io/metrics";
const HPA_CURRENT_METRICS: &str = "autoscaling.alpha.kubernetes.io/current-metrics";
const HPA_CONDITIONS: &str = "autoscaling.alpha.kubernetes.io/conditions";
const HPA_BEHAVIOR: &str = "autoscaling.alpha.kubernetes.io/behavior";

/// autoscaling/v1 HorizontalPodAutoscaler → autoscaling/v2, as the API server converts it:
/// the metrics, conditions and behavior v1 keeps in annotations move back into their fields
/// (the annotations go), and the CPU target and current value become the `cpu` Resource
/// metric, after the others.
fn hpa_v1_to_v2(hpa: &mut Map<String, Value>) {
    let mut annotation = |key: &str| -> Option<Value> {
        let annotations = hpa.get_mut("metadata")?.get_mut("annotations")?.as_object_mut()?;
        let text = annotations.remove(key)?;
        serde_json::from_str(text.as_str()?).ok()
    };
    let (metrics, current, conditions, behavior) = (
        annotation(HPA_METRICS),
        annotation(HPA_CURRENT_METRICS),
        annotation(HPA_CONDITIONS),
        annotation(HPA_BEHAVIOR),
    );
    // v1 keeps the other metrics in v2beta1's shape.
    let v2 = |list: Option<Value>, part| {
        let mut list = match list {
            Some(Value::Array(list)) => list,
            _ => Vec::new(),
        };
        metrics_v2beta1_to_v2(&mut list, part);
        list
    };
    if let Some(Value::Object(meta)) = hpa.get_mut("metadata")
        && meta.get("annotations").and_then(Value::as_object).is_some_and(Map::is_empty)
    {
        meta.remove("annotations");
    }
    if let Some(Value::Object(spec)) = hpa.get_mut("spec") {
        let mut all = v2(metrics, Metrics::Spec);
        if let Some(cpu) = spec.remove("targetCPUUtilizationPercentage") {
            all.push(serde_json::json!({"type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": cpu}}}));
        }
        if !all.is_empty() {
            spec.insert("metrics".into(), Value::Array(all));
        }
        if let Some(behavior) = behavior {
            spec.insert("behavior".into(), behavior);
        }
    }
    if let Some(Value::Object(status)) = hpa.get_mut("status") {
        let mut all = v2(current, Metrics::Status);
        if let Some(cpu) = status.remove("currentCPUUtilizationPercentage") {
            all.push(serde_json::json!({"type": "Resource",
                "resource": {"name": "cpu", "current": {"averageUtilization": cpu}}}));
        }
        if !all.is_empty() {
            status.insert("currentMetrics".into(), Value::Array(all));
        }
        if let Some(conditions) = conditions {
            status.insert("conditions".into(), conditions);
        }
    }
}

/// autoscaling/v2beta1 HorizontalPodAutoscaler → autoscaling/v2: each metric's flat target
/// and current fields become v2's `metric`, `target` and `current` objects.
fn hpa_v2beta1_to_v2(hpa: &mut Map<String, Value>) {
    for (part, object, list) in [(Metrics::Spec, "spec", "metrics"), (Metrics::Status, "status", "currentMetrics")] {
        if let Some(Value::Array(list)) = hpa.get_mut(object).and_then(|o| o.get_mut(list)) {
            metrics_v2beta1_to_v2(list, part);
        }
    }
}

/// Which metrics: `spec.metrics` (`MetricSpec`s, with a `target`) or `status.currentMetrics`
/// (`MetricStatus`es, with a `current` value).
#[derive(Clone, Copy)]
enum Metrics {
    Spec,
    Status,
}

/// Each v2beta1 metric of `list` as v2 writes it.
fn metrics_v2beta1_to_v2(list: &mut [Value], part: Metrics) {
    for metric in list.iter_mut().filter_map(Value::as_object_mut) {
        metric_v2beta1_to_v2(metric, part);
    }
}

/// The source of one v2beta1 metric (`resource`, `pods`, `object`, `external` or
/// `containerResource`, by its `type`), to reshape in place.
fn metric_source(metric: &mut Map<String, Value>) -> Option<&mut Map<String, Value>> {
    let key = match metric.get("type")?.as_str()? {
        "Resource" => "resource",
        "Pods" => "pods",
        "Object" => "object",
        "External" => "external",
        "ContainerResource" => "containerResource",
        _ => return None,
    };
    metric.get_mut(key)?.as_object_mut()
}

/// Moves v2beta1's `metricName` and selector (`selector` or, for External, `metricSelector`)
/// into v2's `metric` object.
fn metric_identifier(source: &mut Map<String, Value>) {
    let Some(name) = source.remove("metricName") else { return };
    let mut metric = Map::new();
    metric.insert("name".into(), name);
    if let Some(selector) = source.remove("selector").or_else(|| source.remove("metricSelector")) {
        metric.insert("selector".into(), selector);
    }
    source.insert("metric".into(), Value::Object(metric));
}

/// Builds v2's `target` (or `current`) object from v2beta1's flat fields, renamed.
fn gather(source: &mut Map<String, Value>, into: &str, fields: &[(&str, &str)], with_type: bool) {
    let mut out = Map::new();
    for (old, new) in fields {
        if let Some(value) = source.remove(*old) {
            if with_type && out.is_empty() {
                let kind = match *new {
                    "averageUtilization" => "Utilization",
                    "averageValue" => "AverageValue",
                    _ => "Value",
                };
                out.insert("type".into(), Value::String(kind.into()));
            }
            out.insert((*new).into(), value);
        }
    }
    if !out.is_empty() {
        source.insert(into.into(), Value::Object(out));
    }
}

/// One v2beta1 `MetricSpec` or `MetricStatus` as v2 writes it.
fn metric_v2beta1_to_v2(metric: &mut Map<String, Value>, part: Metrics) {
    let Some(source) = metric_source(metric) else { return };
    if let Some(target) = source.remove("target") {
        source.insert("describedObject".into(), target);
    }
    metric_identifier(source);
    let (into, fields) = match part {
        Metrics::Spec => (
            "target",
            [
                ("targetAverageUtilization", "averageUtilization"),
                ("targetAverageValue", "averageValue"),
                ("targetValue", "value"),
                ("averageValue", "averageValue"),
            ],
        ),
        Metrics::Status => (
            "current",
            [
                ("currentAverageUtilization", "averageUtilization"),
                ("currentAverageValue", "averageValue"),
                ("currentValue", "value"),
                ("averageValue", "averageValue"),
            ],
        ),
    };
    // A target says its type; a current value does not.
    gather(source, into, &fields, matches!(part, Metrics::Spec));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(group: &str, version: &str, kind: &str) -> ApiResource {
        ApiResource {
            group: group.into(),
            version: version.into(),
            resource: String::new(),
            kind: kind.into(),
            namespaced: true,
            metadata_only: false,
        }
    }

    fn converted(object: &Value, wanted: &ApiResource) -> Value {
        let raw = RawValue::from_string(object.to_string()).expect("JSON");
        let from = object["apiVersion"].as_str().unwrap_or_default().to_string();
        let out = convert(&raw, &from, wanted).expect("converted");
        serde_json::from_str(out.get()).expect("JSON")
    }

    #[test]
    fn a_core_event_reads_as_events_k8s_io_v1() {
        let core = serde_json::json!({
            "kind": "Event", "apiVersion": "v1", "metadata": {"name": "e", "namespace": "ns"},
            "involvedObject": {"kind": "Pod", "name": "p"}, "reason": "Pulled", "message": "pulled",
            "source": {"component": "kubelet"}, "firstTimestamp": "2025-01-01T00:00:00Z",
            "lastTimestamp": "2025-01-01T00:01:00Z", "count": 2, "type": "Normal", "eventTime": null,
            "reportingComponent": "kubelet", "reportingInstance": "node-1"
        });
        let v1 = converted(&core, &resource("events.k8s.io", "v1", "Event"));
        assert_eq!(
            v1.to_string(),
            r#"{"kind":"Event","apiVersion":"events.k8s.io/v1","metadata":{"name":"e","namespace":"ns"},"eventTime":null,"reportingController":"kubelet","reportingInstance":"node-1","reason":"Pulled","regarding":{"kind":"Pod","name":"p"},"note":"pulled","type":"Normal","deprecatedSource":{"component":"kubelet"},"deprecatedFirstTimestamp":"2025-01-01T00:00:00Z","deprecatedLastTimestamp":"2025-01-01T00:01:00Z","deprecatedCount":2}"#
        );
    }

    #[test]
    fn a_v1beta1_ingress_reads_as_v1() {
        let old = serde_json::json!({
            "apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": {"name": "i"},
            "spec": {"backend": {"serviceName": "default", "servicePort": 80},
                     "rules": [{"host": "a", "http": {"paths": [{"path": "/", "backend": {"serviceName": "web", "servicePort": "http"}}]}}]}
        });
        let v1 = converted(&old, &resource("networking.k8s.io", "v1", "Ingress"));
        assert_eq!(v1["apiVersion"], "networking.k8s.io/v1");
        assert_eq!(v1["spec"]["defaultBackend"].to_string(), r#"{"service":{"name":"default","port":{"number":80}}}"#);
        assert_eq!(
            v1["spec"]["rules"][0]["http"]["paths"][0].to_string(),
            r#"{"path":"/","pathType":"ImplementationSpecific","backend":{"service":{"name":"web","port":{"name":"http"}}}}"#
        );
    }

    #[test]
    fn a_v2_hpa_reads_as_v1_with_its_cpu_utilization() {
        let metric = |key: &str| serde_json::json!([{"type": "Resource", "resource": {"name": "cpu", key: {"type": "Utilization", "averageUtilization": 60}}}]);
        let v2 = serde_json::json!({
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
            "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 1, "maxReplicas": 5, "metrics": metric("target")},
            "status": {"currentReplicas": 2, "desiredReplicas": 2, "currentMetrics": metric("current")}
        });
        let v1 = converted(&v2, &resource("autoscaling", "v1", "HorizontalPodAutoscaler"));
        assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 60);
        assert_eq!(v1["status"]["currentCPUUtilizationPercentage"], 60);
        assert!(v1["spec"].get("metrics").is_none());
        let beta1 = serde_json::json!({
            "apiVersion": "autoscaling/v2beta1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
            "spec": {"maxReplicas": 5, "metrics": [{"type": "Resource", "resource": {"name": "cpu", "targetAverageUtilization": 70}}]}
        });
        let v1 = converted(&beta1, &resource("autoscaling", "v1", "HorizontalPodAutoscaler"));
        assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 70);
    }

    #[test]
    fn a_v1_hpa_reads_as_v2_with_the_metrics_its_annotations_carry() {
        let v1 = serde_json::json!({
            "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "h", "annotations": {
                "autoscaling.alpha.kubernetes.io/metrics":
                    r#"[{"type":"Pods","pods":{"metricName":"qps","targetAverageValue":"10"}}]"#,
                "autoscaling.alpha.kubernetes.io/conditions": r#"[{"type":"AbleToScale","status":"True"}]"#
            }},
            "spec": {"maxReplicas": 5, "targetCPUUtilizationPercentage": 70},
            "status": {"currentReplicas": 1, "desiredReplicas": 1, "currentCPUUtilizationPercentage": 20}
        });
        let v2 = converted(&v1, &resource("autoscaling", "v2", "HorizontalPodAutoscaler"));
        assert_eq!(v2["apiVersion"], "autoscaling/v2");
        assert!(v2["metadata"].get("annotations").is_none(), "{v2}");
        assert_eq!(
            v2["spec"]["metrics"],
            serde_json::json!([
                {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "10"}}},
                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}
            ])
        );
        assert!(v2["spec"].get("targetCPUUtilizationPercentage").is_none());
        assert_eq!(v2["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"], 20);
        assert_eq!(v2["status"]["conditions"][0]["type"], "AbleToScale");
    }

    #[test]
    fn a_v2beta1_hpa_reads_as_v2() {
        let beta1 = serde_json::json!({
            "apiVersion": "autoscaling/v2beta1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
            "spec": {"maxReplicas": 5, "metrics": [
                {"type": "Resource", "resource": {"name": "memory", "targetAverageValue": "100Mi"}},
                {"type": "External", "external": {"metricName": "queue", "metricSelector": {"matchLabels": {"q": "a"}}, "targetValue": "30"}},
                {"type": "Object", "object": {"target": {"kind": "Ingress", "name": "main"}, "metricName": "rps", "targetValue": "2k"}}
            ]},
            "status": {"currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "currentAverageUtilization": 27, "currentAverageValue": "30m"}}]}
        });
        let v2 = converted(&beta1, &resource("autoscaling", "v2", "HorizontalPodAutoscaler"));
        assert_eq!(
            v2["spec"]["metrics"],
            serde_json::json!([
                {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}}},
                {"type": "External", "external": {"metric": {"name": "queue", "selector": {"matchLabels": {"q": "a"}}},
                                                  "target": {"type": "Value", "value": "30"}}},
                {"type": "Object", "object": {"describedObject": {"kind": "Ingress", "name": "main"}, "metric": {"name": "rps"},
                                              "target": {"type": "Value", "value": "2k"}}}
            ])
        );
        assert_eq!(
            v2["status"]["currentMetrics"][0]["resource"],
            serde_json::json!({"name": "cpu", "current": {"averageUtilization": 27, "averageValue": "30m"}})
        );
    }

    #[test]
    fn objects_of_kinds_it_does_not_know_are_served_as_written() {
        let raw =
            RawValue::from_string(r#"{"apiVersion":"example.com/v1alpha1","kind":"Widget"}"#.into()).expect("JSON");
        assert!(convert(&raw, "example.com/v1alpha1", &resource("example.com", "v1", "Widget")).is_none());
        let same = RawValue::from_string(r#"{"apiVersion":"apps/v1","kind":"Deployment"}"#.into()).expect("JSON");
        assert!(convert(&same, "apps/v1", &resource("apps", "v1", "Deployment")).is_none());
    }
}
