//! A synthetic cluster served by the fixture API server on loopback.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use kubequery_fixture_apiserver::synthetic::{self, PodSize};
use kubequery_fixture_apiserver::{FixtureServer, Store};

pub struct Cluster {
    pub server: FixtureServer,
    pub kubeconfig: PathBuf,
    /// The same cluster with `disable-compression: true`: pages travel uncompressed.
    pub kubeconfig_without_gzip: PathBuf,
    pub pods: usize,
    pub nodes: usize,
    pub median_pod_bytes: usize,
    pub pod_bytes: usize,
}

/// Generates `pods` pods of `size` (with their namespaces and nodes) and serves them.
pub fn serve(pods: usize, size: PodSize, dir: &Path) -> anyhow::Result<Cluster> {
    let mut store = Store::new();
    let mut sizes = synthetic::realistic_cluster(&mut store, pods, size).map_err(anyhow::Error::msg)?;
    let pod_bytes = sizes.iter().sum();
    sizes.sort_unstable();
    let median_pod_bytes = sizes.get(sizes.len() / 2).copied().unwrap_or(0);
    let server = FixtureServer::start(store).context("starting the fixture API server")?;
    let kubeconfig = dir.join(format!("kubeconfig-{pods}"));
    std::fs::write(&kubeconfig, server.kubeconfig("bench")).context("writing the kubeconfig")?;
    let kubeconfig_without_gzip = dir.join(format!("kubeconfig-{pods}-without-gzip"));
    std::fs::write(&kubeconfig_without_gzip, server.kubeconfig_without_compression("bench"))
        .context("writing the kubeconfig")?;
    Ok(Cluster {
        server,
        kubeconfig,
        kubeconfig_without_gzip,
        pods,
        nodes: synthetic::node_count(pods),
        median_pod_bytes,
        pod_bytes,
    })
}
