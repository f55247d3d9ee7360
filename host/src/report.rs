//! How an error is told to a person: the error and its causes on one line.

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
