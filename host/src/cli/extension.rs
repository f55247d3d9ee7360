//! `kubequery extension`: serve the tables to osqueryd.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use kubequery::osquery::{ExtensionOptions, serve};
use osquery_rust_ng::ShutdownReason;

use super::{Settings, SourceArgs};

#[derive(Args)]
pub struct ExtensionArgs {
    /// osqueryd's extension manager socket (--extensions_socket)
    #[arg(long, value_name = "PATH")]
    socket: String,
    /// Seconds to wait for the socket and for each call to osqueryd (--extensions_timeout)
    #[arg(long, default_value_t = 3, value_name = "SECONDS")]
    timeout: u64,
    /// Seconds between health checks of osqueryd (--extensions_interval)
    #[arg(long, default_value_t = 3, value_name = "SECONDS")]
    interval: u64,
    #[command(flatten)]
    pub source: SourceArgs,
}

pub fn run(settings: &Settings, args: &ExtensionArgs) -> anyhow::Result<ExitCode> {
    let catalog = settings.catalog()?;
    let source = settings.source()?;
    let tables: Vec<Arc<_>> = catalog.tables().cloned().collect();
    let options = ExtensionOptions {
        socket: args.socket.clone(),
        timeout: Duration::from_secs(args.timeout),
        interval: Duration::from_secs(args.interval.max(1)),
    };
    let reason = serve(&tables, source, &options)?;
    match reason {
        ShutdownReason::Stopped | ShutdownReason::ShutdownRequested => {
            tracing::info!("stopped ({reason:?})");
            Ok(ExitCode::SUCCESS)
        }
        // Exiting non-zero lets osqueryd's watchdog (or Kubernetes) start a fresh extension.
        ShutdownReason::ManagerUnreachable(why) => {
            eprintln!("kubequery: error: osqueryd at {} is unreachable: {why}", args.socket);
            Ok(ExitCode::FAILURE)
        }
        ShutdownReason::Deregistered => {
            eprintln!("kubequery: error: osqueryd at {} no longer lists the kubequery extension", args.socket);
            Ok(ExitCode::FAILURE)
        }
        ShutdownReason::ManagerStoppedPinging(silent) => {
            eprintln!(
                "kubequery: error: osqueryd at {} has not pinged the extension for {} s",
                args.socket,
                silent.as_secs()
            );
            Ok(ExitCode::FAILURE)
        }
    }
}
