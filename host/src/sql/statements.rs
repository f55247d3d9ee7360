//! Splitting a batch of SQL into its statements, so that one that does not prepare (a typo,
//! a table that does not exist) is reported and the statements after it still run.
//!
//! SQLite's own batch interface cannot go past a statement that fails to prepare: it does
//! not say where that statement ends. The split follows SQLite's tokenizer for what can hide
//! a `;`: string literals, quoted identifiers (`"…"`, `` `…` ``, `[…]`) and comments. (It
//! ignores `CREATE TRIGGER … BEGIN … END`, whose body holds `;`s: kubequery's SQL is
//! read-only, and both halves of such a statement are refused anyway.)

/// The statements of `sql` in order, each with its `;` (the last may have none), skipping
/// pieces that hold only blanks and comments. Linear in the length of `sql`.
pub(super) fn split(sql: &str) -> Vec<&str> {
    let bytes = sql.as_bytes();
    let mut statements = Vec::new();
    let (mut start, mut code, mut i) = (0, false, 0);
    while i < bytes.len() {
        match bytes[i] {
            b';' => {
                if code {
                    statements.push(&sql[start..=i]);
                }
                (start, code) = (i + 1, false);
                i += 1;
                continue;
            }
            quote @ (b'\'' | b'"' | b'`') => i = past_quoted(bytes, i, quote),
            b'[' => i = bytes[i..].iter().position(|&b| b == b']').map_or(bytes.len(), |end| i + end + 1),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = bytes[i..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |end| i + end + 1);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = bytes[i + 2..].windows(2).position(|w| w == b"*/").map_or(bytes.len(), |end| i + 2 + end + 2);
                continue;
            }
            b if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            _ => i += 1,
        }
        code = true;
    }
    if code {
        statements.push(&sql[start..]);
    }
    statements
}

/// Where the literal or identifier opened by `quote` at `open` ends (past its closing quote;
/// a doubled quote is one inside it), or the end of `bytes` when it never closes.
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

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn statements_split_at_semicolons_outside_literals_identifiers_and_comments() {
        let sql = "SELECT 'a;''b' AS \"x;\"\"y\", [c;d], `e;f` FROM t; -- one; two\n\
                   /* three; */ SELECT 2 ;; \n  SELECT 3";
        assert_eq!(
            split(sql),
            [
                "SELECT 'a;''b' AS \"x;\"\"y\", [c;d], `e;f` FROM t;",
                " -- one; two\n/* three; */ SELECT 2 ;",
                " \n  SELECT 3"
            ]
        );
    }

    #[test]
    fn blanks_comments_and_unterminated_tokens_make_no_statement_of_their_own() {
        assert!(split("  ; -- only a comment\n ; /* and another */").is_empty());
        assert_eq!(split("SELECT 1; SELECT 'open; literal"), ["SELECT 1;", " SELECT 'open; literal"]);
        assert_eq!(split("SELECT 1 /* open; comment"), ["SELECT 1 /* open; comment"]);
        assert_eq!(split("SELECT [open; bracket"), ["SELECT [open; bracket"]);
    }
}
