//! Deterministic synthetic objects for large-cluster tests.

use serde_json::{Value, json};

use crate::store::Store;

/// A namespace object with a fixed uid derived from its name.
pub fn namespace(name: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "uid": format!("uid-ns-{name}"), "creationTimestamp": "2024-01-01T00:00:00Z"},
        "status": {"phase": "Active"}
    })
}

/// `count` pods spread over `namespaces` namespaces (`ns-0`, …) and 20 nodes, each with an
/// init container and two containers, labels, and a status.
pub fn pods(count: usize, namespaces: usize) -> Vec<Value> {
    (0..count)
        .map(|i| {
            let namespace = format!("ns-{}", i % namespaces.max(1));
            let node = format!("node-{}", i % 20);
            let phase = if i % 10 == 9 { "Pending" } else { "Running" };
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {
                    "name": format!("pod-{i:06}"), "namespace": namespace, "uid": format!("uid-pod-{i}"),
                    "creationTimestamp": "2024-01-02T03:04:05Z",
                    "labels": {"app": format!("app-{}", i % 50), "tier": if i % 2 == 0 { "front" } else { "back" }},
                    "annotations": {"example.com/owner": "team-a"}
                },
                "spec": {
                    "nodeName": node, "restartPolicy": "Always", "serviceAccountName": "default",
                    "initContainers": [{"name": "init", "image": "busybox:1.36", "command": ["true"]}],
                    "containers": [
                        {"name": "app", "image": format!("registry.example.com/app-{}:1.{}", i % 50, i % 7),
                         "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                         "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}},
                        {"name": "sidecar", "image": "registry.example.com/proxy:2.0"}
                    ]
                },
                "status": {
                    "phase": phase, "hostIP": "10.0.0.1", "podIP": format!("10.1.{}.{}", i / 250 % 250, i % 250),
                    "containerStatuses": [
                        {"name": "app", "ready": phase == "Running", "restartCount": i % 3, "image": "app",
                         "imageID": "registry.example.com/app@sha256:abc", "containerID": format!("containerd://{i:064x}")},
                        {"name": "sidecar", "ready": true, "restartCount": 0, "image": "proxy",
                         "imageID": "registry.example.com/proxy@sha256:def", "containerID": format!("containerd://{:064x}", i + 1)}
                    ]
                }
            })
        })
        .collect()
}

/// How much a realistic pod carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodSize {
    /// About 7.5 KB of JSON (production pods are 4–20 KB): an app container and a mesh
    /// sidecar, an init container, four volumes, managedFields.
    Typical,
    /// About 18 KB: four containers with more environment variables, affinity, and a
    /// `last-applied-configuration` annotation.
    Large,
}

/// A deterministic pseudo-random number for item `i` and a `salt`, so every run of a
/// benchmark serves byte-identical clusters.
fn mix(i: usize, salt: u64) -> u64 {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 29)
}

fn uid(kind: u64, i: usize) -> String {
    let h = mix(i, kind);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        (h >> 12) & 0xfff,
        mix(i, kind + 1) & 0xffff_ffff_ffff
    )
}

fn time(i: usize, offset_s: u64) -> String {
    let t = 1_714_550_400 + (mix(i, 7) % 2_000_000) + offset_s;
    let (days, secs) = (t / 86_400, t % 86_400);
    // Days since 2024-05-01 (the base is that date at 00:00 UTC); the month arithmetic stays
    // within May–June 2024.
    let day = days - 19_844;
    let (month, dom) = if day < 31 { (5, day + 1) } else { (6, day - 30) };
    format!("2024-{month:02}-{dom:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

fn env_vars(i: usize, count: usize) -> Vec<Value> {
    (0..count)
        .map(|n| match n % 4 {
            0 => json!({"name": format!("FEATURE_FLAG_{n}"), "value": if mix(i, n as u64).is_multiple_of(2) { "true" } else { "false" }}),
            1 => json!({"name": format!("POD_FIELD_{n}"), "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}),
            2 => json!({"name": format!("SERVICE_{n}_URL"), "value": format!("http://service-{}.svc.cluster.local:8080/api/v{}", mix(i, n as u64) % 40, n % 3 + 1)}),
            _ => json!({"name": format!("SECRET_{n}"), "valueFrom": {"secretKeyRef": {"key": "token", "name": format!("app-secret-{}", n)}}}),
        })
        .collect()
}

fn container(i: usize, name: &str, app: &str, env: usize) -> Value {
    if name == "proxy" {
        // A sidecar as service meshes inject it: image, ports, resources, one mount.
        return json!({
            "name": name, "image": "registry.example.com/mesh/proxy:1.22.3", "imagePullPolicy": "IfNotPresent",
            "ports": [{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}],
            "resources": {"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "10m", "memory": "40Mi"}},
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
            "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": true}]
        });
    }
    json!({
        "name": name,
        "image": format!("registry.example.com/{app}/{name}:1.{}.{}", mix(i, 11) % 20, mix(i, 12) % 10),
        "imagePullPolicy": "IfNotPresent",
        "env": env_vars(i, env),
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}, {"containerPort": 9090, "name": "metrics", "protocol": "TCP"}],
        "resources": {"limits": {"cpu": "1", "memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 10, "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"}, "periodSeconds": 5, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true, "runAsNonRoot": true},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [
            {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": true},
            {"mountPath": "/etc/app", "name": "config", "readOnly": true},
            {"mountPath": "/tmp", "name": "tmp"}
        ]
    })
}

fn container_status(i: usize, name: &str, app: &str, running: bool) -> Value {
    let state = if running {
        json!({"running": {"startedAt": time(i, 40)}})
    } else {
        json!({"waiting": {"reason": "CrashLoopBackOff", "message": format!("back-off 5m0s restarting failed container={name}")}})
    };
    json!({
        "name": name, "ready": running, "restartCount": mix(i, 13) % 4, "started": running,
        "image": format!("registry.example.com/{app}/{name}:1.{}.{}", mix(i, 11) % 20, mix(i, 12) % 10),
        "imageID": format!("registry.example.com/{app}/{name}@sha256:{:016x}{:016x}{:016x}{:016x}", mix(i, 1), mix(i, 2), mix(i, 3), mix(i, 4)),
        "containerID": format!("containerd://{:016x}{:016x}{:016x}{:016x}", mix(i, 5), mix(i, 6), mix(i, 8), mix(i, 9)),
        "state": state,
        "lastState": if !mix(i, 13).is_multiple_of(4) { json!({"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": time(i, 10), "finishedAt": time(i, 35), "containerID": format!("containerd://{:064x}", mix(i, 14))}}) } else { json!({}) }
    })
}

fn managed_fields(i: usize, containers: &[&str]) -> Value {
    let fields: serde_json::Map<String, Value> =
        containers.iter().map(|c| (format!("k:{{\"name\":\"{c}\"}}"), json!({".": {}, "f:args": {}, "f:env": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:livenessProbe": {".": {}, "f:httpGet": {".": {}, "f:path": {}, "f:port": {}}}, "f:name": {}, "f:ports": {}, "f:readinessProbe": {}, "f:resources": {".": {}, "f:limits": {}, "f:requests": {}}, "f:securityContext": {}, "f:volumeMounts": {}}))).collect();
    json!([
        {"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kube-controller-manager", "operation": "Update", "time": time(i, 0),
         "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}}, "f:ownerReferences": {".": {}, "k:{\"uid\":\"owner\"}": {}}},
                      "f:spec": {"f:containers": fields, "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:restartPolicy": {}, "f:schedulerName": {}, "f:securityContext": {}, "f:terminationGracePeriodSeconds": {}, "f:volumes": {}}}},
        {"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kubelet", "operation": "Update", "subresource": "status", "time": time(i, 45),
         "fieldsV1": {"f:status": {"f:conditions": {"k:{\"type\":\"ContainersReady\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}, "k:{\"type\":\"Initialized\"}": {}, "k:{\"type\":\"Ready\"}": {}}, "f:containerStatuses": {}, "f:hostIP": {}, "f:phase": {}, "f:podIP": {}, "f:podIPs": {}, "f:startTime": {}}}}
    ])
}

/// `count` realistic pods over `namespaces` namespaces (`team-0`, …) and `nodes` nodes
/// (`node-00000`, …): what `kubectl get pods -o json` returns from a production cluster,
/// deterministic for a given index.
pub fn realistic_pods(count: usize, namespaces: usize, nodes: usize, size: PodSize) -> Vec<Value> {
    (0..count).map(|i| realistic_pod(i, namespaces, nodes, size)).collect()
}

pub fn realistic_pod(i: usize, namespaces: usize, nodes: usize, size: PodSize) -> Value {
    let app = format!("app-{}", mix(i, 20) % 300);
    let hash = format!("{:010x}", mix(i, 21) & 0xff_ffff_ffff);
    let name = format!("{app}-{hash}-{:05}", i % 100_000);
    let namespace = format!("team-{}", i % namespaces.max(1));
    let running = !mix(i, 22).is_multiple_of(20);
    let phase = if running { "Running" } else { "Pending" };
    let (names, env): (Vec<&str>, usize) = match size {
        PodSize::Typical => (vec!["app", "proxy"], 4),
        PodSize::Large => (vec!["app", "proxy", "log-shipper", "metrics-exporter"], 8),
    };
    let mut annotations = json!({
        "prometheus.io/scrape": "true", "prometheus.io/port": "9090",
        "kubectl.kubernetes.io/restartedAt": time(i, 1)
    });
    let mut spec = json!({
        "nodeName": format!("node-{:05}", mix(i, 23) as usize % nodes.max(1)),
        "serviceAccountName": app, "serviceAccount": app,
        "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
        "terminationGracePeriodSeconds": 30, "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority", "priority": 0,
        "securityContext": {"fsGroup": 2000, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
        "tolerations": [
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}
        ],
        "initContainers": [{"name": "init-config", "image": "registry.example.com/tools/init:3.1", "command": ["sh", "-c", "cp /defaults/* /etc/app/"],
            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}, "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
            "volumeMounts": [{"mountPath": "/etc/app", "name": "config"}]}],
        "containers": names.iter().map(|c| container(i, c, &app, env)).collect::<Vec<_>>(),
        "volumes": [
            {"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
                {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"}]}}]}},
            {"configMap": {"defaultMode": 420, "name": format!("{app}-config")}, "name": "config"},
            {"emptyDir": {"sizeLimit": "1Gi"}, "name": "tmp"},
            {"name": "data", "persistentVolumeClaim": {"claimName": format!("{app}-data")}}
        ]
    });
    if size == PodSize::Large {
        let applied = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace}, "spec": {"containers": names.iter().map(|c| container(i, c, &app, 2)).collect::<Vec<_>>()}});
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = Value::from(applied.to_string() + "\n");
        spec["affinity"] = json!({"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"podAffinityTerm": {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": "kubernetes.io/hostname"}, "weight": 100}]},
                                  "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "node.kubernetes.io/instance-type", "operator": "In", "values": ["m6i.xlarge", "m6i.2xlarge"]}]}]}}});
    }
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": name, "generateName": format!("{app}-{hash}-"), "namespace": namespace, "uid": uid(1, i),
            "resourceVersion": format!("{}", 100_000 + i), "creationTimestamp": time(i, 0),
            "labels": {"app": app, "pod-template-hash": hash, "app.kubernetes.io/name": app, "app.kubernetes.io/part-of": format!("product-{}", mix(i, 24) % 12), "tier": if i.is_multiple_of(2) { "frontend" } else { "backend" }},
            "annotations": annotations,
            "ownerReferences": [{"apiVersion": "apps/v1", "blockOwnerDeletion": true, "controller": true, "kind": "ReplicaSet", "name": format!("{app}-{hash}"), "uid": uid(2, i / 3)}],
            "managedFields": managed_fields(i, &names[..1])
        },
        "spec": spec,
        "status": {
            "phase": phase, "qosClass": "Burstable", "hostIP": format!("10.0.{}.{}", mix(i, 23) % 250, mix(i, 25) % 250),
            "podIP": format!("10.{}.{}.{}", 100 + i / 62_500 % 100, i / 250 % 250, i % 250), "podIPs": [{"ip": format!("10.{}.{}.{}", 100 + i / 62_500 % 100, i / 250 % 250, i % 250)}],
            "startTime": time(i, 5),
            "conditions": [
                {"type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": time(i, 20)},
                {"type": "Ready", "status": if running { "True" } else { "False" }, "lastProbeTime": null, "lastTransitionTime": time(i, 50)},
                {"type": "ContainersReady", "status": if running { "True" } else { "False" }, "lastProbeTime": null, "lastTransitionTime": time(i, 50)},
                {"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": time(i, 2)}
            ],
            "initContainerStatuses": [{"name": "init-config", "ready": true, "restartCount": 0, "started": false, "image": "registry.example.com/tools/init:3.1",
                "imageID": format!("registry.example.com/tools/init@sha256:{:064x}", 7), "containerID": format!("containerd://{:064x}", mix(i, 30)),
                "state": {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": time(i, 10), "finishedAt": time(i, 19), "containerID": format!("containerd://{:064x}", mix(i, 30))}}, "lastState": {}}],
            "containerStatuses": names.iter().map(|c| container_status(i, c, &app, running)).collect::<Vec<_>>()
        }
    })
}

/// `count` nodes (`node-00000`, …) with the images their kubelet reports (50 each), as a
/// production node carries them.
pub fn nodes(count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| {
            let images: Vec<Value> = (0..50)
                .map(|n| {
                    let digest = format!("sha256:{:016x}{:016x}{:016x}{:016x}", mix(i * 50 + n, 40), mix(n, 41), mix(n, 42), mix(n, 43));
                    json!({"names": [format!("registry.example.com/app-{n}/app@{digest}"), format!("registry.example.com/app-{n}/app:1.{}.0", n % 20)], "sizeBytes": 20_000_000 + mix(n, 44) % 500_000_000})
                })
                .collect();
            json!({
                "apiVersion": "v1", "kind": "Node",
                "metadata": {"name": format!("node-{i:05}"), "uid": uid(3, i), "creationTimestamp": time(i, 0),
                    "labels": {"kubernetes.io/hostname": format!("node-{i:05}"), "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                               "node.kubernetes.io/instance-type": "m6i.xlarge", "topology.kubernetes.io/zone": format!("us-west-2{}", ["a", "b", "c"][i % 3])}},
                "spec": {"podCIDR": format!("10.{}.{}.0/24", 100 + i / 250, i % 250), "providerID": format!("aws:///us-west-2a/i-{:017x}", mix(i, 45))},
                "status": {
                    "addresses": [{"address": format!("10.0.{}.{}", i / 250, i % 250), "type": "InternalIP"}, {"address": format!("node-{i:05}"), "type": "Hostname"}],
                    "allocatable": {"cpu": "3920m", "memory": "15214Mi", "pods": "58"}, "capacity": {"cpu": "4", "memory": "15896Mi", "pods": "58"},
                    "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status", "lastHeartbeatTime": time(i, 100), "lastTransitionTime": time(i, 3)}],
                    "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                    "images": images,
                    "nodeInfo": {"architecture": "amd64", "containerRuntimeVersion": "containerd://1.7.11", "kernelVersion": "6.1.66", "kubeProxyVersion": "v1.29.4", "kubeletVersion": "v1.29.4", "operatingSystem": "linux", "osImage": "Amazon Linux 2023", "machineID": format!("{:032x}", mix(i, 46)), "systemUUID": uid(4, i), "bootID": uid(5, i)}
                }
            })
        })
        .collect()
}

/// Namespaces a realistic cluster spreads its pods over (`team-0`, …).
pub const NAMESPACES: usize = 50;
/// Pods per node in a realistic cluster, as in a busy production one.
const PODS_PER_NODE: usize = 30;

/// The nodes of a realistic cluster of `pods` pods: one per [`PODS_PER_NODE`], at least 3.
pub fn node_count(pods: usize) -> usize {
    pods.div_ceil(PODS_PER_NODE).max(3)
}

/// Fills `store` with a realistic cluster: kube-system, [`NAMESPACES`] namespaces, a node per
/// [`PODS_PER_NODE`] pods, and `pods` pods of `size` (kept compact, see
/// [`Store::insert_compact`]). Returns the size of each pod's JSON.
pub fn realistic_cluster(store: &mut Store, pods: usize, size: PodSize) -> Result<Vec<usize>, String> {
    let nodes = node_count(pods);
    store.insert(namespace("kube-system"))?;
    for n in 0..NAMESPACES {
        store.insert(namespace(&format!("team-{n}")))?;
    }
    for node in self::nodes(nodes) {
        store.insert(node)?;
    }
    let mut sizes = Vec::with_capacity(pods);
    for i in 0..pods {
        let pod = realistic_pod(i, NAMESPACES, nodes, size);
        sizes.push(serde_json::to_vec(&pod).map_err(|e| e.to_string())?.len());
        store.insert_compact(pod)?;
    }
    Ok(sizes)
}
