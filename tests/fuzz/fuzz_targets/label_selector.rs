#![no_main]
//! See `kubequery::fuzz::label_selector` for what this target checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubequery::fuzz::label_selector(data));
