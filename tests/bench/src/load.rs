//! The osquery extension under concurrent load: N `generate` calls of `kubernetes_pods` at
//! once, made by the osquery peer (tests/osquery/peer.py `load`) the way osqueryd makes them,
//! with its pings every 3 s. Peak RSS and per-call latency per concurrency.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};

use super::OsqueryPeer;

/// One load run's outcome.
pub struct Load {
    pub seconds: f64,
    pub median_call: f64,
    pub slowest_call: f64,
    pub peak_rss: u64,
    pub failed: usize,
    pub survived: bool,
}

pub fn measure(kubequery: &Path, peer: &OsqueryPeer, kubeconfig: &Path, concurrency: usize) -> anyhow::Result<Load> {
    let output = Command::new(&peer.python)
        .arg(&peer.script)
        .args(["load", "--table", "kubernetes_pods", "--concurrency"])
        .arg(concurrency.to_string())
        .arg("--kubequery")
        .arg(kubequery)
        .arg("--env")
        .arg(format!("KUBECONFIG={}", kubeconfig.display()))
        .output()
        .context("running tests/osquery/peer.py load")?;
    if !output.status.success() {
        bail!("the osquery peer failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).context("the peer's report")?;
    let calls = report["calls"].as_array().context("calls")?;
    let mut seconds: Vec<f64> = calls.iter().filter_map(|c| c["seconds"].as_f64()).collect();
    seconds.sort_by(f64::total_cmp);
    Ok(Load {
        seconds: report["seconds"].as_f64().unwrap_or(0.0),
        median_call: seconds.get(seconds.len() / 2).copied().unwrap_or(0.0),
        slowest_call: seconds.last().copied().unwrap_or(0.0),
        peak_rss: report["peak_rss"].as_u64().unwrap_or(0),
        failed: calls.iter().filter(|c| c["code"] != 0).count(),
        survived: report["alive"] == true && report["registered"] == true,
    })
}
