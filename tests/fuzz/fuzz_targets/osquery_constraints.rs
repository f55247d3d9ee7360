#![no_main]
//! See `kubequery::fuzz::osquery_constraints` for what this target checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubequery::fuzz::osquery_constraints(data));
