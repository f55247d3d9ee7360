//! Extension start-up: from launching `kubequery` the way osqueryd autoloads it until the
//! (fake, tests/osquery/peer.py) osqueryd has its registration with every table — the first
//! time (an empty cache) and later. The extension loads every table's code at start either
//! way (its memory budget counts it), so the two differ only by third-party tables.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

pub struct Start {
    pub cold: Duration,
    pub warm: Duration,
    pub tables: usize,
}

pub fn measure(kubequery: &Path, python: &Path, peer: &Path, scratch: &Path) -> anyhow::Result<Start> {
    let cache = scratch.join("start-cache");
    let _ = std::fs::remove_dir_all(&cache);
    let (cold, tables) = once(kubequery, python, peer, scratch, &cache)?;
    let mut warm = Vec::new();
    for _ in 0..5 {
        warm.push(once(kubequery, python, peer, scratch, &cache)?.0);
    }
    Ok(Start { cold, warm: crate::measure::median(warm), tables })
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn once(
    kubequery: &Path,
    python: &Path,
    peer: &Path,
    scratch: &Path,
    cache: &Path,
) -> anyhow::Result<(Duration, usize)> {
    let dir = scratch.join("start");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let socket = dir.join("em");
    let events = dir.join("events.jsonl");
    let _manager = Killed(
        Command::new(python)
            .arg(peer)
            .args(["manager", "--socket"])
            .arg(&socket)
            .arg("--events")
            .arg(&events)
            .stdout(Stdio::null())
            .spawn()
            .context("starting the fake osqueryd (tests/osquery/peer.py)")?,
    );
    wait_for(|| socket.exists(), "the fake osqueryd's socket")?;
    let started = Instant::now();
    let _extension = Killed(
        Command::new(kubequery)
            .arg("--socket")
            .arg(&socket)
            .args(["--timeout", "3", "--interval", "3"])
            .env("KUBEQUERY_DEMO", "1")
            .env("KUBEQUERY_CACHE_DIR", cache)
            .stderr(Stdio::null())
            .spawn()
            .context("starting kubequery")?,
    );
    let mut registered = None;
    wait_for(
        || {
            registered = registration(&events);
            registered.is_some()
        },
        "the registration",
    )?;
    Ok((started.elapsed(), registered.unwrap_or(0)))
}

/// The number of tables of a successful registration, once the manager recorded one.
fn registration(events: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(events).ok()?;
    text.lines().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()).find_map(|e| {
        (e["event"] == "register" && e["code"] == 0)
            .then(|| e["registry"]["table"].as_object().map_or(0, serde_json::Map::len))
    })
}

fn wait_for(mut done: impl FnMut() -> bool, what: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        if Instant::now() > deadline {
            bail!("timed out waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(())
}
