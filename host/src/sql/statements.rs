//! Splitting a batch of SQL into its statements, so that one that does not prepare (a typo,
//! a table that does not exist) is reported and the statements after it still run.
//!
//! SQLite's own batch interface cannot go past a statement that fails to prepare: it does
//! not say where that statement ends. The split skips what can hide a `;` ([`lexer`](super::lexer)):
//! string literals, quoted identifiers (`"…"`, `` `…` ``, `[…]`) and comments. (It
//! ignores `CREATE TRIGGER … BEGIN … END`, whose body holds `;`s: kubequery's SQL is
//! read-only, and both halves of such a statement are refused anyway.)

use super::lexer::{Hiding, hiding_at};

/// The statements of `sql` in order, each with its `;` (the last may have none), skipping
/// pieces that hold only blanks and comments. Linear in the length of `sql`.
pub(super) fn split(sql: &str) -> Vec<&str> {
    let bytes = sql.as_bytes();
    let mut statements = Vec::new();
    let (mut start, mut code, mut i) = (0, false, 0);
    while i < bytes.len() {
        if bytes[i] == b';' {
            if code {
                statements.push(&sql[start..=i]);
            }
            (start, code) = (i + 1, false);
            i += 1;
        } else if let Some((hiding, end)) = hiding_at(bytes, i) {
            code |= hiding != Hiding::Comment;
            i = end;
        } else {
            code |= !bytes[i].is_ascii_whitespace();
            i += 1;
        }
    }
    if code {
        statements.push(&sql[start..]);
    }
    statements
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
