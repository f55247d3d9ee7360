//! Documentation that is generated from the code must match it.

use crate::common;

#[test]
fn schema_md_is_generated_from_the_components() {
    let output = common::kubequery().args(["schema", "--markdown"]).output().expect("running kubequery");
    assert!(output.status.success());
    let committed = std::fs::read_to_string(common::repo().join("docs/schema.md")).expect("docs/schema.md exists");
    assert!(
        committed == String::from_utf8_lossy(&output.stdout),
        "docs/schema.md is stale: regenerate it with `cargo run -- schema --markdown > docs/schema.md`"
    );
}

/// The commands of README.md's quick start (the ```sh block under "## Quick start"),
/// extracted the way `.ci/run` extracts them to run them.
fn quick_start_commands(readme: &str) -> Vec<&str> {
    let section = readme.split("\n## Quick start").nth(1).expect("README.md has a quick start");
    let block = section.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("a ```sh block");
    block.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).collect()
}

#[test]
fn readme_quick_start_is_two_commands_that_ci_runs_as_written() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).expect("README.md exists");
    let commands = quick_start_commands(&readme);
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert!(commands[0].starts_with("cargo run ") && commands[0].contains(" query --demo "), "{commands:?}");
    assert_eq!(commands[1], "cargo test");
    // CI runs what the README says instead of its own copy of it.
    let ci = std::fs::read_to_string(common::repo().join(".ci/run")).expect(".ci/run exists");
    assert!(ci.contains("README.md") && ci.contains("## Quick start"), "{ci}");
    assert!(!ci.lines().any(|l| l.trim() == "cargo test"), ".ci/run must not run its own `cargo test`");
}

#[test]
fn the_quick_start_query_answers_on_the_demo() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).expect("README.md exists");
    let command = quick_start_commands(&readme)[0];
    let sql = command.split(" --demo ").nth(1).expect("the demo query").trim().trim_matches('"');
    let output = common::kubequery().args(["query", "--demo", "-o", "csv", sql]).output().expect("running kubequery");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "namespace,count(*)\r\nkube-system,9\r\nmonitoring,4\r\nshop,6\r\n"
    );
}

/// Where the tests of `module::name` in the docs live: `lib` is the host crate's unit tests,
/// `osquery_rust_ng` the vendored crate's, anything else tests/<module>.rs.
fn test_sources(module: &str) -> Vec<std::path::PathBuf> {
    let repo = common::repo();
    let tree = |dir: std::path::PathBuf| -> Vec<std::path::PathBuf> {
        let mut files = Vec::new();
        let mut stack = vec![dir];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().filter_map(Result::ok) {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        files
    };
    match module {
        "lib" => tree(repo.join("host/src")),
        "osquery_rust_ng" => tree(repo.join("host/vendor/osquery-rust-ng/src")),
        other => vec![repo.join(format!("tests/{other}.rs"))],
    }
}

#[test]
fn every_test_the_threat_model_names_exists() {
    let sandbox = std::fs::read_to_string(common::repo().join("docs/sandbox.md")).expect("docs/sandbox.md");
    let mut checked = 0;
    for quoted in sandbox.split('`').skip(1).step_by(2) {
        let Some((module, path)) = quoted.split_once("::") else { continue };
        let known = module == "lib"
            || module == "osquery_rust_ng"
            || common::repo().join(format!("tests/{module}.rs")).is_file();
        if !known || path.is_empty() || path.contains(' ') {
            continue;
        }
        let name = path.rsplit("::").next().expect("a test name");
        if name == "*"
            || name == "tests"
            || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            continue;
        }
        let defined = test_sources(module)
            .iter()
            .filter_map(|file| std::fs::read_to_string(file).ok())
            .any(|text| text.contains(&format!("fn {name}(")));
        assert!(defined, "docs/sandbox.md names `{quoted}`, which no test defines");
        checked += 1;
    }
    assert!(checked > 20, "the threat model names its tests ({checked} found)");
}
