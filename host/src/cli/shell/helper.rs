//! The line editor's helper: completion of table names, column names, dot commands and SQL
//! keywords, and multi-line statements that end with `;`.

use std::collections::BTreeSet;

use kubequery::catalog::Catalog;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

const COMMANDS: &[&str] = &[".exit", ".help", ".mode", ".quit", ".refresh", ".schema", ".tables", ".timer"];
const KEYWORDS: &[&str] = &[
    "AND",
    "AS",
    "ASC",
    "BY",
    "COUNT",
    "DESC",
    "DISTINCT",
    "FROM",
    "GROUP",
    "HAVING",
    "IN",
    "IS",
    "JOIN",
    "LEFT",
    "LIKE",
    "LIMIT",
    "NOT",
    "NULL",
    "ON",
    "OR",
    "ORDER",
    "SELECT",
    "WHERE",
    "json_extract",
];

pub struct ShellHelper {
    tables: Vec<String>,
    /// Every column name of every table, once.
    columns: Vec<String>,
}

impl ShellHelper {
    pub fn new(catalog: &Catalog) -> Self {
        let tables = catalog.tables().map(|t| t.schema.name.clone()).collect();
        let columns: BTreeSet<String> =
            catalog.tables().flat_map(|t| t.schema.columns.iter().map(|c| c.name.clone())).collect();
        ShellHelper { tables, columns: columns.into_iter().collect() }
    }
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before.rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).map_or(0, |i| i + 1);
        let word = &before[start..];
        let pair = |name: &str| Pair { display: name.to_string(), replacement: name.to_string() };
        if start == 0 && word.starts_with('.') {
            return Ok((0, COMMANDS.iter().filter(|c| c.starts_with(word)).map(|c| pair(c)).collect()));
        }
        // `p.na` completes the column part after the alias.
        let (start, word) = match word.rfind('.') {
            Some(dot) => (start + dot + 1, &word[dot + 1..]),
            None => (start, word),
        };
        if word.is_empty() {
            return Ok((start, Vec::new()));
        }
        let lower = word.to_ascii_lowercase();
        let mut candidates: Vec<Pair> = self
            .tables
            .iter()
            .chain(&self.columns)
            .filter(|name| name.starts_with(&lower))
            .map(|name| pair(name))
            .collect();
        let upper = word.to_ascii_uppercase();
        candidates.extend(KEYWORDS.iter().filter(|k| k.to_ascii_uppercase().starts_with(&upper)).map(|k| {
            // Keep the case the user types in.
            let keyword =
                if word.chars().next().is_some_and(char::is_lowercase) { k.to_lowercase() } else { k.to_string() };
            pair(&keyword)
        }));
        Ok((start, candidates))
    }
}

impl Validator for ShellHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        let input = ctx.input().trim();
        if input.is_empty() || input.starts_with('.') || statement_complete(input) {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {}

impl Helper for ShellHelper {}

/// Whether SQL ends with a `;` that is not inside a string, a quoted name or a comment.
fn statement_complete(sql: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut last_significant = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' | '`' => quote = Some(c),
                '[' => quote = Some(']'),
                '-' if chars.peek() == Some(&'-') => {
                    // A line comment runs to the end of the line.
                    for c in chars.by_ref() {
                        if c == '\n' {
                            break;
                        }
                    }
                    continue;
                }
                c if c.is_whitespace() => continue,
                _ => {}
            },
        }
        if quote.is_none() || c == '\'' || c == '"' {
            last_significant = Some(c);
        }
    }
    quote.is_none() && last_significant == Some(';')
}

#[cfg(test)]
mod tests {
    use super::statement_complete;

    #[test]
    fn a_statement_ends_with_a_semicolon_outside_quotes_and_comments() {
        assert!(statement_complete("SELECT 1;"));
        assert!(statement_complete("SELECT 1;  "));
        assert!(statement_complete("SELECT ';'\n FROM t;"));
        assert!(!statement_complete("SELECT 1"));
        assert!(!statement_complete("SELECT ';"));
        assert!(!statement_complete("SELECT 1 -- done;"));
        assert!(statement_complete("SELECT 1; -- done"));
        assert!(!statement_complete("SELECT \"a;\""));
    }
}
