//! Which clusters to talk to, as kubectl users expect: `--kubeconfig` or `KUBECONFIG` (a
//! list of files, merged as kubectl merges them) or `~/.kube/config`, its current context or
//! `--context` (repeatable, or a comma list) or `--all-contexts`; the pod's service account
//! when there is no kubeconfig and kubequery runs in a cluster.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};

use super::error::ConfigError;

/// How to reach live clusters.
#[derive(Clone, Debug, Default)]
pub struct LiveConfig {
    /// `--kubeconfig`; otherwise `KUBECONFIG` or `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// Contexts to query; empty means the current context.
    pub contexts: Vec<String>,
    pub all_contexts: bool,
    /// `cluster_name` of a single cluster; otherwise each cluster is named after its context.
    pub cluster_name: Option<String>,
    /// Bound on each request (connect, send and read).
    pub request_timeout: Duration,
    /// Keep the resources scans read in a watch cache (see `cache`), when set.
    pub watch_cache: Option<super::CacheConfig>,
}

/// One cluster to connect to.
pub(crate) struct Target {
    pub(crate) name: String,
    pub(crate) config: kube::Config,
}

pub(crate) async fn targets(live: &LiveConfig) -> Result<Vec<Target>, ConfigError> {
    let contexts: Vec<String> = live
        .contexts
        .iter()
        .flat_map(|c| c.split(','))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    let kubeconfig = match &live.kubeconfig {
        Some(path) => Some(
            Kubeconfig::read_from(path)
                .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?,
        ),
        None => match Kubeconfig::read() {
            Ok(config) => Some(config),
            // No kubeconfig at all: fall back to the pod's service account, as kubectl does.
            // A kubeconfig that is there but broken is an error, never a reason to switch
            // to another cluster's credentials.
            Err(_)
                if contexts.is_empty()
                    && !live.all_contexts
                    && default_kubeconfig().is_none()
                    && std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() =>
            {
                None
            }
            Err(source) if let Some(path) = default_kubeconfig() => return Err(ConfigError::Read { path, source }),
            Err(source) => return Err(ConfigError::Missing(source)),
        },
    };
    let mut targets = Vec::new();
    match kubeconfig {
        None => {
            let mut config = kube::Config::incluster().map_err(ConfigError::InCluster)?;
            apply_timeouts(&mut config, live.request_timeout);
            let name = live.cluster_name.clone().unwrap_or_else(|| "in-cluster".to_string());
            targets.push(Target { name, config });
        }
        Some(kubeconfig) => {
            let chosen: Vec<String> = if live.all_contexts {
                kubeconfig.contexts.iter().map(|c| c.name.clone()).collect()
            } else if !contexts.is_empty() {
                contexts
            } else {
                vec![kubeconfig.current_context.clone().ok_or(ConfigError::NoCurrentContext)?]
            };
            if chosen.is_empty() {
                return Err(ConfigError::NoContexts);
            }
            if chosen.len() > 1 && live.cluster_name.is_some() {
                return Err(ConfigError::ClusterNameWithSeveral);
            }
            for context in chosen {
                if !kubeconfig.contexts.iter().any(|c| c.name == context) {
                    return Err(ConfigError::NoSuchContext(context));
                }
                let options = KubeConfigOptions { context: Some(context.clone()), ..Default::default() };
                let mut config = kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
                    .await
                    .map_err(|source| ConfigError::Context { context: context.clone(), source })?;
                if config.accept_invalid_certs {
                    tracing::warn!(
                        "context {context}: the kubeconfig sets insecure-skip-tls-verify, so the API server's \
                         certificate is not checked: anyone on the network path can read and change what \
                         kubequery sends and receives, credentials included"
                    );
                }
                apply_timeouts(&mut config, live.request_timeout);
                let name = live.cluster_name.clone().unwrap_or_else(|| context.clone());
                targets.push(Target { name, config });
            }
        }
    }
    Ok(targets)
}

/// The kubeconfig `Kubeconfig::read` would read, when there is one: `KUBECONFIG` (its first
/// entry), else `~/.kube/config` if it exists.
fn default_kubeconfig() -> Option<String> {
    if let Some(list) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return std::env::split_paths(&list).next().map(|p| p.display().to_string());
    }
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    let path = std::path::Path::new(&home).join(".kube/config");
    path.exists().then(|| path.display().to_string())
}

fn apply_timeouts(config: &mut kube::Config, timeout: Duration) {
    // Retries are kubequery's own (bounded, logged, reported per cluster), not kube's.
    config.default_retry = false;
    config.connect_timeout = Some(timeout.min(Duration::from_secs(10)));
    config.read_timeout = Some(timeout);
    config.write_timeout = Some(timeout);
}
