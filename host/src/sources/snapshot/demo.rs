//! The demo snapshot embedded in the binary (`host/demo/`), so `--demo` works anywhere.

include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));

/// Cluster name of the demo snapshot.
pub const DEMO_NAME: &str = "demo";

pub(super) fn files() -> impl Iterator<Item = (&'static str, &'static [u8])> {
    DEMO_FILES.iter().copied()
}
