//! `kubequery extension`: serve the tables to osqueryd.

use std::process::ExitCode;
use std::sync::Arc;

use kubequery::sql::GenericTables;
use std::time::Duration;

use clap::Args;
use kubequery::budget::{Bytes, default_budget};
use kubequery::catalog::Loading;
use kubequery::osquery::{CallLimits, ExtensionOptions, MAX_RESPONSE_BYTES, serve};
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
    /// Memory for the whole process (768Mi, 1Gi, …); concurrent calls wait for their share
    /// [default: 3/4 of the container's memory limit, else 768Mi]
    #[arg(long, env = "KUBEQUERY_MEMORY_BUDGET", value_name = "SIZE")]
    memory_budget: Option<Bytes>,
    /// The longest one call may take, waiting for memory included (osqueryd's --thrift_timeout)
    /// [default: 300]
    #[arg(long, env = "KUBEQUERY_CALL_TIMEOUT", value_name = "SECONDS")]
    call_timeout: Option<u64>,
    /// The most bytes of rows one answer may carry (osqueryd refuses messages over 100 MiB)
    /// [default: 96Mi]
    #[arg(long, env = "KUBEQUERY_MAX_RESPONSE", value_name = "SIZE")]
    max_response: Option<Bytes>,
    /// Also register a generic table (k8s_*) for every resource discovery lists at start that
    /// no typed table reads (docs/generic-tables.md); needs RBAC to list them [default: off]
    #[arg(long, env = "KUBEQUERY_GENERIC_TABLES", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = clap::builder::BoolishValueParser::new())]
    generic_tables: Option<bool>,
    /// With --generic-tables, seconds between discoveries of the resources served; when they
    /// changed (a CRD created or deleted), the extension exits so that osqueryd starts it
    /// again and it registers the new set; 0: never [default: 600]
    #[arg(long, env = "KUBEQUERY_GENERIC_TABLES_REFRESH", value_name = "SECONDS")]
    generic_tables_refresh: Option<u64>,
    #[command(flatten)]
    pub source: SourceArgs,
}

pub fn run(settings: Settings, args: &ExtensionArgs) -> anyhow::Result<ExitCode> {
    let memory_budget = args.memory_budget.or(settings.memory_budget).unwrap_or_else(default_budget);
    let settings = settings.for_extension(memory_budget);
    // The memory budget subtracts what the extension holds when it starts serving: that must
    // include the code of every table osqueryd may call, not only of those called so far.
    let catalog = settings.catalog(Loading::AtStart)?;
    let generic = args.generic_tables.or(settings.generic_tables).unwrap_or(false);
    let source = settings.source(Some(&catalog), generic)?;
    let mut tables: Vec<Arc<_>> = catalog.tables().cloned().collect();
    // osqueryd learns the tables once, at registration: the resources served now, looked up
    // again every `refresh` so that a change makes the extension start over.
    let mut changes = None;
    if generic && let Some(template) = catalog.generic() {
        let discover = GenericTables::new(template.clone(), source.clone(), &tables);
        let generic = discover.all();
        tracing::info!("serving {} generic resource tables", generic.len());
        let registered: Vec<String> = generic.iter().map(|t| t.schema.name.clone()).collect();
        tables.extend(generic);
        let refresh = args.generic_tables_refresh.or(settings.generic_tables_refresh).unwrap_or(600);
        if refresh > 0 {
            changes = Some(ResourceChanges { discover, registered, every: Duration::from_secs(refresh) });
        }
    }
    let options = ExtensionOptions {
        socket: args.socket.clone(),
        timeout: Duration::from_secs(args.timeout),
        interval: Duration::from_secs(args.interval.max(1)),
        memory_budget,
        reserved: Bytes(settings.live.watch_cache.as_ref().map_or(0, |cache| cache.max_bytes as u64)),
        call_limits: CallLimits {
            call_timeout: Duration::from_secs(args.call_timeout.or(settings.call_timeout).unwrap_or(300).max(1)),
            max_response: args
                .max_response
                .or(settings.max_response)
                .map_or(MAX_RESPONSE_BYTES, |size| usize::try_from(size.0).unwrap_or(usize::MAX)),
        },
    };
    let changed = Arc::new(std::sync::Mutex::new(None));
    let reason = serve(&tables, &source, &options, |stop| {
        if let Some(changes) = changes {
            let changed = changed.clone();
            std::thread::spawn(move || {
                let what = changes.wait();
                *changed.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(what);
                stop.stop();
            });
        }
    })?;
    if let Some(what) = changed.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() {
        // Exiting non-zero lets osqueryd's watchdog (or Kubernetes) start the extension again.
        eprintln!(
            "kubequery: the cluster's resources changed ({what}); exiting so that osqueryd restarts the extension and it registers them"
        );
        return Ok(ExitCode::FAILURE);
    }
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

/// The generic tables registered, and how to look for a change in the resources served.
struct ResourceChanges {
    discover: GenericTables,
    registered: Vec<String>,
    every: Duration,
}

impl ResourceChanges {
    /// Waits until the generic tables the source's resources make differ from those
    /// registered, and says how: `new: k8s_a, k8s_b; gone: k8s_c`.
    fn wait(self) -> String {
        let registered: std::collections::BTreeSet<String> = self.registered.into_iter().collect();
        loop {
            std::thread::sleep(self.every);
            // A discovery that fails lists nothing: that is no reason to start over.
            let now: std::collections::BTreeSet<String> = self.discover.rediscover().into_iter().collect();
            if now.is_empty() {
                continue;
            }
            let new: Vec<&str> = now.difference(&registered).map(String::as_str).collect();
            let gone: Vec<&str> = registered.difference(&now).map(String::as_str).collect();
            if new.is_empty() && gone.is_empty() {
                continue;
            }
            let mut what = Vec::new();
            if !new.is_empty() {
                what.push(format!("new: {}", new.join(", ")));
            }
            if !gone.is_empty() {
                what.push(format!("gone: {}", gone.join(", ")));
            }
            return what.join("; ");
        }
    }
}
