//! `kubequery query`: SQL over a snapshot.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::bail;
use clap::Args;
use kubequery::catalog::Catalog;
use kubequery::output::{self, Format};
use kubequery::sources::DataSource;
use kubequery::sources::snapshot::Snapshot;
use kubequery::sql::Engine;

#[derive(Args)]
pub struct QueryArgs {
    /// Read the cluster from a directory of JSON/YAML files (kubectl get -o json|yaml, kubectl cluster-info dump)
    #[arg(long, value_name = "DIR", conflicts_with = "demo")]
    snapshot: Option<PathBuf>,
    /// Use the small demo cluster built into kubequery
    #[arg(long)]
    demo: bool,
    /// Cluster name shown in cluster_name [default: the snapshot directory's name, or "demo"]
    #[arg(long, value_name = "NAME")]
    cluster_name: Option<String>,
    /// Output format [default: table on a terminal, jsonl otherwise]
    #[arg(short, long, value_enum)]
    output: Option<Format>,
    /// The SQL to run
    sql: String,
}

pub fn run(catalog: &Catalog, args: QueryArgs) -> anyhow::Result<ExitCode> {
    let snapshot = match (&args.snapshot, args.demo) {
        (Some(dir), _) => Snapshot::load_dir(dir, args.cluster_name.clone())?,
        (None, true) => Snapshot::demo(args.cluster_name.clone()),
        (None, false) => bail!(
            "no cluster to query: pass --snapshot DIR (a directory of `kubectl get -o json` files) or --demo; \
             this build cannot connect to live clusters"
        ),
    };
    for problem in snapshot.problems() {
        tracing::warn!("skipped {problem}");
    }
    let source: Arc<dyn DataSource> = Arc::new(snapshot);
    let tables: Vec<_> = catalog.tables().cloned().collect();
    let engine = Engine::new(&tables, source)?;

    let stdout = io::stdout();
    let out = Box::new(ExitOnBrokenPipe(io::BufWriter::new(stdout.lock())));
    let mut sink = output::sink(super::output_format(args.output), out);
    let errors = engine.run(&args.sql, sink.as_mut());
    drop(sink);
    if errors.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let several = args.sql.trim().trim_end_matches(';').contains(';');
    for error in &errors {
        if several {
            eprintln!("kubequery: error: {error}");
        } else {
            eprintln!("kubequery: error: {}", error.message);
        }
    }
    Ok(ExitCode::FAILURE)
}

/// Stops quietly when the reader goes away (`kubequery query … | head`), as ripgrep does.
struct ExitOnBrokenPipe<W>(W);

impl<W: Write> Write for ExitOnBrokenPipe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).inspect_err(exit_if_broken_pipe)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush().inspect_err(exit_if_broken_pipe)
    }
}

fn exit_if_broken_pipe(e: &io::Error) {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
}
