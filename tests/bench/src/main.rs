//! `kubequery-bench`: kubequery's numbers, measured side by side in one run.
//!
//! ```text
//! cargo build --release && cargo run --release -p kubequery-bench -- [OPTIONS]
//!   --sizes 5000,30000,150000   pods per synthetic cluster
//!   --pod-size typical|large    ~5 KB or ~15 KB pods
//!   --runs N                    runs per query (the median is reported) [3]
//!   --peers-up-to N             run kubectl (+ jq, k8sql when installed) up to N pods [30000]
//!   --only queries,conversion,start,load,network,watch
//!   --tables TEXT               `conversion` only for the tables whose name contains TEXT
//!   --concurrency 1,4,8,16,32   concurrent osquery calls for `load`
//!   --bandwidth 0,100M,1G       link speeds (bits per second; 0: loopback) for `network`
//!   --churn 1,0.1               % of pods replaced per minute for `watch`
//!   --kubequery PATH            the binary to measure [target/release/kubequery]
//! ```
//!
//! For each size it serves a deterministic synthetic cluster from the fixture API server on
//! loopback and prints, per query, the wall time and peak RSS of a `kubequery query` process,
//! rows per second and the API requests it made, beside the transport floor (downloading every
//! page, plus converting it with the table's code compiled natively) and the peers. Then each
//! built-in table's conversion in wasm against native, extension start-up, the extension
//! under concurrent `generate` calls (`--only load`, not run by default: minutes per size),
//! the pods query through a link of limited bandwidth with and without gzip (`--only
//! network`, not run by default), and binary size.
//! Everything is printed as Markdown tables, ready for docs/performance.md.

mod cluster;
mod conversion;
mod floor;
mod load;
mod measure;
mod native;
mod start;
mod watch;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use kubequery_fixture_apiserver::synthetic::PodSize;

/// The pods query the transport floor is for.
const PODS_QUERY: &str = "SELECT name, namespace, node_name, phase FROM kubernetes_pods";

/// How the label of a query read without gzip ends.
const GZIP_OFF: &str = "gzip off";

/// The queries measured per size: label, `kubequery query` options, SQL. A label ending in
/// [`GZIP_OFF`] reads the cluster through a kubeconfig with `disable-compression: true`.
const QUERIES: &[(&str, &[&str], &str)] = &[
    ("pods (4 columns)", &[], PODS_QUERY),
    ("pods (4 columns), -j 1", &["-j", "1"], PODS_QUERY),
    // On loopback the fixture server's gzip runs on the same cores as kubequery, which a
    // remote kube-apiserver's does not: this row is what the client itself costs.
    ("pods (4 columns), gzip off", &[], PODS_QUERY),
    ("pod_containers (*)", &[], "SELECT * FROM kubernetes_pod_containers"),
    (
        "pods ⋈ containers",
        &[],
        "SELECT p.name, p.node_name, c.name AS container, c.image, c.restart_count FROM kubernetes_pods p \
         JOIN kubernetes_pod_containers c ON c.pod_name = p.name AND c.namespace = p.namespace",
    ),
    (
        "pods ⋈ containers, one namespace",
        &[],
        "SELECT p.name, p.node_name, c.name AS container, c.image, c.restart_count FROM kubernetes_pods p \
         JOIN kubernetes_pod_containers c ON c.pod_name = p.name AND c.namespace = p.namespace \
         WHERE p.namespace = 'team-7'",
    ),
    ("pods LIMIT 1", &[], "SELECT name FROM kubernetes_pods LIMIT 1"),
];

struct Args {
    sizes: Vec<usize>,
    pod_size: PodSize,
    runs: usize,
    peers_up_to: usize,
    only: Vec<String>,
    /// `conversion` only for tables whose name contains this.
    tables: Option<String>,
    concurrency: Vec<usize>,
    /// Link speeds for `network`, in bits per second.
    bandwidth: Vec<u64>,
    /// Percent of the pods replaced per minute for `watch`.
    churn: Vec<f64>,
    kubequery: PathBuf,
}

fn parse_args() -> anyhow::Result<Args> {
    let root = repo();
    let mut args = Args {
        sizes: vec![5_000, 30_000, 150_000],
        pod_size: PodSize::Typical,
        runs: 3,
        peers_up_to: 30_000,
        only: vec!["queries".into(), "conversion".into(), "start".into()],
        tables: None,
        concurrency: vec![1, 4, 8, 16, 32],
        bandwidth: vec![0, 100_000_000, 1_000_000_000],
        churn: vec![1.0, 0.1],
        kubequery: root.join("target/release/kubequery"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--sizes" => args.sizes = value()?.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--pod-size" => {
                args.pod_size = match value()?.as_str() {
                    "typical" => PodSize::Typical,
                    "large" => PodSize::Large,
                    other => bail!("--pod-size {other}: typical or large"),
                }
            }
            "--runs" => args.runs = value()?.parse()?,
            "--peers-up-to" => args.peers_up_to = value()?.parse()?,
            "--only" => args.only = value()?.split(',').map(str::to_string).collect(),
            "--tables" => args.tables = Some(value()?),
            "--concurrency" => args.concurrency = value()?.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--bandwidth" => args.bandwidth = value()?.split(',').map(bits_per_second).collect::<Result<_, _>>()?,
            "--churn" => args.churn = value()?.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--kubequery" => args.kubequery = PathBuf::from(value()?),
            other => bail!("unknown argument {other}; see the top of tests/bench/src/main.rs"),
        }
    }
    if !args.kubequery.is_file() {
        bail!("{} does not exist; run `cargo build --release` first", args.kubequery.display());
    }
    Ok(args)
}

/// `100M`, `1G` or a plain number of bits per second (0: no limit).
fn bits_per_second(text: &str) -> anyhow::Result<u64> {
    let (number, unit) = match text.strip_suffix(['k', 'K', 'm', 'M', 'g', 'G']) {
        Some(number) => (number, text[number.len()..].to_ascii_uppercase()),
        None => (text, String::new()),
    };
    let scale = match unit.as_str() {
        "K" => 1_000,
        "M" => 1_000_000,
        "G" => 1_000_000_000,
        _ => 1,
    };
    Ok(number.parse::<u64>().with_context(|| format!("--bandwidth {text}: like 100M or 1G"))? * scale)
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap_or_else(|_| PathBuf::from("."))
}

fn main() -> anyhow::Result<()> {
    // glibc returns large blocks to the kernel on free, so every native conversion of a
    // page would pay page faults that a component (whose linear memory stays mapped) does
    // not: keep freed memory, as the component's allocator does.
    for (parameter, value) in [(libc::M_MMAP_THRESHOLD, 1 << 30), (libc::M_TRIM_THRESHOLD, 1 << 30)] {
        // SAFETY: mallopt only tunes the allocator; called before any other thread exists.
        unsafe { libc::mallopt(parameter, value) };
    }
    let mut argv = std::env::args().skip(1).peekable();
    if argv.peek().map(String::as_str) == Some(measure::SPAWNER) {
        measure::spawner_main(argv.skip(1));
    }
    let args = parse_args()?;
    let scratch = repo().join("target/bench");
    std::fs::create_dir_all(&scratch)?;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    println!("# kubequery benchmark\n");
    println!("- binary: {} ({:.1} MB)", args.kubequery.display(), mb(std::fs::metadata(&args.kubequery)?.len()));
    println!("- machine: {cores} cores; pods: {:?}; runs per query: {} (median)\n", args.pod_size, args.runs);

    if args.only.iter().any(|o| o == "queries") {
        // Compile every component once so that no query pays for it.
        measure::run(
            Command::new(&args.kubequery)
                .env("KUBEQUERY_CACHE_DIR", scratch.join("cache"))
                .args(["query", "--demo", "SELECT 1"]),
        )?;
        for &size in &args.sizes {
            queries(&args, size, &scratch)?;
        }
    }
    if args.only.iter().any(|o| o == "conversion") {
        conversion(args.pod_size, args.tables.as_deref())?;
    }
    if args.only.iter().any(|o| o == "start") {
        start(&args, &scratch)?;
    }
    if args.only.iter().any(|o| o == "load") {
        load(&args, &scratch)?;
    }
    if args.only.iter().any(|o| o == "network") {
        network(&args, &scratch)?;
    }
    if args.only.iter().any(|o| o == "watch") {
        watch_cache(&args, &scratch)?;
    }
    Ok(())
}

/// The pods query through a link of each bandwidth, with kubequery's gzip on (the default)
/// and off (`disable-compression: true` in the kubeconfig), beside downloading the pages
/// plain and gzipped with no client library.
fn network(args: &Args, scratch: &Path) -> anyhow::Result<()> {
    println!("## Through a network link (pods query, 4 columns; gzip as kube-apiserver does it)\n");
    println!(
        "| pods | link | download plain (s) | download gzip (s) | kubequery, gzip off (s) | kubequery, gzip on (s) | on ÷ gzip download | MB on the wire (plain / gzip) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for &size in &args.sizes {
        let cluster = cluster::serve(size, args.pod_size, scratch)?;
        for &bits in &args.bandwidth {
            cluster.server.set_bandwidth((bits > 0).then_some(bits / 8));
            let plain = floor::download(&cluster.server.url(), "/api/v1/pods", 500, false)?;
            let gzip = floor::download(&cluster.server.url(), "/api/v1/pods", 500, true)?;
            let mut walls = Vec::new();
            for kubeconfig in [&cluster.kubeconfig_without_gzip, &cluster.kubeconfig] {
                let mut runs = Vec::new();
                for _ in 0..args.runs {
                    let run = measure::run(
                        Command::new(&args.kubequery)
                            .env("KUBEQUERY_CACHE_DIR", scratch.join("cache"))
                            .args(["query", "--kubeconfig"])
                            .arg(kubeconfig)
                            .args(["-o", "jsonl", PODS_QUERY]),
                    )?;
                    runs.push(run.wall);
                }
                walls.push(measure::median(runs));
            }
            let link = if bits > 0 { format!("{} Mbit/s", bits / 1_000_000) } else { "loopback".to_string() };
            println!(
                "| {size} | {link} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} / {:.1} |",
                secs(plain.elapsed),
                secs(gzip.elapsed),
                secs(walls[0]),
                secs(walls[1]),
                secs(walls[1]) / secs(gzip.elapsed),
                mb(plain.wire_bytes as u64),
                mb(gzip.wire_bytes as u64)
            );
        }
        cluster.server.set_bandwidth(None);
    }
    println!();
    Ok(())
}

fn queries(args: &Args, size: usize, scratch: &Path) -> anyhow::Result<()> {
    let generated = Instant::now();
    let cluster = cluster::serve(size, args.pod_size, scratch)?;
    println!(
        "## {} pods ({} nodes; median pod {:.1} KB, {:.0} MB of pods; generated in {:.1} s)\n",
        cluster.pods,
        cluster.nodes,
        cluster.median_pod_bytes as f64 / 1024.0,
        mb(cluster.pod_bytes as u64),
        generated.elapsed().as_secs_f64()
    );

    let download = floor::download(&cluster.server.url(), "/api/v1/pods", 500, false)?;
    let convert = native::convert("kubernetes_pods").context("native kubernetes_pods")?;
    // The columns of the first query, which the floor is for.
    let request = native::request("kubernetes_pods", Some(&["name", "namespace", "node_name", "phase"]))
        .context("native kubernetes_pods")?;
    let parsed = Instant::now();
    for page in &download.pages {
        convert(page, &request).map_err(anyhow::Error::msg)?;
    }
    let parse = parsed.elapsed();
    let floor = download.elapsed + parse;
    println!(
        "Transport floor: {} pages, {:.0} MB downloaded in {:.3} s, converted natively in {:.3} s: **{:.3} s**.\n",
        download.pages.len(),
        mb(download.bytes() as u64),
        secs(download.elapsed),
        secs(parse),
        secs(floor)
    );
    println!("| query | wall (s) | × floor | peak RSS (MB) | rows | rows/s | API requests | MB served |");
    println!("|---|---|---|---|---|---|---|---|");
    for (label, options, sql) in QUERIES {
        let kubeconfig = if label.ends_with(GZIP_OFF) { &cluster.kubeconfig_without_gzip } else { &cluster.kubeconfig };
        let mut walls = Vec::new();
        let (mut rss, mut rows, mut requests, mut served) = (0, 0, 0, 0);
        for _ in 0..args.runs {
            cluster.server.clear_requests();
            let run = measure::run(
                Command::new(&args.kubequery)
                    .env("KUBEQUERY_CACHE_DIR", scratch.join("cache"))
                    .args(["query", "--kubeconfig"])
                    .arg(kubeconfig)
                    .args(*options)
                    .args(["-o", "jsonl", sql]),
            )?;
            walls.push(run.wall);
            rss = rss.max(run.peak_rss);
            rows = run.lines;
            requests = cluster.server.requests().len();
            served = cluster.server.bytes_served();
        }
        let wall = measure::median(walls);
        println!(
            "| {label} | {:.3} | {:.1} | {:.0} | {rows} | {:.0} | {requests} | {:.1} |",
            secs(wall),
            secs(wall) / secs(floor),
            mb(rss),
            rows as f64 / secs(wall),
            mb(served)
        );
    }
    if size <= args.peers_up_to {
        peers(&cluster)?;
    } else {
        println!("\n(peers skipped above {} pods; --peers-up-to changes it)", args.peers_up_to);
    }
    println!();
    Ok(())
}

/// kubectl, kubectl + jq and k8sql on the same cluster, each with the requests it made and
/// the bytes the server sent it (which show whether it accepted gzip).
fn peers(cluster: &cluster::Cluster) -> anyhow::Result<()> {
    let kubeconfig = cluster.kubeconfig.display().to_string();
    let served = || format!("{} | {:.1}", cluster.server.requests().len(), mb(cluster.server.bytes_served()));
    cluster.server.clear_requests();
    let kubectl =
        measure::run(Command::new("kubectl").args(["--kubeconfig", &kubeconfig, "get", "pods", "-A", "-o", "json"]));
    match kubectl {
        Ok(run) => println!(
            "| `kubectl get pods -A -o json` (no jq) | {:.3} | | {:.0} | {:.0} MB of JSON | | {} |",
            secs(run.wall),
            mb(run.peak_rss),
            mb(run.bytes as u64),
            served()
        ),
        Err(e) => println!("| kubectl | failed: {e} | | | | | |"),
    }
    let jq = "kubectl --kubeconfig \"$1\" get pods -A -o json | jq -c '.items[] | [.metadata.name, .metadata.namespace, .spec.nodeName, .status.phase]'";
    if Command::new("jq").arg("--version").output().is_ok() {
        cluster.server.clear_requests();
        let run = measure::run(Command::new("sh").args(["-c", jq, "sh", &kubeconfig]))?;
        println!(
            "| kubectl + jq (4 columns) | {:.3} | | {:.0} (largest process) | {} | | {} |",
            secs(run.wall),
            mb(run.peak_rss),
            run.lines,
            served()
        );
    } else {
        println!("| kubectl + jq | jq is not installed | | | | | |");
    }
    if Command::new("k8sql").arg("--version").output().is_ok() {
        cluster.server.clear_requests();
        let run = measure::run(
            Command::new("k8sql")
                .env("KUBECONFIG", &kubeconfig)
                .args(["-q", "SELECT name, namespace, spec->>'nodeName', status->>'phase' FROM pods"]),
        )?;
        println!(
            "| k8sql (4 columns) | {:.3} | | {:.0} | {} | | {} |",
            secs(run.wall),
            mb(run.peak_rss),
            run.lines,
            served()
        );
    } else {
        println!("| k8sql | not installed (`cargo install k8sql`) | | | | | |");
    }
    Ok(())
}

fn conversion(pod_size: PodSize, tables: Option<&str>) -> anyhow::Result<()> {
    println!("## Conversion: wasm component vs the same code native (one page of 500 objects)\n");
    println!("| table | page (KB) | rows | wasm (µs) | native (µs) | wasm ÷ native |");
    println!("|---|---|---|---|---|---|");
    let results = conversion::measure(pod_size, tables)?;
    let (mut wasm_total, mut native_total, mut log_sum) = (Duration::ZERO, Duration::ZERO, 0.0);
    for c in &results {
        let ratio = secs(c.wasm) / secs(c.native).max(1e-9);
        log_sum += ratio.ln();
        wasm_total += c.wasm;
        native_total += c.native;
        println!(
            "| {} | {:.0} | {} | {:.0} | {:.0} | {:.2} |",
            c.table,
            c.page_bytes as f64 / 1024.0,
            c.rows,
            c.wasm.as_secs_f64() * 1e6,
            c.native.as_secs_f64() * 1e6,
            ratio
        );
    }
    println!(
        "\nAll {} tables: wasm {:.1} ms, native {:.1} ms, total ratio **{:.2}**, geometric mean of ratios {:.2}.\n",
        results.len(),
        wasm_total.as_secs_f64() * 1e3,
        native_total.as_secs_f64() * 1e3,
        secs(wasm_total) / secs(native_total),
        (log_sum / results.len().max(1) as f64).exp()
    );
    Ok(())
}

fn watch_cache(args: &Args, scratch: &Path) -> anyhow::Result<()> {
    println!("## The watch cache against listing: the deployment's query pack (docs/deploy/osquery.conf)\n");
    let pack = watch::pack(&repo())?;
    let churn_columns: String =
        args.churn.iter().map(|c| format!(" MB/hour watching, {c} %/min churn: pods/min, MB, fewer bytes |")).collect();
    println!(
        "| pods | pack listed: s, requests, MB | first pack cached | pack cached | pods query listed / cached: first, again, after churn (s) | MB/hour listing |{churn_columns} cache holds | shell RSS, pack ×2 cached |"
    );
    println!("|---|---|---|---|---|---|{}---|---|", "---|".repeat(args.churn.len()));
    for &size in &args.sizes {
        let cluster = cluster::serve(size, args.pod_size, scratch)?;
        let r = watch::measure(&cluster, &pack, &args.churn, args.runs, &args.kubequery, scratch)?;
        let run = |(wall, requests, bytes): (Duration, usize, u64)| {
            format!("{:.2}, {requests}, {:.1}", secs(wall), mb(bytes))
        };
        let churn: String = r
            .churn
            .iter()
            .map(|c| {
                format!(
                    " {}, {:.0}, {:.1}× |",
                    c.pods_per_minute,
                    mb(c.watch_bytes_per_hour as u64),
                    r.list_bytes_per_hour / c.watch_bytes_per_hour.max(1.0)
                )
            })
            .collect();
        println!(
            "| {size} | {} | {} | {} | {:.3} / {:.3}, {:.3}, {} | {:.0} |{churn} {:.0} MB | {:.0} MB |",
            run(r.listed),
            run(r.first_cached),
            run(r.cached),
            secs(r.pods_listed),
            secs(r.pods_cached_first),
            secs(r.pods_cached),
            r.pods_after_churn.map_or("—".to_string(), |t| format!("{:.3}", secs(t))),
            mb(r.list_bytes_per_hour as u64),
            mb(r.cache_bytes),
            mb(r.shell_rss)
        );
    }
    println!();
    Ok(())
}

fn load(args: &Args, scratch: &Path) -> anyhow::Result<()> {
    println!("## The osquery extension under load (N concurrent generate calls of kubernetes_pods)\n");
    let Some(peer) = OsqueryPeer::find() else { return Ok(()) };
    println!("Default memory budget (768 MiB without a container limit); pings every 3 s.\n");
    println!(
        "| pods | N | wall (s) | median call (s) | slowest call (s) | peak RSS (MiB) | failed calls | registered throughout |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for &size in &args.sizes {
        let cluster = cluster::serve(size, args.pod_size, scratch)?;
        for &n in &args.concurrency {
            let run = load::measure(&args.kubequery, &peer, &cluster.kubeconfig, n)?;
            println!(
                "| {size} | {n} | {:.1} | {:.1} | {:.1} | {:.0} | {} | {} |",
                run.seconds,
                run.median_call,
                run.slowest_call,
                mb(run.peak_rss),
                run.failed,
                if run.survived { "yes" } else { "**no**" }
            );
        }
    }
    println!();
    Ok(())
}

fn start(args: &Args, scratch: &Path) -> anyhow::Result<()> {
    println!("## Extension start-up (launch → registered with the fake osqueryd)\n");
    let Some(peer) = OsqueryPeer::find() else { return Ok(()) };
    let started = start::measure(&args.kubequery, &peer.python, &peer.script, scratch)?;
    println!("| start | time (ms) | tables registered |");
    println!("|---|---|---|");
    println!("| first (empty cache) | {:.0} | {} |", started.cold.as_secs_f64() * 1e3, started.tables);
    println!("| later (cache warm) | {:.0} | {} |\n", started.warm.as_secs_f64() * 1e3, started.tables);
    Ok(())
}

/// The osquery peer (tests/osquery/peer.py) and the test virtualenv's Python that runs it.
pub struct OsqueryPeer {
    pub python: PathBuf,
    pub script: PathBuf,
}

impl OsqueryPeer {
    /// The peer, or `None` (saying so in the output) when the test virtualenv is missing.
    fn find() -> Option<Self> {
        let python = repo().join("target/test-venv/bin/python");
        if !python.is_file() {
            println!("(skipped: {} is missing; `.ci/run` or `cargo test` creates it)\n", python.display());
            return None;
        }
        Some(OsqueryPeer { python, script: repo().join("tests/osquery/peer.py") })
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
