//! How kubequery tells a person what happened: an error and its causes on one line, and the
//! spans that say which table or cluster a log line is about.

use std::error::Error;

/// A boxed cause, for errors that keep the error of a library whose type they do not name
/// (wasmtime's errors convert into it).
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// `error: cause: deeper cause`. kubequery's errors name their direct cause in their own
/// message, as kube-rs' do, and also return it from `source()` for code that inspects the
/// chain; a cause whose text is already in the line is therefore not repeated.
pub fn chain(error: &(dyn Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        let text = error.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = error.source();
    }
    line
}

/// The span of work on one table. Its `table` field names the table in every event inside
/// (`table kubernetes_pods: …` on stderr). Spans are at ERROR level so that every enabled
/// event carries them, whatever the filter.
pub fn table_span(table: &str) -> tracing::Span {
    tracing::error_span!("table", table = %table)
}

/// The span of work on one cluster, named by its `cluster` field, like [`table_span`].
pub fn cluster_span(cluster: &str) -> tracing::Span {
    tracing::error_span!("cluster", cluster = %cluster)
}

/// The span of loading one component (its `schema()` call), named by where it came from.
pub fn component_span(origin: &dyn std::fmt::Display) -> tracing::Span {
    tracing::error_span!("component", component = %origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("listing pods: {0}")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("HTTP 500")]
    struct Inner(#[source] std::io::Error);

    #[test]
    fn causes_named_in_the_message_are_not_repeated() {
        let error = Outer(Inner(std::io::Error::other("connection reset")));
        assert_eq!(chain(&error), "listing pods: HTTP 500: connection reset");
    }
}
