//! Documentation that is generated from the code must match it.

mod common;

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

#[test]
fn readme_quick_start_is_the_tested_command() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).expect("README.md exists");
    assert!(readme.contains(
        "cargo run --release -- query --demo \"SELECT namespace, count(*) FROM kubernetes_pods GROUP BY 1\"\n"
    ));
    assert!(readme.contains("\ncargo test\n"));
}

/// Where the tests of `binary::name` in the docs live: `lib` is the host crate's unit tests,
/// `osquery_rust_ng` the vendored crate's, anything else tests/<binary>.rs.
fn test_sources(binary: &str) -> Vec<std::path::PathBuf> {
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
    match binary {
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
        let Some((binary, path)) = quoted.split_once("::") else { continue };
        let known = binary == "lib"
            || binary == "osquery_rust_ng"
            || common::repo().join(format!("tests/{binary}.rs")).is_file();
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
        let defined = test_sources(binary)
            .iter()
            .filter_map(|file| std::fs::read_to_string(file).ok())
            .any(|text| text.contains(&format!("fn {name}(")));
        assert!(defined, "docs/sandbox.md names `{quoted}`, which no test defines");
        checked += 1;
    }
    assert!(checked > 20, "the threat model names its tests ({checked} found)");
}
