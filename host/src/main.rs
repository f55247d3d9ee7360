//! The `kubequery` command line.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse_from(cli::autoload_args(std::env::args_os().collect()));
    tune_the_allocator(args.serves_osquery());
    cli::log::init(args.global.verbose);
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            let message = kubequery::report::chain(e.as_ref());
            eprintln!("kubequery: error: {}", kubequery::text::escape_controls(&message, true));
            ExitCode::FAILURE
        }
    }
}

/// Sets where glibc maps large blocks on their own, for what the process does. Both settings
/// are fixed thresholds: glibc's default moves its threshold up to the largest block freed
/// (up to 32 MiB), after which freed pages, answers and row buffers stay in per-thread arenas.
///
/// - The osquery extension's memory budget counts what its calls hold, so resident memory
///   must follow it: every block above 256 KiB is mapped on its own and unmapped when freed.
///   Measured with 12 concurrent calls of 10 000 pods: 803 MiB peak RSS without, 680 MiB
///   with (docs/performance.md).
/// - A query reads List pages of ~3.7 MB (500 typical pods) one after another; mapping and
///   unmapping each, and faulting its pages in again, took a quarter of the pods query's
///   time. Up to 4 MiB, blocks come from the heap and are reused (and the heap is trimmed
///   only past 8 MiB free at its top); larger ones (pages of 18 KB objects) are still mapped
///   on their own, which keeps their memory bounded: 30 000 typical pods 0.64 s → 0.46 s
///   at 88 → 110 MB, 10 000 large pods 0.42 s → 0.37 s at 109 → 141 MB, without gzip.
fn tune_the_allocator(serves_osquery: bool) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let settings: &[(libc::c_int, libc::c_int)] = if serves_osquery {
            &[(libc::M_MMAP_THRESHOLD, 256 << 10)]
        } else {
            &[(libc::M_MMAP_THRESHOLD, 4 << 20), (libc::M_TRIM_THRESHOLD, 8 << 20)]
        };
        for &(parameter, value) in settings {
            // SAFETY: mallopt only sets an allocator parameter; it is called before any other
            // thread exists, and a rejected value (it returns 0) leaves glibc's default in place.
            unsafe { libc::mallopt(parameter, value) };
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = serves_osquery;
}
