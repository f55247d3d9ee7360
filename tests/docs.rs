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
