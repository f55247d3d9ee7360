//! Command-line arguments and the commands they select.

mod authoring;
mod extension;
pub(crate) mod log;
mod query;
mod settings;
mod shell;
mod tables;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, FromArgMatches, Parser, Subcommand};

pub use settings::Settings;

#[derive(Parser)]
#[command(
    name = "kubequery",
    version,
    about = "SQL over Kubernetes clusters; every table is a sandboxed WebAssembly component"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Without a command, kubequery starts the shell on a terminal
    #[command(subcommand)]
    command: Option<Command>,
}

impl Cli {
    /// Whether this run is the osquery extension, whose memory budget counts what it holds.
    pub fn serves_osquery(&self) -> bool {
        matches!(self.command, Some(Command::Extension(_)))
    }
}

/// Options of every command. Each also comes from an environment variable or the config file
/// (flags win over the environment, which wins over the file).
#[derive(Args)]
pub struct GlobalArgs {
    /// Log more: -v info, -vv debug, -vvv trace (KUBEQUERY_LOG takes a tracing filter)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Configuration file [default: /etc/kubequery/kubequery.yaml when it exists]
    #[arg(long, env = "KUBEQUERY_CONFIG", global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where compiled third-party table components are cached (built-ins ship compiled), and the built-in tables' schemas [default: $XDG_CACHE_HOME/kubequery or ~/.cache/kubequery]
    #[arg(long, env = "KUBEQUERY_CACHE_DIR", global = true, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Compile third-party table components in memory at every start instead of caching them, and load every built-in table at start
    #[arg(long, global = true)]
    no_cache: bool,
    /// Load every third-party table component (*.wasm) in DIR; repeatable [env: KUBEQUERY_TABLES_DIR, ':'-separated]
    #[arg(long, global = true, value_name = "DIR")]
    tables_dir: Vec<PathBuf>,
    /// Load one third-party table component; repeatable [env: KUBEQUERY_TABLE_FILES, ':'-separated]
    #[arg(long = "table", global = true, value_name = "FILE.wasm")]
    table_files: Vec<PathBuf>,
    /// Resources third-party tables may read: `certificates.cert-manager.io`, `*.cert-manager.io`, `pods`, `*`, or an exact API path [default: every resource but secrets]
    #[arg(long, env = "KUBEQUERY_TABLE_ALLOW", global = true, value_name = "RESOURCE", value_delimiter = ',')]
    table_allow: Vec<String>,
    /// Let this third-party table read Secrets (metadata only, never values); repeatable
    #[arg(long, env = "KUBEQUERY_TABLE_GRANT_SECRETS", global = true, value_name = "TABLE", value_delimiter = ',')]
    table_grant_secrets: Vec<String>,
    /// Memory limit of one table scan, in MiB [default: 256]
    #[arg(long, env = "KUBEQUERY_TABLE_MEMORY_MB", global = true, value_name = "MIB")]
    table_memory_mb: Option<usize>,
    /// Deadline for a table to convert one page, in milliseconds of wall-clock time
    /// [default: 10000]
    #[arg(long, alias = "table-cpu-ms", env = "KUBEQUERY_TABLE_DEADLINE_MS", global = true, value_name = "MS")]
    table_deadline_ms: Option<u64>,
    /// Rows a table may return for one page [default: 100000]
    #[arg(long, env = "KUBEQUERY_TABLE_MAX_ROWS", global = true, value_name = "N")]
    table_max_rows: Option<usize>,
    /// Bytes of cells a table may return for one page [default: 134217728, 128 MiB]
    #[arg(long, env = "KUBEQUERY_TABLE_MAX_BYTES", global = true, value_name = "BYTES")]
    table_max_bytes: Option<usize>,
}

/// Where table input comes from: live clusters (kubeconfig contexts, or in-cluster) unless
/// --snapshot or --demo is given.
#[derive(Args, Clone, Default)]
pub struct SourceArgs {
    /// kubeconfig file [default: KUBECONFIG, else ~/.kube/config, else the pod's service account]
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// Context to query; repeat it or give a comma list to query several clusters at once
    #[arg(long, env = "KUBEQUERY_CONTEXT", value_name = "NAME", value_delimiter = ',')]
    context: Vec<String>,
    /// Query every context of the kubeconfig
    #[arg(long, env = "KUBEQUERY_ALL_CONTEXTS", action = clap::ArgAction::SetTrue, value_parser = clap::builder::BoolishValueParser::new(), conflicts_with = "context")]
    all_contexts: bool,
    /// Seconds to wait for each API request before retrying it [default: 60]
    #[arg(long, env = "KUBEQUERY_REQUEST_TIMEOUT", value_name = "SECONDS")]
    request_timeout: Option<u64>,
    /// Read the cluster from a directory of JSON/YAML files (kubectl get -o json|yaml, kubectl cluster-info dump)
    #[arg(long, env = "KUBEQUERY_SNAPSHOT", value_name = "DIR", conflicts_with = "demo")]
    snapshot: Option<PathBuf>,
    /// Use the small demo cluster built into kubequery
    #[arg(long, env = "KUBEQUERY_DEMO", action = clap::ArgAction::SetTrue, value_parser = clap::builder::BoolishValueParser::new())]
    demo: bool,
    /// Cluster name shown in cluster_name [default: the context name, the snapshot directory's name, or "demo"]
    #[arg(long, env = "KUBEQUERY_CLUSTER_NAME", value_name = "NAME")]
    cluster_name: Option<String>,
    /// Keep the resources queries read in memory, listed once and then watched (docs/watch-cache.md)
    /// [default: on for `extension`, off otherwise]
    #[arg(long, env = "KUBEQUERY_WATCH_CACHE", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", value_parser = clap::builder::BoolishValueParser::new())]
    watch_cache: Option<bool>,
    /// Resources the watch cache keeps, by plural name (pods,nodes) [default: every resource read in full]
    #[arg(long, env = "KUBEQUERY_WATCH_CACHE_RESOURCES", value_name = "NAMES", value_delimiter = ',')]
    watch_cache_resources: Vec<String>,
    /// Seconds after which the watch cache stops watching a resource no query read [default: 7200]
    #[arg(long, env = "KUBEQUERY_WATCH_CACHE_IDLE", value_name = "SECONDS")]
    watch_cache_idle: Option<u64>,
    /// Memory the watch cache may take (256Mi, 1Gi, …): its objects, and in a fifth of it the
    /// tables' rows it keeps for reuse; a resource whose objects would not fit is listed instead
    /// [default: 256Mi; for `extension`, a third of --memory-budget, at most 256Mi]
    #[arg(long, env = "KUBEQUERY_WATCH_CACHE_MEMORY", value_name = "SIZE")]
    watch_cache_memory: Option<kubequery::budget::Bytes>,
    /// Seconds the watch cache still serves an Event the API server expired, so that a
    /// scheduled query reports it [default: 3600]
    #[arg(long, env = "KUBEQUERY_EVENTS_RETENTION", value_name = "SECONDS")]
    events_retention: Option<u64>,
    /// Expired Events the watch cache keeps at most per cluster, the oldest dropped first [default: 10000]
    #[arg(long, env = "KUBEQUERY_EVENTS_RETAINED", value_name = "COUNT")]
    events_retained: Option<usize>,
}

#[derive(Subcommand)]
enum Command {
    /// Run SQL against clusters or a snapshot (several statements may be separated by ';')
    Query(query::QueryArgs),
    /// An interactive SQL shell (the default on a terminal): history, completion, dot commands
    Shell(shell::ShellArgs),
    /// Serve the tables to osqueryd as an extension (osqueryd passes --socket, --timeout, --interval)
    Extension(extension::ExtensionArgs),
    /// List the clusters a query would read: name and uid (of the kube-system namespace), tab-separated
    Clusters(SourceArgs),
    /// List the tables; with --generic, also the generic tables of a cluster's or snapshot's resources
    Tables(tables::TablesArgs),
    /// Write and test table components: `table new`, `table test`
    Table {
        #[command(subcommand)]
        command: authoring::TableCommand,
    },
    /// Show the columns of one table, or of every table; a generic table's (`k8s_…`) are read
    /// from the cluster or snapshot the source options name
    Schema {
        /// Table name; all tables when omitted
        table: Option<String>,
        /// Print Markdown (docs/schema.md is generated with this)
        #[arg(long)]
        markdown: bool,
        #[command(flatten)]
        source: SourceArgs,
    },
}

/// osqueryd's autoloader runs an extension as `<path> --socket S --timeout T --interval I
/// [--verbose]`, with no subcommand; such an invocation means `kubequery extension …`.
pub fn autoload_args(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let autoloaded = args.get(1).is_some_and(|a| {
        let a = a.to_string_lossy();
        a == "--socket" || a.starts_with("--socket=")
    });
    if autoloaded {
        args.insert(1, "extension".into());
    }
    args
}

pub fn run(args: Cli) -> anyhow::Result<ExitCode> {
    let Some(command) = args.command else {
        use std::io::IsTerminal;
        if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
            let shell = shell::ShellArgs::from_arg_matches(&clap::ArgMatches::default())?;
            return shell::run(&Settings::resolve(&args.global, &shell.source)?, &shell);
        }
        <Cli as clap::CommandFactory>::command().print_help()?;
        return Ok(ExitCode::from(2));
    };
    match command {
        Command::Shell(shell) => {
            let settings = Settings::resolve(&args.global, &shell.source)?;
            shell::run(&settings, &shell)
        }
        Command::Query(query) => {
            let settings = Settings::resolve(&args.global, &query.source)?;
            query::run(&settings, &query)
        }
        Command::Extension(extension) => {
            let settings = Settings::resolve(&args.global, &extension.source)?;
            extension::run(settings, &extension)
        }
        Command::Clusters(source) => {
            for cluster in Settings::resolve(&args.global, &source)?.source(None, false)?.clusters() {
                println!("{}\t{}", cluster.name, cluster.uid);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Table { command } => {
            authoring::run(&Settings::resolve(&args.global, &SourceArgs::default())?, command)
        }
        Command::Tables(tables) => tables::list(&Settings::resolve(&args.global, &tables.source)?, tables.generic),
        Command::Schema { table, markdown, source } => {
            tables::schema(&Settings::resolve(&args.global, &source)?, table.as_deref(), markdown)
        }
    }
}
