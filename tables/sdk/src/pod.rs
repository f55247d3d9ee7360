//! The pod spec and kubequery's 49-column pod-spec group, shared by pods and every workload
//! table (whose pod spec is `spec.template.spec`).

use crate::view;
use std::borrow::Cow;

use serde_json::value::RawValue;

use crate::container::Container;
use crate::volume::Volume;
use crate::{Pushdown, Row, col};

/// A pod spec's own fields, as far as kubequery's pod-spec columns read them. Its containers
/// and volumes, which have rows of their own, are in [`PodChildren`]: a table of pods or
/// workloads never parses them (serde skips them without building anything).
#[view]
#[derive(Debug)]
pub struct PodSpec<'a> {
    pub security_context: PodSecurityContext<'a>,
    pub affinity: Affinity<'a>,
    pub dns_config: DnsConfig<'a>,
    pub node_selector: Option<&'a RawValue>,
    pub restart_policy: Option<Cow<'a, str>>,
    pub termination_grace_period_seconds: Option<i64>,
    pub active_deadline_seconds: Option<i64>,
    pub dns_policy: Option<Cow<'a, str>>,
    pub service_account_name: Option<Cow<'a, str>>,
    pub automount_service_account_token: Option<bool>,
    pub node_name: Option<Cow<'a, str>>,
    pub host_network: bool,
    #[serde(rename = "hostPID")]
    pub host_pid: bool,
    #[serde(rename = "hostIPC")]
    pub host_ipc: bool,
    pub share_process_namespace: Option<bool>,
    pub image_pull_secrets: Option<&'a RawValue>,
    pub hostname: Option<Cow<'a, str>>,
    pub subdomain: Option<Cow<'a, str>>,
    pub scheduler_name: Option<Cow<'a, str>>,
    pub tolerations: Option<&'a RawValue>,
    pub host_aliases: Option<&'a RawValue>,
    pub priority_class_name: Option<Cow<'a, str>>,
    pub priority: Option<i64>,
    pub readiness_gates: Option<&'a RawValue>,
    pub runtime_class_name: Option<Cow<'a, str>>,
    pub enable_service_links: Option<bool>,
    pub preemption_policy: Option<Cow<'a, str>>,
    pub overhead: Option<&'a RawValue>,
    pub topology_spread_constraints: Option<&'a RawValue>,
    #[serde(rename = "setHostnameAsFQDN")]
    pub set_hostname_as_fqdn: Option<bool>,
}

/// The parts of a pod spec with rows of their own: containers and volumes, for the container
/// and volume tables, which need nothing else of the spec.
#[view]
#[derive(Debug)]
pub struct PodChildren<'a> {
    pub init_containers: Vec<Container<'a>>,
    pub containers: Vec<Container<'a>>,
    pub ephemeral_containers: Vec<Container<'a>>,
    pub volumes: Vec<Volume<'a>>,
}

/// `spec.securityContext` of a pod.
#[view]
#[derive(Debug)]
pub struct PodSecurityContext<'a> {
    pub se_linux_options: SeLinuxOptions<'a>,
    pub windows_options: WindowsOptions<'a>,
    pub seccomp_profile: SeccompProfile<'a>,
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub run_as_non_root: Option<bool>,
    pub supplemental_groups: Option<&'a RawValue>,
    pub fs_group: Option<i64>,
    pub sysctls: Option<&'a RawValue>,
    pub fs_group_change_policy: Option<Cow<'a, str>>,
}

/// `seLinuxOptions` of a pod or container security context.
#[view]
#[derive(Debug)]
pub struct SeLinuxOptions<'a> {
    pub user: Option<Cow<'a, str>>,
    pub role: Option<Cow<'a, str>>,
    #[serde(rename = "type")]
    pub type_: Option<Cow<'a, str>>,
    pub level: Option<Cow<'a, str>>,
}

/// `windowsOptions` of a pod or container security context.
#[view]
#[derive(Debug)]
pub struct WindowsOptions<'a> {
    pub gmsa_credential_spec_name: Option<Cow<'a, str>>,
    pub gmsa_credential_spec: Option<Cow<'a, str>>,
    pub run_as_user_name: Option<Cow<'a, str>>,
}

/// `seccompProfile` of a pod or container security context.
#[view]
#[derive(Debug)]
pub struct SeccompProfile<'a> {
    #[serde(rename = "type")]
    pub type_: Option<Cow<'a, str>>,
    pub localhost_profile: Option<Cow<'a, str>>,
}

/// `spec.affinity`.
#[view]
#[derive(Debug)]
pub struct Affinity<'a> {
    pub node_affinity: Option<&'a RawValue>,
    pub pod_affinity: Option<&'a RawValue>,
    pub pod_anti_affinity: Option<&'a RawValue>,
}

/// `spec.dnsConfig`.
#[view]
#[derive(Debug)]
pub struct DnsConfig<'a> {
    pub nameservers: Option<&'a RawValue>,
    pub searches: Option<&'a RawValue>,
    pub options: Option<&'a RawValue>,
}

/// The security-context columns pods and containers share: SELinux, Windows, seccomp.
pub(crate) fn identity_columns(
    r: &mut Row,
    se: &SeLinuxOptions,
    win: &WindowsOptions,
    seccomp: &SeccompProfile,
    from: &'static [&'static str; 9],
) {
    r.text(col("se_linux_options_user", from[0]), se.user.as_deref());
    r.text(col("se_linux_options_role", from[1]), se.role.as_deref());
    r.text(col("se_linux_options_type", from[2]), se.type_.as_deref());
    r.text(col("se_linux_options_level", from[3]), se.level.as_deref());
    r.text(col("windows_options_gmsa_credential_spec_name", from[4]), win.gmsa_credential_spec_name.as_deref());
    r.text(col("windows_options_gmsa_credential_spec", from[5]), win.gmsa_credential_spec.as_deref());
    r.text(col("windows_options_run_as_user_name", from[6]), win.run_as_user_name.as_deref());
    r.text(col("seccomp_profile_type", from[7]), seccomp.type_.as_deref());
    r.text(col("seccomp_profile_localhost_profile", from[8]), seccomp.localhost_profile.as_deref());
}

pub(crate) const IDENTITY_SOURCES: [&str; 9] = [
    "securityContext.seLinuxOptions.user",
    "securityContext.seLinuxOptions.role",
    "securityContext.seLinuxOptions.type",
    "securityContext.seLinuxOptions.level",
    "securityContext.windowsOptions.gmsaCredentialSpecName",
    "securityContext.windowsOptions.gmsaCredentialSpec",
    "securityContext.windowsOptions.runAsUserName",
    "securityContext.seccompProfile.type",
    "securityContext.seccompProfile.localhostProfile",
];

/// Whose pod spec a row shows. Field selectors on `spec.nodeName` only exist for pods, so
/// only a pod's `node_name` can be pushed down.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SpecOf {
    /// A Pod's own `spec`.
    Pod,
    /// A workload's or PodTemplate's pod template.
    Template,
}

/// kubequery's 49 pod-spec columns, from `se_linux_options_user` to `set_hostname_as_fqdn`.
pub fn pod_spec_columns(r: &mut Row, spec: &PodSpec, of: SpecOf) {
    let sc = &spec.security_context;
    identity_columns(r, &sc.se_linux_options, &sc.windows_options, &sc.seccomp_profile, &IDENTITY_SOURCES);
    r.bigint(col("run_as_user", "securityContext.runAsUser"), sc.run_as_user);
    r.bigint(col("run_as_group", "securityContext.runAsGroup"), sc.run_as_group);
    r.boolean(col("run_as_non_root", "securityContext.runAsNonRoot"), sc.run_as_non_root);
    r.json(col("supplemental_groups", "securityContext.supplementalGroups"), sc.supplemental_groups);
    r.bigint(col("fs_group", "securityContext.fsGroup"), sc.fs_group);
    r.json(col("sysctls", "securityContext.sysctls"), sc.sysctls);
    r.text(col("fs_group_change_policy", "securityContext.fsGroupChangePolicy"), sc.fs_group_change_policy.as_deref());
    r.json(col("node_affinity", "affinity.nodeAffinity"), spec.affinity.node_affinity);
    r.json(col("pod_affinity", "affinity.podAffinity"), spec.affinity.pod_affinity);
    r.json(col("pod_anti_affinity", "affinity.podAntiAffinity"), spec.affinity.pod_anti_affinity);
    r.json(col("dns_config_nameservers", "dnsConfig.nameservers"), spec.dns_config.nameservers);
    r.json(col("dns_config_searches", "dnsConfig.searches"), spec.dns_config.searches);
    r.json(col("dns_config_options", "dnsConfig.options"), spec.dns_config.options);
    r.json(col("node_selector", "nodeSelector"), spec.node_selector);
    r.text(col("restart_policy", "restartPolicy"), spec.restart_policy.as_deref());
    r.bigint(
        col("termination_grace_period_seconds", "terminationGracePeriodSeconds"),
        spec.termination_grace_period_seconds,
    );
    r.bigint(col("active_deadline_seconds", "activeDeadlineSeconds"), spec.active_deadline_seconds);
    r.text(col("dns_policy", "dnsPolicy"), spec.dns_policy.as_deref());
    r.text(col("service_account_name", "serviceAccountName"), spec.service_account_name.as_deref());
    r.boolean(
        col("automount_service_account_token", "automountServiceAccountToken"),
        spec.automount_service_account_token,
    );
    let node_name = match of {
        SpecOf::Pod => col("node_name", "nodeName").pushdown(Pushdown::FieldSelector("spec.nodeName")),
        SpecOf::Template => col("node_name", "nodeName"),
    };
    r.text(node_name, spec.node_name.as_deref());
    r.boolean(col("host_network", "hostNetwork"), Some(spec.host_network));
    r.boolean(col("host_pid", "hostPID"), Some(spec.host_pid));
    r.boolean(col("host_ipc", "hostIPC"), Some(spec.host_ipc));
    r.boolean(col("share_process_namespace", "shareProcessNamespace"), spec.share_process_namespace);
    r.json(col("image_pull_secrets", "imagePullSecrets"), spec.image_pull_secrets);
    r.text(col("hostname", "hostname"), spec.hostname.as_deref());
    r.text(col("subdomain", "subdomain"), spec.subdomain.as_deref());
    r.text(col("scheduler_name", "schedulerName"), spec.scheduler_name.as_deref());
    r.json(col("tolerations", "tolerations"), spec.tolerations);
    r.json(col("host_aliases", "hostAliases"), spec.host_aliases);
    r.text(col("priority_class_name", "priorityClassName"), spec.priority_class_name.as_deref());
    r.integer(col("priority", "priority"), spec.priority);
    r.json(col("readiness_gates", "readinessGates"), spec.readiness_gates);
    r.text(col("runtime_class_name", "runtimeClassName"), spec.runtime_class_name.as_deref());
    r.boolean(col("enable_service_links", "enableServiceLinks"), spec.enable_service_links);
    r.text(col("preemption_policy", "preemptionPolicy"), spec.preemption_policy.as_deref());
    r.json(col("overhead", "overhead"), spec.overhead);
    r.json(col("topology_spread_constraints", "topologySpreadConstraints"), spec.topology_spread_constraints);
    r.boolean(col("set_hostname_as_fqdn", "setHostnameAsFQDN"), spec.set_hostname_as_fqdn);
}
