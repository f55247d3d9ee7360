//! Extension mode against an independent osquery peer (tests/osquery/peer.py): a fake
//! osqueryd written with osquery's own Python Thrift bindings, which starts the real binary
//! the way osqueryd autoloads it.

mod common;

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
