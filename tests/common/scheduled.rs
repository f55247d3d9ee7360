//! osqueryd's scheduled queries, as the osquery peer (`tests/osquery/peer.py generate`) makes
//! them against a running extension.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// osqueryd's scheduled queries, by the osquery peer: one `generate` call per table asked for.
pub struct ScheduledQueries {
    peer: std::process::Child,
    /// Closed to end the peer, which then stops the extension and its manager.
    stdin: Option<std::process::ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl ScheduledQueries {
    pub fn start(env: &[String]) -> Self {
        let mut command = Command::new(super::python());
        command
            .arg(super::repo().join("tests/osquery/peer.py"))
            .args(["generate", "--kubequery", env!("CARGO_BIN_EXE_kubequery")])
            .env("KUBEQUERY_CACHE_DIR", super::cache_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        for variable in env {
            command.args(["--env", variable]);
        }
        let mut peer = command.spawn().expect("the osquery peer");
        let stdin = peer.stdin.take().expect("stdin");
        let stdout = peer.stdout.take().expect("stdout");
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let queries = ScheduledQueries { peer, stdin: Some(stdin), lines };
        let ready = queries.next_line();
        assert_eq!(ready["ready"], true, "the extension did not register: {ready}");
        queries
    }

    fn next_line(&self) -> Value {
        let line = self.lines.recv_timeout(Duration::from_secs(120)).expect("an answer from the osquery peer");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }

    /// The rows osquery gets from `table`, as osquery would store them: every column's text.
    pub fn generate_rows(&mut self, table: &str) -> Vec<Value> {
        use std::io::Write;
        writeln!(self.stdin.as_mut().expect("the peer is running"), "{table}").expect("asking the peer");
        let answer = self.next_line();
        assert_eq!(answer["code"], 0, "{answer}");
        answer["response"].as_array().expect("rows").clone()
    }

    /// Waits for the extension to exit on its own: its exit status and stderr.
    pub fn wait_for_exit(&mut self) -> (i64, String) {
        use std::io::Write;
        writeln!(self.stdin.as_mut().expect("the peer is running"), "!exit").expect("asking the peer");
        let answer = self.next_line();
        let code = answer["exit"].as_i64().unwrap_or_else(|| panic!("the extension did not exit: {answer}"));
        (code, answer["stderr"].as_str().unwrap_or_default().to_string())
    }

    /// The rows osquery gets from `table`, each as its `(name, phase)` or `(name, "")`.
    pub fn generate(&mut self, table: &str) -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = self
            .generate_rows(table)
            .iter()
            .map(|row| {
                let text = |column: &str| row[column].as_str().unwrap_or("").to_string();
                (text("name"), text("phase"))
            })
            .collect();
        rows.sort();
        rows
    }
}

impl Drop for ScheduledQueries {
    fn drop(&mut self) {
        drop(self.stdin.take());
        for _ in 0..100 {
            if !matches!(self.peer.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.peer.kill();
        let _ = self.peer.wait();
    }
}
