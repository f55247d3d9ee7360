//! Text from outside — a table component, a cluster object, a server's message — made safe
//! for a terminal, a log line or osquery: control characters escaped, length bounded.
//!
//! Anyone who can write an Event or a label in a cluster controls part of kubequery's output;
//! an escape sequence passed through raw could rewrite the operator's terminal or clipboard
//! (OSC 52). Printable characters, including non-ASCII, are kept as they are.

use std::borrow::Cow;

/// `text` with its control characters escaped Rust-style (`\u{1b}`, `\n`, `\t`), except
/// line breaks and tabs when `keep_layout` (for formats where they are data, such as CSV).
pub fn escape_controls(text: &str, keep_layout: bool) -> Cow<'_, str> {
    let escaped = |c: char| c.is_control() && !(keep_layout && matches!(c, '\n' | '\r' | '\t'));
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        push(&mut out, c, escaped(c));
    }
    Cow::Owned(out)
}

/// Appends `c` to `out`, Rust-escaped when `escape`.
fn push(out: &mut String, c: char, escape: bool) {
    if escape {
        out.extend(c.escape_default());
    } else {
        out.push(c);
    }
}

/// At most `max` bytes of `text` with every control character escaped, cut at a character
/// boundary with a note of how much was left out.
pub fn printable(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max) + 32);
    for (at, c) in text.char_indices() {
        if out.len() >= max {
            out.push_str(&format!("… ({} more bytes)", text.len() - at));
            break;
        }
        push(&mut out, c, c.is_control());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_never_pass() {
        let osc52 = "note\u{1b}]52;c;aGk=\u{7}\u{1b}[2J\u{9b}31m";
        assert_eq!(escape_controls(osc52, false), "note\\u{1b}]52;c;aGk=\\u{7}\\u{1b}[2J\\u{9b}31m");
        assert_eq!(escape_controls("a\nb\tc", true), "a\nb\tc");
        assert_eq!(escape_controls("a\nb", false), "a\\nb");
        assert!(matches!(escape_controls("plain — ünïcode", false), Cow::Borrowed(_)));
    }

    #[test]
    fn long_text_is_cut_with_a_note() {
        let long = format!("\u{1b}[2J{}", "é".repeat(5000));
        let cut = printable(&long, 100);
        assert!(cut.len() < 140 && cut.starts_with("\\u{1b}[2J") && cut.ends_with("more bytes)"), "{cut}");
    }
}
