//! The API resources the fixture server serves, as discovery describes them.

/// One served resource type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceType {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub namespaced: bool,
}

impl ResourceType {
    pub fn new(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
        ResourceType {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            plural: plural.into(),
            namespaced,
        }
    }

    /// `v1` or `group/version`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.clone() } else { format!("{}/{}", self.group, self.version) }
    }

    /// `/api/v1` or `/apis/group/version`.
    pub fn base_path(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        }
    }
}

/// The built-in resources of a Kubernetes 1.31 API server that kubequery's tables read, and
/// the CRD list.
pub fn builtin() -> Vec<ResourceType> {
    let r = ResourceType::new;
    vec![
        r("", "v1", "Namespace", "namespaces", false),
        r("", "v1", "Node", "nodes", false),
        r("", "v1", "Pod", "pods", true),
        r("", "v1", "Secret", "secrets", true),
        r("", "v1", "ConfigMap", "configmaps", true),
        r("", "v1", "Service", "services", true),
        r("", "v1", "ServiceAccount", "serviceaccounts", true),
        r("", "v1", "Endpoints", "endpoints", true),
        r("", "v1", "Event", "events", true),
        r("", "v1", "PersistentVolume", "persistentvolumes", false),
        r("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true),
        r("", "v1", "PodTemplate", "podtemplates", true),
        r("", "v1", "ResourceQuota", "resourcequotas", true),
        r("", "v1", "LimitRange", "limitranges", true),
        r("", "v1", "ComponentStatus", "componentstatuses", false),
        r("apps", "v1", "Deployment", "deployments", true),
        r("apps", "v1", "ReplicaSet", "replicasets", true),
        r("apps", "v1", "StatefulSet", "statefulsets", true),
        r("apps", "v1", "DaemonSet", "daemonsets", true),
        r("batch", "v1", "Job", "jobs", true),
        r("batch", "v1", "CronJob", "cronjobs", true),
        r("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true),
        r("autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true),
        r("networking.k8s.io", "v1", "Ingress", "ingresses", true),
        r("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false),
        r("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true),
        r("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true),
        r("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
        r("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
        r("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
        r("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
        r("storage.k8s.io", "v1", "StorageClass", "storageclasses", false),
        r("storage.k8s.io", "v1", "CSIDriver", "csidrivers", false),
        r("storage.k8s.io", "v1", "CSINode", "csinodes", false),
        r("storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments", false),
        r("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", false),
        r(
            "admissionregistration.k8s.io",
            "v1",
            "ValidatingWebhookConfiguration",
            "validatingwebhookconfigurations",
            false,
        ),
        r("events.k8s.io", "v1", "Event", "events", true),
        // Served by every API server; clients such as k8sql list it to discover CRDs.
        r("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false),
    ]
}
