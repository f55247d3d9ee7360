#![no_main]
//! See `kubequery::fuzz::snapshot_file` for what this target checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubequery::fuzz::snapshot_file("fuzz.json", data));
