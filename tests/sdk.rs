//! The table SDK's own unit tests (timestamps, UUIDs, JSON compaction). The SDK lives in the
//! tables/ workspace, which is built for wasm32-wasip2; its tests run natively here so that
//! `cargo test` at the top covers them.

use crate::common;

#[test]
fn sdk_unit_tests_pass() {
    let output = common::guest::cargo(&common::repo().join("tables"))
        .args(["test", "-p", "kubequery-table-sdk", "--lib", "--target-dir"])
        .arg(common::target_dir().join("sdk-tests"))
        .output()
        .expect("running cargo test for the SDK");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "SDK tests failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("test result: ok"), "{stdout}");
}
