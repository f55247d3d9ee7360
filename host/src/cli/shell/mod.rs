//! `kubequery shell` (and plain `kubequery` on a terminal): an interactive SQL shell in the
//! osqueryi / sqlite3 tradition.
//!
//! Statements end with `;` and may span lines; dot commands take one line. Lists fetched for
//! a statement are reused by the following statements for [`REUSE_FOR`] unless `.refresh` is
//! given. Ctrl-C cancels the running statement (SQLite's interrupt) and keeps the shell;
//! Ctrl-D, `.quit` or `.exit` leave it.

mod helper;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use kubequery::catalog::{Catalog, Loading};
use kubequery::output::{self, Format};
use kubequery::sources::reuse::Reusing;
use kubequery::sql::Engine;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{Config, Editor};

use super::{Settings, SourceArgs};
use helper::ShellHelper;

/// How long a List fetched for one statement answers the following ones.
pub const REUSE_FOR: Duration = Duration::from_secs(60);

#[derive(Args)]
pub struct ShellArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Output format [default: table]
    #[arg(short, long, value_parser = super::query::format_parser())]
    output: Option<Format>,
}

const HELP: &str = "\
Statements end with ';' and may span several lines. Commands:
  .tables [PATTERN]   list tables, typed then generic (k8s_*) (PATTERN: a part of the name, or a glob with * and ?)
  .schema TABLE       show a table's columns
  .mode MODE          output: table, json, jsonl, csv or line
  .timer on|off       print how long each statement took
  .refresh            read the clusters again (Lists are otherwise reused for 60 s)
  .help               this text
  .quit, .exit        leave (or Ctrl-D); Ctrl-C cancels the running statement";

struct Shell {
    engine: Engine,
    source: Arc<Reusing>,
    catalog: Catalog,
    format: Format,
    timer: bool,
}

pub fn run(settings: &Settings, args: &ShellArgs) -> anyhow::Result<ExitCode> {
    let catalog = settings.catalog(Loading::AtFirstScan)?;
    // The watch cache answers from memory and is never stale by a minute: nothing to reuse.
    let reuse = if settings.live.watch_cache.is_some() { Duration::ZERO } else { REUSE_FOR };
    let source = Arc::new(Reusing::new(settings.source(Some(&catalog), true)?, reuse));
    let tables: Vec<_> = catalog.tables().cloned().collect();
    let mut engine = Engine::new(&tables, source.clone())?;
    if let Some(generic) = catalog.generic() {
        engine.serve_generic_tables(generic.clone());
    }
    let mut shell = Shell { engine, source, catalog, format: args.output.unwrap_or(Format::Table), timer: false };

    let mut editor: Editor<ShellHelper, FileHistory> =
        Editor::with_config(Config::builder().auto_add_history(false).max_history_size(10_000)?.build())?;
    // After the editor, whose own SIGINT handler (installed with it) ours then chains to.
    let running = Arc::new(AtomicBool::new(false));
    cancel_on_interrupt(&shell.engine, running.clone())?;
    editor.set_helper(Some(ShellHelper::new(&shell.catalog)));
    let history = history_file();
    if let Some(path) = &history {
        // A missing history file is the first session, not an error.
        let _ = editor.load_history(path);
    }
    println!("kubequery {}: SQL over Kubernetes. Enter \".help\" for usage hints.", env!("CARGO_PKG_VERSION"));
    loop {
        let line = match editor.readline("kubequery> ") {
            Ok(line) => line,
            // Ctrl-C at the prompt abandons the line being typed, as in sqlite3.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        };
        let input = line.trim();
        if input.is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(input);
        if let Some(history) = &history {
            // Saved after every entry, so a killed shell keeps what was typed.
            let _ = editor.save_history(history);
        }
        if input.starts_with('.') {
            if !shell.command(input) {
                break;
            }
            continue;
        }
        running.store(true, Ordering::SeqCst);
        shell.statement(input);
        running.store(false, Ordering::SeqCst);
    }
    Ok(ExitCode::SUCCESS)
}

impl Shell {
    /// Runs SQL and prints its rows and errors; an interrupted statement says so.
    fn statement(&mut self, sql: &str) {
        let started = Instant::now();
        let stdout = io::stdout();
        let mut sink = output::sink(self.format, Box::new(io::BufWriter::new(stdout.lock())));
        let errors = self.engine.run(sql, sink.as_mut());
        drop(sink);
        for message in super::query::error_messages(sql, errors) {
            eprintln!("Error: {message}");
        }
        if self.timer {
            println!("Run Time: {:.3} s", started.elapsed().as_secs_f64());
        }
        let _ = io::stdout().flush();
    }

    /// Runs a dot command; false when it asks to leave.
    fn command(&mut self, input: &str) -> bool {
        let mut words = input.split_whitespace();
        let name = words.next().unwrap_or_default();
        let argument = words.next();
        match (name, argument) {
            (".quit" | ".exit", _) => return false,
            (".help", _) => println!("{HELP}"),
            (".tables", pattern) => {
                // The typed tables, then the generic ones of the resources the source serves.
                let typed = self.catalog.tables().map(|t| t.schema.name.clone());
                let mut generic = self.engine.generic_table_names();
                generic.sort();
                for name in typed.chain(generic).filter(|name| pattern.is_none_or(|p| matches(p, name))) {
                    println!("{name}");
                }
            }
            (".schema", Some(table)) => match self.engine.generic_table(table) {
                Some(generic) => super::tables::print_schemas(&[&generic.schema], false),
                None => {
                    if let Err(e) = super::tables::catalog_schema(&self.catalog, Some(table), false) {
                        eprintln!("Error: {e}");
                    }
                }
            },
            (".mode", Some(mode)) => match mode.parse::<Format>() {
                Ok(format) => self.format = format,
                Err(_) => eprintln!("Error: unknown mode {mode:?}; use table, json, jsonl, csv or line"),
            },
            (".timer", Some("on")) => self.timer = true,
            (".timer", Some("off")) => self.timer = false,
            (".refresh", _) => {
                self.source.refresh();
                println!("Lists will be read again from the clusters.");
            }
            _ => eprintln!("Error: unknown or incomplete command {input:?}; enter \".help\" for the commands"),
        }
        true
    }
}

/// `pattern` as sqlite3's `.tables` would take it: a glob with `*` and `?`, or else a part
/// of the name.
fn matches(pattern: &str, name: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        return name.contains(pattern);
    }
    fn glob(pattern: &[char], name: &[char]) -> bool {
        match (pattern.first(), name.first()) {
            (None, None) => true,
            (Some('*'), _) => glob(&pattern[1..], name) || (!name.is_empty() && glob(pattern, &name[1..])),
            (Some('?'), Some(_)) => glob(&pattern[1..], &name[1..]),
            (Some(p), Some(n)) if p == n => glob(&pattern[1..], &name[1..]),
            _ => false,
        }
    }
    let (pattern, name): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    glob(&pattern, &name)
}

/// On Ctrl-C while a statement runs, interrupts SQLite, which ends the statement with
/// "interrupted" at its next step. At the prompt the terminal is raw and the line editor reads
/// Ctrl-C as a key.
fn cancel_on_interrupt(engine: &Engine, running: Arc<AtomicBool>) -> anyhow::Result<()> {
    let handle = engine.connection().get_interrupt_handle();
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT])?;
    std::thread::spawn(move || {
        for _ in signals.forever() {
            if running.load(Ordering::SeqCst) {
                handle.interrupt();
            }
        }
    });
    Ok(())
}

/// Where history is kept: `KUBEQUERY_HISTORY`, else `$XDG_STATE_HOME/kubequery/history`, else
/// `~/.local/state/kubequery/history`.
fn history_file() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("KUBEQUERY_HISTORY") {
        return Some(PathBuf::from(path));
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state")))?;
    let dir = state.join("kubequery");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("history"))
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn table_patterns() {
        assert!(matches("pod", "kubernetes_pods"));
        assert!(matches("kubernetes_pod*", "kubernetes_pod_containers"));
        assert!(matches("*_volumes", "kubernetes_pod_volumes"));
        assert!(!matches("kubernetes_pod?", "kubernetes_pod_volumes"));
        assert!(matches("kubernetes_pod?", "kubernetes_pods"));
    }
}
