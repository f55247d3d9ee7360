//! `kubequery-fixture-apiserver`: serve fixture objects over the Kubernetes API, for
//! benchmarks and for trying `kubectl` or `kubequery` against a known cluster.
//!
//! ```text
//! kubequery-fixture-apiserver [--port PORT] [--data DIR]... [--pods N] [--realistic-pods N [--large]]
//! ```
//!
//! `--pods` makes small (~1 KB) pods; `--realistic-pods` makes production-like ones (~5 KB,
//! or ~15 KB with `--large`) with their nodes, as the benchmark serves them.

use std::path::Path;

use kubequery_fixture_apiserver::synthetic::PodSize;
use kubequery_fixture_apiserver::{FixtureServer, Store, synthetic};

fn main() -> anyhow::Result<()> {
    let mut store = Store::new();
    let mut port = 0u16;
    let (mut realistic, mut size) = (0usize, PodSize::Typical);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| anyhow::anyhow!("{arg} needs a value"));
        match arg.as_str() {
            "--port" => port = value()?.parse()?,
            "--data" => store.load_dir(Path::new(&value()?)).map_err(anyhow::Error::msg)?,
            "--pods" => {
                let count: usize = value()?.parse()?;
                store.insert(synthetic::namespace("kube-system")).map_err(anyhow::Error::msg)?;
                for i in 0..10 {
                    store.insert(synthetic::namespace(&format!("ns-{i}"))).map_err(anyhow::Error::msg)?;
                }
                for pod in synthetic::pods(count, 10) {
                    store.insert(pod).map_err(anyhow::Error::msg)?;
                }
            }
            "--realistic-pods" => realistic = value()?.parse()?,
            "--large" => size = PodSize::Large,
            other => anyhow::bail!(
                "unknown argument {other}; usage: [--port PORT] [--data DIR]... [--pods N] [--realistic-pods N [--large]]"
            ),
        }
    }
    if realistic > 0 {
        synthetic::realistic_cluster(&mut store, realistic, size).map_err(anyhow::Error::msg)?;
    }
    let server = FixtureServer::start_on(store, port)?;
    println!("{}", server.url());
    loop {
        std::thread::park();
    }
}
