//! `kubernetes_pod_security_policies`: one row per PodSecurityPolicy (policy/v1beta1).
//!
//! The API was removed in Kubernetes 1.25; on such clusters the server does not serve it and
//! the table returns no rows, with a warning, instead of failing the query.

use kubequery_table_sdk::meta::{ObjectMeta, object_columns};
use kubequery_table_sdk::{ObjectTable, RawValue, Row, Source, col, export_table, view};

#[view]
struct Psp<'a> {
    metadata: ObjectMeta<'a>,
    spec: Spec<'a>,
}

#[view]
struct Spec<'a> {
    privileged: bool,
    default_add_capabilities: Option<&'a RawValue>,
    required_drop_capabilities: Option<&'a RawValue>,
    allowed_capabilities: Option<&'a RawValue>,
    volumes: Option<&'a RawValue>,
    host_network: bool,
    host_ports: Option<&'a RawValue>,
    #[serde(rename = "hostPID")]
    host_pid: bool,
    #[serde(rename = "hostIPC")]
    host_ipc: bool,
    se_linux: Option<&'a RawValue>,
    run_as_user: Option<&'a RawValue>,
    run_as_group: Option<&'a RawValue>,
    supplemental_groups: Option<&'a RawValue>,
    fs_group: Option<&'a RawValue>,
    read_only_root_filesystem: bool,
    default_allow_privilege_escalation: Option<bool>,
    allow_privilege_escalation: Option<bool>,
    allowed_host_paths: Option<&'a RawValue>,
    allowed_flex_volumes: Option<&'a RawValue>,
    #[serde(rename = "allowedCSIDrivers")]
    allowed_csi_drivers: Option<&'a RawValue>,
    allowed_unsafe_sysctls: Option<&'a RawValue>,
    forbidden_sysctls: Option<&'a RawValue>,
    allowed_proc_mount_types: Option<&'a RawValue>,
    runtime_class: Option<&'a RawValue>,
}

/// Go's encoding of the zero strategy structs kubequery always emitted (`rule` is required in
/// SELinux and RunAsUser, optional in the others).
const ZERO_REQUIRED_RULE: &str = r#"{"rule":""}"#;

struct PodSecurityPolicies;

impl ObjectTable for PodSecurityPolicies {
    const NAME: &'static str = "kubernetes_pod_security_policies";
    const DESCRIPTION: &'static str = "PodSecurityPolicies (policy/v1beta1, removed in Kubernetes 1.25), one row each.";
    const SOURCE: Source = Source::resource("policy", "v1beta1", "podsecuritypolicies", "PodSecurityPolicy");
    type Item<'a> = Psp<'a>;

    fn write(r: &mut Row, psp: &Psp) {
        let s = &psp.spec;
        object_columns(r, &psp.metadata);
        r.boolean(col("privileged", "spec.privileged"), Some(s.privileged));
        r.json(col("default_add_capabilities", "spec.defaultAddCapabilities"), s.default_add_capabilities);
        r.json(col("required_drop_capabilities", "spec.requiredDropCapabilities"), s.required_drop_capabilities);
        r.json(col("allowed_capabilities", "spec.allowedCapabilities"), s.allowed_capabilities);
        r.json(col("volumes", "spec.volumes"), s.volumes);
        r.boolean(col("host_network", "spec.hostNetwork"), Some(s.host_network));
        r.json(col("host_ports", "spec.hostPorts"), s.host_ports);
        r.boolean(col("host_pid", "spec.hostPID"), Some(s.host_pid));
        r.boolean(col("host_ipc", "spec.hostIPC"), Some(s.host_ipc));
        r.json_or(col("se_linux", "spec.seLinux"), s.se_linux, ZERO_REQUIRED_RULE);
        r.json_or(col("run_as_user", "spec.runAsUser"), s.run_as_user, ZERO_REQUIRED_RULE);
        r.json(col("run_as_group", "spec.runAsGroup"), s.run_as_group);
        r.json_or(col("supplemental_groups", "spec.supplementalGroups"), s.supplemental_groups, "{}");
        r.json_or(col("fs_group", "spec.fsGroup"), s.fs_group, "{}");
        r.boolean(col("read_only_root_filesystem", "spec.readOnlyRootFilesystem"), Some(s.read_only_root_filesystem));
        r.boolean(
            col("default_allow_privilege_escalation", "spec.defaultAllowPrivilegeEscalation"),
            s.default_allow_privilege_escalation,
        );
        r.boolean(col("allow_privilege_escalation", "spec.allowPrivilegeEscalation"), s.allow_privilege_escalation);
        r.json(col("allowed_host_paths", "spec.allowedHostPaths"), s.allowed_host_paths);
        r.json(col("allowed_flex_volumes", "spec.allowedFlexVolumes"), s.allowed_flex_volumes);
        r.json(col("allowed_csi_drivers", "spec.allowedCSIDrivers"), s.allowed_csi_drivers);
        r.json(col("allowed_unsafe_sysctls", "spec.allowedUnsafeSysctls"), s.allowed_unsafe_sysctls);
        r.json(col("forbidden_sysctls", "spec.forbiddenSysctls"), s.forbidden_sysctls);
        r.json(col("allowed_proc_mount_types", "spec.allowedProcMountTypes"), s.allowed_proc_mount_types);
        r.json(col("runtime_class", "spec.runtimeClass"), s.runtime_class);
    }
}

export_table!(PodSecurityPolicies);
