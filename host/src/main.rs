//! The `kubequery` command line.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse_from(cli::autoload_args(std::env::args_os().collect()));
    cli::init_logging(args.global.verbose);
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kubequery: error: {}", kubequery::text::escape_controls(&format!("{e:#}"), true));
            ExitCode::FAILURE
        }
    }
}
