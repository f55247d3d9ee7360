//! Logging to stderr: one line per event, prefixed with what it concerns.
//!
//! Code that works on one table or one cluster enters a span carrying a `table` or `cluster`
//! field instead of writing the name into every message; this format prints those spans,
//! outermost first, as `table kubernetes_pods: cluster prod: forbidden to list pods`. A
//! structured subscriber (JSON, OpenTelemetry) gets them as fields.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// Logs to stderr at the level `-v` chose (warnings by default), or as `KUBEQUERY_LOG` says.
pub fn init(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    // kube and hyper log a connection failure as a bare ERROR before kubequery reports it with
    // the cluster's name; below trace level their logs only repeat kubequery's own.
    let default = if verbose >= 3 { default.to_string() } else { format!("{default},kube_client=off,hyper_util=off") };
    let filter = tracing_subscriber::EnvFilter::try_from_env("KUBEQUERY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .event_format(Scoped)
        .init();
}

/// `LEVEL span value: span value: message fields`.
struct Scoped;

impl<S, N> FormatEvent<S, N> for Scoped
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let level = *event.metadata().level();
        if writer.has_ansi_escapes() {
            let color = match level {
                Level::ERROR => "31",
                Level::WARN => "33",
                Level::INFO => "32",
                Level::DEBUG => "34",
                Level::TRACE => "35",
            };
            write!(writer, "\x1b[{color}m{level:>5}\x1b[0m ")?;
        } else {
            write!(writer, "{level:>5} ")?;
        }
        let mut previous = String::new();
        for span in ctx.event_scope().into_iter().flat_map(tracing_subscriber::registry::Scope::from_root) {
            let extensions = span.extensions();
            let Some(fields) = extensions.get::<FormattedFields<N>>() else { continue };
            // A span carries one field named as the span (`table`, `cluster`), formatted
            // `name=value`; print it as `name value: `, once when spans nest with the same
            // value (an osquery call scanning its table).
            let name = span.name();
            let prefix = match fields.fields.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')) {
                Some(value) => format!("{name} {value}: "),
                None if fields.fields.is_empty() => continue,
                None => format!("{name} {}: ", fields.fields),
            };
            if prefix != previous {
                writer.write_str(&prefix)?;
                previous = prefix;
            }
        }
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}
