#![no_main]
//! See `kubequery::fuzz::packed_rows` for what this target checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubequery::fuzz::packed_rows(data));
