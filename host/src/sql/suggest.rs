//! "did you mean …" for a misspelt table or column name in SQLite's error messages.

/// SQLite's messages for an unknown name, and what kind of name follows each.
const UNKNOWN: [(&str, Kind); 2] = [("no such table: ", Kind::Table), ("no such column: ", Kind::Column)];

#[derive(Clone, Copy)]
enum Kind {
    Table,
    Column,
}

/// The names a statement may use: each table with its columns.
#[derive(Debug, Default)]
pub struct Names {
    tables: Vec<(String, Vec<String>)>,
}

impl Names {
    /// Adds a table and its columns.
    pub fn add(&mut self, table: &str, columns: impl IntoIterator<Item = String>) {
        self.tables.push((table.to_string(), columns.into_iter().collect()));
    }

    /// `message` with a suggestion appended when it names an unknown table or column that is
    /// close to a known one (`no such table: kubernetes_podz; did you mean kubernetes_pods?`).
    pub fn explain(&self, message: &str) -> String {
        for (prefix, kind) in UNKNOWN {
            let Some(rest) = message.strip_prefix(prefix) else { continue };
            // The name ends where SQLite's context begins (` in SELECT … at offset 7`); of
            // `t.column` and `main.table`, the part after the last dot is what was misspelt.
            let name = rest.split_whitespace().next().unwrap_or(rest);
            let unknown = name.rsplit('.').next().unwrap_or(name);
            let candidates: Box<dyn Iterator<Item = &str>> = match kind {
                Kind::Table => Box::new(self.tables.iter().map(|(table, _)| table.as_str())),
                Kind::Column => {
                    // The columns of the tables the statement names (SQLite quotes it after the
                    // name), else of every table.
                    let words: Vec<&str> = rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).collect();
                    let named: Vec<&(String, Vec<String>)> =
                        self.tables.iter().filter(|(table, _)| words.contains(&table.as_str())).collect();
                    let tables = if named.is_empty() { self.tables.iter().collect() } else { named };
                    Box::new(tables.into_iter().flat_map(|(_, columns)| columns.iter().map(String::as_str)))
                }
            };
            // The name itself is no suggestion: it exists, but not where the statement looks.
            let candidates = candidates.filter(|candidate| !candidate.eq_ignore_ascii_case(unknown));
            if let Some(best) = closest(unknown, candidates) {
                return match rest.strip_prefix(name) {
                    Some(context) if !context.is_empty() => {
                        format!("{prefix}{name}; did you mean {best}? ({})", context.trim_start())
                    }
                    _ => format!("{message}; did you mean {best}?"),
                };
            }
        }
        message.to_string()
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a typo: at
/// most a third of the word's length away, and never more than three edits (at least one).
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    let limit = (word.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let distance = edit_distance(&word, &candidate.to_ascii_lowercase());
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Levenshtein distance, counting an adjacent swap as one edit (`nmae` → `name`).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitution = rows[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut best = substitution.min(rows[i - 1][j] + 1).min(rows[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        let mut names = Names::default();
        names.add("kubernetes_pods", ["name".to_string(), "namespace".to_string(), "node_name".to_string()]);
        names.add("kubernetes_nodes", ["name".to_string(), "kubelet_version".to_string()]);
        names
    }

    #[test]
    fn suggests_a_close_table_or_column() {
        let names = names();
        assert_eq!(
            names.explain("no such table: kubernetes_podz"),
            "no such table: kubernetes_podz; did you mean kubernetes_pods?"
        );
        assert_eq!(names.explain("no such column: nmae"), "no such column: nmae; did you mean name?");
        assert_eq!(
            names.explain("no such column: p.nmae in SELECT p.nmae FROM kubernetes_pods p at offset 7"),
            "no such column: p.nmae; did you mean name? (in SELECT p.nmae FROM kubernetes_pods p at offset 7)"
        );
        assert_eq!(
            names.explain("no such column: p.kubelet_versoin"),
            "no such column: p.kubelet_versoin; did you mean kubelet_version?"
        );
        assert_eq!(
            names.explain("no such table: main.KUBERNETES_NODE"),
            "no such table: main.KUBERNETES_NODE; did you mean kubernetes_nodes?"
        );
    }

    #[test]
    fn suggests_only_columns_of_the_tables_the_statement_names() {
        let mut names = names();
        names.add("kubernetes_info", ["git_version".to_string(), "major".to_string()]);
        let message = "no such column: name in SELECT name, git_version FROM kubernetes_info at offset 7";
        assert_eq!(names.explain(message), message, "`name` is a column of other tables, not a typo");
        assert_eq!(
            names.explain("no such column: majr in SELECT majr FROM kubernetes_info at offset 7"),
            "no such column: majr; did you mean major? (in SELECT majr FROM kubernetes_info at offset 7)"
        );
    }

    #[test]
    fn says_nothing_when_nothing_is_close() {
        let names = names();
        assert_eq!(names.explain("no such table: processes"), "no such table: processes");
        assert_eq!(names.explain("no such column: x"), "no such column: x");
        assert_eq!(names.explain("near \"SELEC\": syntax error"), "near \"SELEC\": syntax error");
    }
}
