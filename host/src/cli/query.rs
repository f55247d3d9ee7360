//! `kubequery query`: run SQL and print the results.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Args;
use kubequery::catalog::Loading;
use kubequery::output::{self, Format};
use kubequery::sql::{Engine, QueryError};

use super::{Settings, SourceArgs};

#[derive(Args)]
pub struct QueryArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Output format [default: table on a terminal, jsonl otherwise]
    #[arg(short, long, value_parser = format_parser())]
    output: Option<Format>,
    /// Threads converting one table's pages at once, each with a sandbox of its own
    /// [default: one per core, up to 4]
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: Option<u16>,
    /// The SQL to run
    sql: String,
}

pub fn run(settings: &Settings, args: &QueryArgs) -> anyhow::Result<ExitCode> {
    let catalog = settings.catalog(Loading::AtFirstScan)?;
    let source = settings.source(Some(&catalog), true)?;
    let tables: Vec<_> = catalog.tables().cloned().collect();
    let mut engine = Engine::new(&tables, source)?;
    if let Some(generic) = catalog.generic() {
        engine.serve_generic_tables(generic.clone());
    }
    if let Some(threads) = args.threads {
        engine.set_conversion_workers(usize::from(threads));
    }

    let stdout = io::stdout();
    let out = Box::new(ExitOnBrokenPipe(io::BufWriter::new(stdout.lock())));
    let mut sink = output::sink(output_format(args.output), out);
    let errors = engine.run(&args.sql, sink.as_mut());
    drop(sink);
    if errors.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    for message in error_messages(&args.sql, errors) {
        eprintln!("kubequery: error: {message}");
    }
    Ok(ExitCode::FAILURE)
}

/// The errors of running `sql`, ready to print: each names its statement when `sql` holds
/// several, and control characters are escaped.
pub(super) fn error_messages(sql: &str, errors: Vec<QueryError>) -> impl Iterator<Item = String> {
    let several = sql.trim().trim_end_matches(';').contains(';');
    errors.into_iter().map(move |error| {
        let message = if several { error.to_string() } else { error.message };
        kubequery::text::escape_controls(&message, true).into_owned()
    })
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

/// `--output` when given, else a table on a terminal and JSON lines otherwise.
/// `--output`'s parser: the names of [`Format::ALL`], listed with their help.
pub(super) fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser as _;
    let names = Format::ALL.iter().map(|(_, name, help)| clap::builder::PossibleValue::new(name).help(help));
    clap::builder::PossibleValuesParser::new(names)
        .map(|name| name.parse::<Format>().expect("clap admits only the names of Format::ALL"))
}

fn output_format(requested: Option<Format>) -> Format {
    use std::io::IsTerminal;
    requested.unwrap_or(if io::stdout().is_terminal() { Format::Table } else { Format::Jsonl })
}
