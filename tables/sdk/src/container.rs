//! Containers and kubequery's 40-column container group, shared by every `*_containers`
//! table.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::pod::{IDENTITY_SOURCES, SeLinuxOptions, SeccompProfile, WindowsOptions, identity_columns};
use crate::{Row, col};

/// A container, init container or ephemeral container.
#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Container<'a> {
    #[serde(borrow)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub image: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub command: Option<&'a RawValue>,
    #[serde(borrow)]
    pub args: Option<&'a RawValue>,
    #[serde(borrow)]
    pub working_dir: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub ports: Option<&'a RawValue>,
    #[serde(borrow)]
    pub env_from: Option<&'a RawValue>,
    #[serde(borrow)]
    pub env: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "crate::json::nullable")]
    pub resources: Resources<'a>,
    #[serde(borrow)]
    pub volume_mounts: Option<&'a RawValue>,
    #[serde(borrow)]
    pub volume_devices: Option<&'a RawValue>,
    #[serde(borrow)]
    pub liveness_probe: Option<&'a RawValue>,
    #[serde(borrow)]
    pub readiness_probe: Option<&'a RawValue>,
    #[serde(borrow)]
    pub startup_probe: Option<&'a RawValue>,
    #[serde(borrow)]
    pub lifecycle: Option<&'a RawValue>,
    #[serde(borrow)]
    pub termination_message_path: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub termination_message_policy: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub image_pull_policy: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "crate::json::nullable")]
    pub security_context: SecurityContext<'a>,
    #[serde(default, deserialize_with = "crate::json::nullable")]
    pub stdin: bool,
    #[serde(default, deserialize_with = "crate::json::nullable")]
    pub stdin_once: bool,
    #[serde(default, deserialize_with = "crate::json::nullable")]
    pub tty: bool,
    #[serde(borrow)]
    pub target_container_name: Option<Cow<'a, str>>,
}

/// `resources` of a container.
#[derive(Deserialize, Default, Debug)]
pub struct Resources<'a> {
    #[serde(borrow)]
    pub limits: Option<&'a RawValue>,
    #[serde(borrow)]
    pub requests: Option<&'a RawValue>,
}

/// `securityContext` of a container.
#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SecurityContext<'a> {
    #[serde(borrow, default, deserialize_with = "crate::json::nullable")]
    pub capabilities: Capabilities<'a>,
    pub privileged: Option<bool>,
    #[serde(borrow, default, deserialize_with = "crate::json::nullable")]
    pub se_linux_options: SeLinuxOptions<'a>,
    #[serde(borrow, default, deserialize_with = "crate::json::nullable")]
    pub windows_options: WindowsOptions<'a>,
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub run_as_non_root: Option<bool>,
    pub read_only_root_filesystem: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    #[serde(borrow)]
    pub proc_mount: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "crate::json::nullable")]
    pub seccomp_profile: SeccompProfile<'a>,
}

/// `securityContext.capabilities` of a container.
#[derive(Deserialize, Default, Debug)]
pub struct Capabilities<'a> {
    #[serde(borrow)]
    pub add: Option<&'a RawValue>,
    #[serde(borrow)]
    pub drop: Option<&'a RawValue>,
}

/// Which list of the pod spec a container comes from, as kubequery's `container_type`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ContainerType {
    Init,
    Container,
    Ephemeral,
}

impl ContainerType {
    /// The `container_type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerType::Init => "init",
            ContainerType::Container => "container",
            ContainerType::Ephemeral => "ephemeral",
        }
    }
}

/// Every container of a pod spec in kubequery's order: init, regular, ephemeral.
pub fn all_containers<'s, 'a>(
    spec: &'s crate::pod::PodSpec<'a>,
) -> impl Iterator<Item = (ContainerType, &'s Container<'a>)> {
    let init = spec.init_containers.iter().map(|c| (ContainerType::Init, c));
    let regular = spec.containers.iter().map(|c| (ContainerType::Container, c));
    let ephemeral = spec.ephemeral_containers.iter().map(|c| (ContainerType::Ephemeral, c));
    init.chain(regular).chain(ephemeral)
}

/// kubequery's 40 container columns, from `se_linux_options_user` to `tty`. Security columns
/// come from the container's own security context; nothing is inherited from the pod.
pub fn container_columns(r: &mut Row, c: &Container) {
    let sc = &c.security_context;
    identity_columns(r, &sc.se_linux_options, &sc.windows_options, &sc.seccomp_profile, &IDENTITY_SOURCES);
    r.bigint(col("run_as_user", "securityContext.runAsUser"), sc.run_as_user);
    r.bigint(col("run_as_group", "securityContext.runAsGroup"), sc.run_as_group);
    r.boolean(col("run_as_non_root", "securityContext.runAsNonRoot"), sc.run_as_non_root);
    r.json(col("capabilities_add", "securityContext.capabilities.add"), sc.capabilities.add);
    r.json(col("capabilities_drop", "securityContext.capabilities.drop"), sc.capabilities.drop);
    r.boolean(col("privileged", "securityContext.privileged"), sc.privileged);
    r.boolean(col("read_only_root_filesystem", "securityContext.readOnlyRootFilesystem"), sc.read_only_root_filesystem);
    r.boolean(
        col("allow_privilege_escalation", "securityContext.allowPrivilegeEscalation"),
        sc.allow_privilege_escalation,
    );
    r.text(col("proc_mount", "securityContext.procMount"), sc.proc_mount.as_deref());
    r.text(
        col("target_container_name", "targetContainerName (ephemeral containers)"),
        c.target_container_name.as_deref(),
    );
    r.text(col("image", "image"), c.image.as_deref());
    r.json(col("command", "command"), c.command);
    r.json(col("args", "args"), c.args);
    r.text(col("working_dir", "workingDir"), c.working_dir.as_deref());
    r.json(col("ports", "ports"), c.ports);
    r.json(col("env_from", "envFrom"), c.env_from);
    r.json(col("env", "env"), c.env);
    r.json(col("resource_limits", "resources.limits"), c.resources.limits);
    r.json(col("resource_requests", "resources.requests"), c.resources.requests);
    r.json(col("volume_mounts", "volumeMounts"), c.volume_mounts);
    r.json(col("volume_devices", "volumeDevices"), c.volume_devices);
    r.json(col("liveness_probe", "livenessProbe"), c.liveness_probe);
    r.json(col("readiness_probe", "readinessProbe"), c.readiness_probe);
    r.json(col("startup_probe", "startupProbe"), c.startup_probe);
    r.json(col("lifecycle", "lifecycle"), c.lifecycle);
    r.text(col("termination_message_path", "terminationMessagePath"), c.termination_message_path.as_deref());
    r.text(col("termination_message_policy", "terminationMessagePolicy"), c.termination_message_policy.as_deref());
    r.text(col("image_pull_policy", "imagePullPolicy"), c.image_pull_policy.as_deref());
    r.boolean(col("stdin", "stdin"), Some(c.stdin));
    r.boolean(col("stdin_once", "stdinOnce"), Some(c.stdin_once));
    r.boolean(col("tty", "tty"), Some(c.tty));
}
