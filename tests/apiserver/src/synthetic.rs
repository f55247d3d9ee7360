//! Deterministic synthetic objects for large-cluster tests.

use serde_json::{Value, json};

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
