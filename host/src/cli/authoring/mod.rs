//! `kubequery table …`: tools for table authors.

mod diff;
mod new;
mod test;

use std::process::ExitCode;

use clap::Subcommand;

use super::Settings;

#[derive(Subcommand)]
pub enum TableCommand {
    /// Run a table component on fixture files, in the sandbox and with the limits a query
    /// uses, and print its rows or compare them with a golden file
    Test(test::TestArgs),
    /// Create a Rust table crate that carries the SDK and the WIT it targets, so it builds
    /// anywhere with crates.io alone
    New(new::NewArgs),
}

pub fn run(settings: &Settings, command: TableCommand) -> anyhow::Result<ExitCode> {
    match command {
        TableCommand::Test(args) => test::run(settings, args),
        TableCommand::New(args) => new::run(&args),
    }
}
