//! A line diff for golden-file mismatches, in unified style (`-` expected, `+` actual).

/// Lines around each change that are shown.
const CONTEXT: usize = 3;
/// Above this many line pairs the diff is not computed, only the first difference shown.
const MAX_CELLS: usize = 16_000_000;

/// The differences between `expected` and `actual`, or `None` when they are equal.
pub fn unified(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let old: Vec<&str> = expected.lines().collect();
    let new: Vec<&str> = actual.lines().collect();
    if old.len().saturating_mul(new.len()) > MAX_CELLS {
        let line = old.iter().zip(&new).position(|(a, b)| a != b).unwrap_or(old.len().min(new.len()));
        return Some(format!(
            "first difference at line {}:\n-{}\n+{}\n",
            line + 1,
            old.get(line).unwrap_or(&""),
            new.get(line).unwrap_or(&"")
        ));
    }
    let ops = edit_script(&old, &new);
    let mut out = String::new();
    let changed: Vec<usize> =
        ops.iter().enumerate().filter(|(_, op)| !matches!(op, Op::Same(_))).map(|(i, _)| i).collect();
    let mut shown_until = 0;
    for &i in &changed {
        let start = i.saturating_sub(CONTEXT).max(shown_until);
        if start > shown_until {
            out.push_str("…\n");
        }
        let end = (i + CONTEXT + 1).min(ops.len());
        for op in &ops[start..end.max(start)] {
            match op {
                Op::Same(line) => out.push_str(&format!(" {line}\n")),
                Op::Removed(line) => out.push_str(&format!("-{line}\n")),
                Op::Added(line) => out.push_str(&format!("+{line}\n")),
            }
        }
        shown_until = shown_until.max(end);
    }
    if shown_until < ops.len() {
        out.push_str("…\n");
    }
    Some(out)
}

enum Op<'a> {
    Same(&'a str),
    Removed(&'a str),
    Added(&'a str),
}

/// The shortest edit script, from the longest common subsequence of lines.
fn edit_script<'a>(old: &[&'a str], new: &[&'a str]) -> Vec<Op<'a>> {
    let (n, m) = (old.len(), new.len());
    // lcs[i][j]: length of the LCS of old[i..] and new[j..].
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if old[i] == new[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut ops) = (0, 0, Vec::with_capacity(n + m));
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            ops.push(Op::Same(old[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(Op::Removed(old[i]));
            i += 1;
        } else {
            ops.push(Op::Added(new[j]));
            j += 1;
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::unified;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a\nb\n", "a\nb\n"), None);
    }

    #[test]
    fn a_changed_line_is_shown_with_context() {
        let expected = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let actual = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        let diff = unified(expected, actual).expect("differs");
        assert_eq!(diff, "…\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n…\n");
    }

    #[test]
    fn distant_changes_are_separated() {
        let expected: String = (0..30).map(|n| format!("{n}\n")).collect();
        let actual = expected.replace("\n3\n", "\nthree\n").replace("\n25\n", "\n");
        let diff = unified(&expected, &actual).expect("differs");
        assert!(diff.contains("-3\n+three\n"), "{diff}");
        assert!(diff.contains("…\n"), "{diff}");
        assert!(diff.contains("-25\n"), "{diff}");
    }
}
