//! The SQL tokens that hide what a plain scan of the text would see: string literals, quoted
//! names and comments, as SQLite's tokenizer reads them. Finding where statements end
//! ([`statements`](super::statements)) and which words may name generic tables
//! ([`GenericTables`](super::GenericTables)) both skip them.

/// A token that hides `;`s and words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Hiding {
    /// `'…'`, with `''` inside.
    Literal,
    /// `"…"`, `` `…` `` (a doubled quote inside) or `[…]`: a name, code.
    QuotedName,
    /// `-- …` to the end of the line, or `/* … */`.
    Comment,
}

/// The token starting at `bytes[at]` if it is one that hides, and where it ends (past its
/// closing delimiter, or the end of `bytes` when it is never closed).
pub(super) fn hiding_at(bytes: &[u8], at: usize) -> Option<(Hiding, usize)> {
    let after = |from: usize, end: &[u8]| {
        bytes[from..].windows(end.len()).position(|w| w == end).map_or(bytes.len(), |found| from + found + end.len())
    };
    match (bytes.get(at)?, bytes.get(at + 1)) {
        (b'\'', _) => Some((Hiding::Literal, past_quoted(bytes, at, b'\''))),
        (&quote @ (b'"' | b'`'), _) => Some((Hiding::QuotedName, past_quoted(bytes, at, quote))),
        (b'[', _) => Some((Hiding::QuotedName, after(at + 1, b"]"))),
        (b'-', Some(b'-')) => Some((Hiding::Comment, after(at + 2, b"\n"))),
        (b'/', Some(b'*')) => Some((Hiding::Comment, after(at + 2, b"*/"))),
        _ => None,
    }
}

/// Where the literal or name opened by `quote` at `open` ends (past its closing quote; a
/// doubled quote is one inside it), or the end of `bytes` when it never closes.
fn past_quoted(bytes: &[u8], open: usize, quote: u8) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}
