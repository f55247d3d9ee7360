//! kubequery's integration tests: one binary (as ripgrep's), a module per area. They drive
//! the built `kubequery` and the library through the real parts: the fixture API server
//! over HTTP, osquery's Thrift protocol from Python's `osquery` package, SQLite, `kubectl`
//! and a pseudo-terminal. `cargo test --test tests MODULE::` runs one area.

mod common;

mod cli;
mod deploy;
mod docs;
mod generic;
mod live;
mod osquery;
mod realworld;
mod sandbox;
mod sdk;
mod secrets;
mod shell;
mod snapshot;
mod sql;
mod tables;
mod third_party;
mod watch;
