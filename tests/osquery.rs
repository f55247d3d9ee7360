//! Extension mode against an independent osquery peer (tests/osquery/peer.py): a fake
//! osqueryd written with osquery's own Python Thrift bindings, which starts the real binary
//! the way osqueryd autoloads it.

use crate::common;

use std::time::Duration;

use kubequery_fixture_apiserver::{Fault, FixtureServer, Store, synthetic};

fn scenario(name: &str) {
    run_scenario(name, false);
}

/// Runs one scenario of the peer; `hostile` adds the hostile components as third-party tables.
fn run_scenario(name: &str, hostile: bool) {
    let output = common::osquery_peer(name, hostile.then(common::hostile_components), &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "scenario {name}:\n{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("ok {name}")), "{stdout}");
}

#[test]
fn registration_columns_and_generate_for_every_table() {
    scenario("protocol");
}

#[test]
fn waits_for_a_late_manager_socket() {
    scenario("socket_late");
}

#[test]
fn gives_up_when_the_socket_never_appears() {
    scenario("socket_never");
}

#[test]
fn duplicate_registration_exits_non_zero_with_the_reason() {
    scenario("duplicate");
}

#[test]
fn exits_within_5s_when_the_manager_is_killed() {
    scenario("manager_killed");
}

#[test]
fn exits_when_osqueryd_drops_the_extension() {
    scenario("deregistered");
}

#[test]
fn serves_20_concurrent_calls() {
    scenario("concurrent");
}

#[test]
fn shutdown_rpc_ends_cleanly() {
    scenario("shutdown_rpc");
}

#[test]
fn sigterm_ends_cleanly() {
    scenario("sigterm");
}

#[test]
fn a_failing_table_returns_a_failure_status_and_the_extension_lives_on() {
    run_scenario("failing_table", true);
}

#[test]
fn hostile_bytes_and_idle_connections_on_the_socket_cannot_stop_the_extension() {
    scenario("hostile_client");
}

#[test]
fn a_third_party_table_named_like_an_osquery_core_table_is_left_out_not_the_extension() {
    let dir = common::scratch("core-name-clash");
    for name in ["processes", "clash_survivor"] {
        let component = common::spelled_component(name, ("", "v1", "namespaces", "Namespace"), false);
        std::fs::copy(&component, dir.join(format!("{name}.wasm"))).expect("copy");
    }
    let output = common::osquery_peer("core_name_clash", Some(&dir), &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success() && stdout.contains("ok core_name_clash"), "{stdout}");
}

/// A fixture cluster of `pods` production-like pods, and a kubeconfig for it.
fn realistic_cluster(name: &str, pods: usize) -> (FixtureServer, String) {
    let mut store = Store::new();
    synthetic::realistic_cluster(&mut store, pods, synthetic::PodSize::Typical).expect("synthetic cluster");
    let server = FixtureServer::start(store).expect("starting the fixture server");
    let path = common::scratch(name).join("kubeconfig");
    std::fs::write(&path, server.kubeconfig(name)).expect("writing kubeconfig");
    (server, format!("KUBECONFIG={}", path.display()))
}

/// Budget the load tests give the extension: well above a debug build's ~60 MiB at rest,
/// far below what their calls would hold without one (50 calls of 2 000 pods: ~1.5 GiB).
const LOAD_BUDGET: u64 = 320 << 20;

/// `calls` concurrent full scans of the big tables mixed with small-table calls, with the
/// peer pinging every 3 s: every call answers, the extension stays registered, and its peak
/// resident memory stays under the budget.
fn under_load(name: &str, calls: usize) {
    let (_server, kubeconfig) = realistic_cluster(name, 2000);
    let mut peer = std::process::Command::new(common::python());
    peer.arg(common::repo().join("tests/osquery/peer.py"))
        .args(["load", "--kubequery", env!("CARGO_BIN_EXE_kubequery"), "--concurrency"])
        .arg(calls.to_string())
        .args([
            "--table",
            "kubernetes_pods",
            "--table",
            "kubernetes_pod_containers",
            "--small",
            "kubernetes_namespaces",
        ])
        .args(["--env", &kubeconfig, "--env", &format!("KUBEQUERY_MEMORY_BUDGET={LOAD_BUDGET}")])
        .arg("--env")
        .arg(format!("KUBEQUERY_CACHE_DIR={}", common::cache_dir().display()));
    let output = peer.output().expect("running the osquery peer");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("the peer's JSON report");
    let stderr = report["stderr_tail"].as_str().unwrap_or_default();
    assert_eq!(report["alive"], true, "the extension died:\n{stderr}");
    assert_eq!(report["registered"], true, "osqueryd's pings failed: {}\n{stderr}", report["ping_failures"]);
    let results = report["calls"].as_array().expect("calls");
    assert_eq!(results.len(), calls);
    for call in results {
        assert_eq!(call["code"], 0, "every call answers: {call}\n{stderr}");
        let expected = match call["table"].as_str() {
            Some("kubernetes_namespaces") => 1,
            _ => 2000,
        };
        assert!(call["rows"].as_u64().unwrap_or(0) >= expected, "{call}");
    }
    let peak = report["peak_rss"].as_u64().expect("peak RSS");
    assert!(peak < LOAD_BUDGET, "peak RSS {} MiB is over the {} MiB budget\n{stderr}", peak >> 20, LOAD_BUDGET >> 20);
    eprintln!("{calls} calls in {:.1} s, peak RSS {} MiB", report["seconds"].as_f64().unwrap_or(0.0), peak >> 20);
}

#[test]
fn twenty_concurrent_full_scans_stay_within_the_memory_budget_and_keep_the_extension_registered() {
    under_load("load-20", 20);
}

#[test]
fn fifty_concurrent_full_scans_stay_within_the_memory_budget_and_keep_the_extension_registered() {
    under_load("load-50", 50);
}

#[test]
fn a_call_the_caller_gave_up_on_is_stopped() {
    let (server, kubeconfig) = realistic_cluster("hang-up", 5000);
    server.set_faults(vec![Fault::Slow { resource: "pods".into(), delay: Duration::from_secs(1) }]);
    // A List stopped when its caller leaves: without the watch cache, whose own List runs for
    // the cache whoever asked (tests/watch.rs covers it).
    let output = common::osquery_peer("hang_up", None, &[kubeconfig, "KUBEQUERY_WATCH_CACHE=0".into()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success() && stdout.contains("ok hang_up"), "{stdout}");
    // Ten pages of pods; the caller left after the first, so the scan stopped soon after
    // (the source reads two pages ahead).
    std::thread::sleep(Duration::from_secs(3));
    let pages = server.requests().iter().filter(|r| r.path == "/api/v1/pods").count();
    assert!(pages <= 5, "the scan went on after the caller left: {pages} of 10 pages fetched");
}

#[test]
fn an_answer_over_the_response_cap_is_a_clear_failure_status() {
    scenario("response_cap");
}
