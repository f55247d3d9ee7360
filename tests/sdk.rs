//! The unit tests of the tables/ workspace: the SDK's (timestamps, UUIDs, JSON compaction)
//! and the generic component's JSONPath. That workspace is built for wasm32-wasip2; its tests
//! run natively here so that `cargo test` at the top covers them.

use crate::common;

#[test]
fn sdk_unit_tests_pass() {
    let output = common::guest::cargo(&common::repo().join("tables"))
        .args(["test", "-p", "kubequery-table-sdk", "-p", "kubequery_generic", "--lib", "--target-dir"])
        .arg(common::target_dir().join("sdk-tests"))
        .output()
        .expect("running cargo test for the SDK");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "SDK tests failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    // One result line per crate: neither may have been left out.
    assert_eq!(stdout.matches("test result: ok").count(), 2, "{stdout}");
}
