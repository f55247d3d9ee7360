//! Containers and kubequery's 40-column container group, shared by every `*_containers`
//! table.

use crate::view;
use std::borrow::Cow;

use serde_json::value::RawValue;

use crate::pod::{IDENTITY_SOURCES, SeLinuxOptions, SeccompProfile, WindowsOptions, identity_columns};
use crate::{Row, col};

/// A container, init container or ephemeral container.
#[view]
#[derive(Debug)]
pub struct Container<'a> {
    pub name: Option<Cow<'a, str>>,
    pub image: Option<Cow<'a, str>>,
    pub command: Option<&'a RawValue>,
    pub args: Option<&'a RawValue>,
    pub working_dir: Option<Cow<'a, str>>,
    pub ports: Option<&'a RawValue>,
    pub env_from: Option<&'a RawValue>,
    pub env: Option<&'a RawValue>,
    pub resources: Resources<'a>,
    pub volume_mounts: Option<&'a RawValue>,
    pub volume_devices: Option<&'a RawValue>,
    pub liveness_probe: Option<&'a RawValue>,
    pub readiness_probe: Option<&'a RawValue>,
    pub startup_probe: Option<&'a RawValue>,
    pub lifecycle: Option<&'a RawValue>,
    pub termination_message_path: Option<Cow<'a, str>>,
    pub termination_message_policy: Option<Cow<'a, str>>,
    pub image_pull_policy: Option<Cow<'a, str>>,
    pub security_context: SecurityContext<'a>,
    pub stdin: bool,
    pub stdin_once: bool,
    pub tty: bool,
    pub target_container_name: Option<Cow<'a, str>>,
}

/// `resources` of a container.
#[view]
#[derive(Debug)]
pub struct Resources<'a> {
    pub limits: Option<&'a RawValue>,
    pub requests: Option<&'a RawValue>,
}

/// `securityContext` of a container.
#[view]
#[derive(Debug)]
pub struct SecurityContext<'a> {
    pub capabilities: Capabilities<'a>,
    pub privileged: Option<bool>,
    pub se_linux_options: SeLinuxOptions<'a>,
    pub windows_options: WindowsOptions<'a>,
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub run_as_non_root: Option<bool>,
    pub read_only_root_filesystem: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub proc_mount: Option<Cow<'a, str>>,
    pub seccomp_profile: SeccompProfile<'a>,
}

/// `securityContext.capabilities` of a container.
#[view]
#[derive(Debug)]
pub struct Capabilities<'a> {
    pub add: Option<&'a RawValue>,
    pub drop: Option<&'a RawValue>,
}

/// Which list of the pod spec a container comes from, as kubequery's `container_type`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ContainerType {
    /// `initContainers` (`init`).
    Init,
    /// `containers` (`container`).
    Container,
    /// `ephemeralContainers` (`ephemeral`).
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
    spec: &'s crate::pod::PodChildren<'a>,
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
