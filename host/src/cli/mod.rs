//! Command-line arguments and the commands they select.

mod query;
mod tables;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use kubequery::catalog::Catalog;
use kubequery::output::Format;
use kubequery::wasm::{Limits, Origin, Runtime, default_cache_dir};

#[derive(Parser)]
#[command(
    name = "kubequery",
    version,
    about = "SQL over Kubernetes clusters; every table is a sandboxed WebAssembly component"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
pub struct GlobalArgs {
    /// Log more: -v info, -vv debug, -vvv trace (KUBEQUERY_LOG takes a tracing filter)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Where compiled table components are cached [default: $XDG_CACHE_HOME/kubequery or ~/.cache/kubequery]
    #[arg(long, env = "KUBEQUERY_CACHE_DIR", global = true, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Compile table components in memory at every start instead of caching them
    #[arg(long, global = true)]
    no_cache: bool,
    /// Load every third-party table component (*.wasm) in DIR; repeatable
    #[arg(long, global = true, value_name = "DIR")]
    tables_dir: Vec<PathBuf>,
    /// Memory limit of one table scan, in MiB
    #[arg(long, env = "KUBEQUERY_TABLE_MEMORY_MB", global = true, default_value_t = 256, value_name = "MIB")]
    table_memory_mb: usize,
    /// CPU time a table may spend converting one page, in milliseconds
    #[arg(long, env = "KUBEQUERY_TABLE_CPU_MS", global = true, default_value_t = 10_000, value_name = "MS")]
    table_cpu_ms: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Run SQL against a cluster snapshot (several statements may be separated by ';')
    Query(query::QueryArgs),
    /// List the tables
    Tables,
    /// Show the columns of one table, or of every table
    Schema {
        /// Table name; all tables when omitted
        table: Option<String>,
        /// Print Markdown (docs/schema.md is generated with this)
        #[arg(long)]
        markdown: bool,
    },
}

pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("KUBEQUERY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

pub fn run(args: Cli) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(&args.global)?;
    match args.command {
        Command::Query(query) => query::run(&catalog, query),
        Command::Tables => tables::list(&catalog),
        Command::Schema { table, markdown } => tables::schema(&catalog, table.as_deref(), markdown),
    }
}

fn load_catalog(global: &GlobalArgs) -> anyhow::Result<Catalog> {
    let limits = Limits {
        memory_bytes: global.table_memory_mb.saturating_mul(1 << 20),
        cpu_per_page: Duration::from_millis(global.table_cpu_ms),
    };
    let cache_dir = if global.no_cache { None } else { global.cache_dir.clone().or_else(default_cache_dir) };
    let runtime = Runtime::new(cache_dir, limits).context("starting the WebAssembly runtime")?;
    let mut catalog = Catalog::builtin(&runtime).context("loading the built-in tables")?;
    for dir in &global.tables_dir {
        let entries = std::fs::read_dir(dir).with_context(|| format!("reading tables directory {}", dir.display()))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
            .collect();
        files.sort();
        for file in files {
            // A broken third-party table is reported and skipped; every other table still works.
            let loaded = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
                .and_then(|wasm| Ok(runtime.load(&wasm, None, Origin::File(file.clone()))?))
                .and_then(|table| Ok(catalog.add(table)?));
            if let Err(e) = loaded {
                tracing::error!("skipping table component: {e:#}");
            }
        }
    }
    Ok(catalog)
}

/// `--output` when given, else a table on a terminal and JSON lines otherwise.
fn output_format(requested: Option<Format>) -> Format {
    use std::io::IsTerminal;
    requested.unwrap_or(if std::io::stdout().is_terminal() { Format::Table } else { Format::Jsonl })
}
