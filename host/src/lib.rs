//! kubequery: SQL over Kubernetes, every table a sandboxed WebAssembly component.
//!
//! The crate is organised by the path data takes:
//!
//! - [`sources`] fetch raw Kubernetes JSON, one List page at a time (live clusters, snapshots);
//! - [`secrets`] keeps Secret values out of every page a table sees;
//! - [`wasm`] runs each table's component in a sandbox that turns a page into typed rows;
//! - [`sql`] serves the tables to SQLite as virtual tables;
//! - [`catalog`] knows which tables exist (built-in and third-party);
//! - [`osquery`] serves the tables to osqueryd as an extension, within a [`budget`] of memory;
//! - [`output`] prints results; `main.rs` is the command line.

pub mod budget;
pub mod catalog;
#[doc(hidden)]
pub mod fuzz;
mod members;
pub mod osquery;
pub mod output;
pub mod report;
pub mod schema;
pub mod secrets;
pub mod sources;
pub mod sql;
pub mod text;
pub mod wasm;
