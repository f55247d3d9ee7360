#![no_main]
//! See `kubequery::fuzz::thrift_request` for what this target checks.

libfuzzer_sys::fuzz_target!(|data: &[u8]| kubequery::fuzz::thrift_request(data));
