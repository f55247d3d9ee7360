#![no_main]
//! See `kubequery::fuzz::row_validation` for what this target checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubequery::fuzz::row_validation(data));
