//! `kubequery shell`, driven through a real pseudo-terminal (tests/shell/drive.py, Python's
//! own `pty`), keystroke by keystroke.

use crate::common;

use std::path::Path;

use kubequery_fixture_apiserver::{FixtureServer, Store, synthetic};
use serde_json::{Value, json};

/// Runs the shell with `args` in a pseudo-terminal through `steps`; returns the transcript.
fn drive(name: &str, args: &[&str], steps: &Value) -> String {
    let dir = common::scratch(name);
    let steps_file = dir.join("steps.json");
    std::fs::write(&steps_file, steps.to_string()).expect("writing steps");
    let output = std::process::Command::new(common::python())
        .arg(common::repo().join("tests/shell/drive.py"))
        .arg(&steps_file)
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_kubequery"))
        .args(args)
        .env("KUBEQUERY_CACHE_DIR", common::cache_dir())
        .env("KUBEQUERY_HISTORY", dir.join("history"))
        .env("TERM", "xterm")
        .output()
        .expect("running tests/shell/drive.py");
    let transcript = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{transcript}\n{}", String::from_utf8_lossy(&output.stderr));
    transcript
}

fn history(name: &str) -> String {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scratch").join(name).join("history");
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn statements_dot_commands_completion_and_ctrl_d() {
    let prompt = json!({"expect": "kubequery> "});
    drive(
        "shell-basics",
        &["shell", "--demo"],
        &json!([
            prompt,
            // A statement over two lines, finished by `;`.
            {"send": "SELECT namespace, count(*) AS pods\r"},
            {"send": "FROM kubernetes_pods GROUP BY 1;\r"},
            {"expect": r"\| kube-system \| 9 +\|"},
            prompt,
            {"send": ".tables pod_vol\r"},
            {"expect": "kubernetes_pod_volumes"},
            prompt,
            {"send": ".schema kubernetes_namespaces\r"},
            {"expect": "uid"},
            prompt,
            {"send": ".mode csv\r"},
            prompt,
            // Tab completes the table name.
            {"send": "SELECT name FROM kubernetes_namesp\t"},
            {"expect": "kubernetes_namespaces"},
            {"send": " WHERE name = 'shop';\r"},
            {"expect": r"name\r+\nshop\r+\n"},
            prompt,
            {"send": "SELECT * FROM kubernetes_podz;\r"},
            {"expect": "did you mean kubernetes_pods"},
            prompt,
            {"send": ".timer on\r"},
            prompt,
            {"send": "SELECT 42 AS answer;\r"},
            {"expect": r"answer\r+\n42\r+\nRun Time: "},
            prompt,
            {"send": ".mode nonsense\r"},
            {"expect": "unknown mode"},
            prompt,
            {"ctrl": "d"},
            {"exit": 0}
        ]),
    );
    let history = history("shell-basics");
    assert!(history.contains("SELECT 42 AS answer;") && history.contains(".tables pod_vol"), "{history}");
}

#[test]
fn ctrl_c_cancels_the_running_statement_and_keeps_the_shell() {
    let prompt = json!({"expect": "kubequery> "});
    drive(
        "shell-ctrl-c",
        &["shell", "--demo"],
        &json!([
            prompt,
            // Ctrl-C at the prompt drops the line being typed.
            {"send": "SELECT 'never run'"},
            {"ctrl": "c"},
            prompt,
            {"send": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;\r"},
            {"sleep": 1.0},
            {"ctrl": "c"},
            {"expect": "interrupted"},
            prompt,
            {"send": "SELECT 7 * 6 AS n;\r"},
            {"expect": r"\| 42 \|"},
            prompt,
            {"send": ".quit\r"},
            {"exit": 0}
        ]),
    );
    assert!(!history("shell-ctrl-c").contains("never run"));
}

#[test]
fn lists_are_reused_between_statements_until_refresh() {
    let mut store = Store::new();
    synthetic::realistic_cluster(&mut store, 50, synthetic::PodSize::Typical).expect("synthetic cluster");
    let server = FixtureServer::start(store).expect("starting the fixture server");
    let kubeconfig = common::scratch("shell-reuse-cluster").join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig("reuse")).expect("writing kubeconfig");
    let prompt = json!({"expect": "kubequery> "});
    let kubeconfig = kubeconfig.display().to_string();
    let lists = || server.requests().iter().filter(|r| r.path == "/api/v1/pods").count();
    drive(
        "shell-reuse",
        &["shell", "--kubeconfig", &kubeconfig, "-o", "csv"],
        &json!([
            prompt,
            {"send": "SELECT count(*) AS n FROM kubernetes_pods;\r"},
            {"expect": r"n\r+\n50\r+\n"},
            prompt,
            {"send": "SELECT count(DISTINCT namespace) AS n FROM kubernetes_pods;\r"},
            {"expect": r"n\r+\n\d+\r+\n"},
            prompt,
            {"send": ".refresh\r"},
            {"expect": "read again"},
            prompt,
            {"send": "SELECT count(*) AS n FROM kubernetes_pods;\r"},
            {"expect": r"n\r+\n50\r+\n"},
            prompt,
            {"ctrl": "d"},
            {"exit": 0}
        ]),
    );
    assert_eq!(lists(), 2, "one List before .refresh, one after");
}

#[test]
fn without_a_terminal_plain_kubequery_prints_help_instead_of_a_shell() {
    let output = common::kubequery().output().expect("running kubequery");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stdout).contains("shell"));
}

#[test]
fn generic_tables_are_listed_and_queried_in_the_shell() {
    let dir = common::scratch("shell-generic-snapshot");
    std::fs::create_dir_all(&dir).expect("snapshot dir");
    let lease = json!({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": "kube-scheduler", "namespace": "kube-system"},
        "spec": {"holderIdentity": "node-1"}
    });
    std::fs::write(dir.join("lease.json"), lease.to_string()).expect("lease");
    let prompt = json!({"expect": "kubequery> "});
    drive(
        "shell-generic",
        &["shell", "--snapshot", &dir.display().to_string()],
        &json!([
            prompt,
            {"send": ".tables k8s_\r"},
            {"expect": "k8s_leases_coordination_k8s_io"},
            prompt,
            {"send": ".schema k8s_leases_coordination_k8s_io\r"},
            {"expect": "object +TEXT +the whole object"},
            prompt,
            {"send": ".mode csv\r"},
            prompt,
            {"send": "SELECT json_extract(spec, '$.holderIdentity') AS holder FROM k8s_leases_coordination_k8s_io;\r"},
            {"expect": r"holder\r+\nnode-1\r+\n"},
            prompt,
            {"ctrl": "d"},
            {"exit": 0}
        ]),
    );
}
