//! The JSONPath of a CRD's printer columns, as kubectl and the API server evaluate it
//! (k8s.io/client-go/util/jsonpath), for the columns the host adds to a generic table.
//!
//! A printer column's `jsonPath` is a template without braces: `.spec.replicas`,
//! `.status.conditions[?(@.type=="Ready")].status`, `.metadata.labels.app\.kubernetes\.io/name`.
//! This evaluator reads the forms the API server accepts there: fields (`.name`, `['name']`,
//! `\.` escapes), wildcards (`.*`, `[*]`), indexes and slices (`[0]`, `[-1]`, `[1:3]`),
//! unions of names (`['a','b']`), recursive descent (`..name`) and filters
//! (`[?(@.path)]`, `[?(@.path == "x")]` with `==`, `!=`, `<`, `<=`, `>`, `>=`).

use serde_json::Value;

/// A parsed path.
#[derive(Debug, PartialEq)]
pub struct Path(Vec<Step>);

#[derive(Debug, PartialEq)]
enum Step {
    Field(String),
    Fields(Vec<String>),
    Wildcard,
    Descend(String),
    Index(i64),
    Slice(Option<i64>, Option<i64>),
    Filter(Filter),
}

#[derive(Debug, PartialEq)]
struct Filter {
    path: Path,
    test: Option<(Op, Literal)>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, PartialEq)]
enum Literal {
    Text(String),
    Number(f64),
    Bool(bool),
}

/// Why a path was not understood.
#[derive(Debug, PartialEq)]
pub struct PathError(pub String);

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Deepest nesting of filters within filters; deeper paths are refused rather than recursed.
const MAX_DEPTH: usize = 8;

impl Path {
    /// Parses a printer column's `jsonPath` (braces, as kubectl's `{.x}`, are accepted too).
    pub fn parse(text: &str) -> Result<Path, PathError> {
        let text = text.trim();
        let text = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')).unwrap_or(text);
        let mut parser = Parser { chars: text.chars().collect(), at: 0 };
        let path = parser.path(0)?;
        if parser.at < parser.chars.len() {
            return Err(parser.error("unexpected character"));
        }
        Ok(path)
    }

    /// Every value the path finds in `root`, in document order.
    pub fn find<'v>(&self, root: &'v Value) -> Vec<&'v Value> {
        let mut current = vec![root];
        for step in &self.0 {
            let mut next = Vec::new();
            for value in current {
                step.apply(value, &mut next);
            }
            current = next;
            if current.is_empty() {
                break;
            }
        }
        current
    }
}

impl Step {
    fn apply<'v>(&self, value: &'v Value, out: &mut Vec<&'v Value>) {
        match self {
            Step::Field(name) => out.extend(value.get(name.as_str())),
            Step::Fields(names) => out.extend(names.iter().filter_map(|name| value.get(name.as_str()))),
            Step::Wildcard => match value {
                Value::Object(members) => out.extend(members.values()),
                Value::Array(items) => out.extend(items),
                _ => {}
            },
            Step::Descend(name) => descend(value, name, out),
            Step::Index(index) => {
                if let Value::Array(items) = value {
                    let at = if *index < 0 { items.len() as i64 + index } else { *index };
                    out.extend(usize::try_from(at).ok().and_then(|at| items.get(at)));
                }
            }
            Step::Slice(start, end) => {
                if let Value::Array(items) = value {
                    let len = items.len() as i64;
                    let clamp = |i: i64| (if i < 0 { len + i } else { i }).clamp(0, len) as usize;
                    let (from, to) = (clamp(start.unwrap_or(0)), clamp(end.unwrap_or(len)));
                    if from < to {
                        out.extend(&items[from..to]);
                    }
                }
            }
            Step::Filter(filter) => match value {
                Value::Array(items) => out.extend(items.iter().filter(|item| filter.holds(item))),
                other if filter.holds(other) => out.push(other),
                _ => {}
            },
        }
    }
}

/// `..name`: the member `name` of `value` and of everything under it.
fn descend<'v>(value: &'v Value, name: &str, out: &mut Vec<&'v Value>) {
    match value {
        Value::Object(members) => {
            if let Some(found) = members.get(name) {
                out.push(found);
            }
            members.values().for_each(|v| descend(v, name, out));
        }
        Value::Array(items) => items.iter().for_each(|v| descend(v, name, out)),
        _ => {}
    }
}

impl Filter {
    fn holds(&self, item: &Value) -> bool {
        let found = self.path.find(item);
        let Some((op, literal)) = &self.test else {
            return !found.is_empty();
        };
        let Some(value) = found.first() else {
            return false;
        };
        match (value, literal) {
            (Value::String(s), Literal::Text(t)) => op.compare(s.as_str().cmp(t.as_str())),
            (Value::Number(n), Literal::Number(x)) => {
                n.as_f64().and_then(|n| n.partial_cmp(x)).is_some_and(|order| op.compare(order))
            }
            (Value::Bool(b), Literal::Bool(x)) => op.compare(b.cmp(x)),
            // Values of different types are never equal, as in client-go.
            _ => *op == Op::Ne,
        }
    }
}

impl Op {
    fn compare(self, order: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Op::Eq => order == Equal,
            Op::Ne => order != Equal,
            Op::Lt => order == Less,
            Op::Le => order != Greater,
            Op::Gt => order == Greater,
            Op::Ge => order != Less,
        }
    }
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn error(&self, what: &str) -> PathError {
        let text: String = self.chars.iter().collect();
        PathError(format!("{what} at position {} of {text:?}", self.at))
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        let matched = self.peek() == Some(c);
        if matched {
            self.at += 1;
        }
        matched
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    /// Steps until the end, or until a character that ends a filter's path.
    fn path(&mut self, depth: usize) -> Result<Path, PathError> {
        if depth > MAX_DEPTH {
            return Err(self.error("filters nested too deep"));
        }
        let mut steps = Vec::new();
        // `$` names the root, which is where a path starts anyway.
        self.eat('$');
        loop {
            match self.peek() {
                Some('.') => {
                    self.at += 1;
                    if self.eat('.') {
                        let name = self.name();
                        if name.is_empty() {
                            return Err(self.error("expected a field name after `..`"));
                        }
                        steps.push(Step::Descend(name));
                    } else if self.eat('*') {
                        steps.push(Step::Wildcard);
                    } else {
                        let name = self.name();
                        // A lone `.` is the current object (`{.}`), which adds no step.
                        if !name.is_empty() {
                            steps.push(Step::Field(name));
                        }
                    }
                }
                Some('[') => {
                    self.at += 1;
                    steps.push(self.bracket(depth)?);
                }
                _ => return Ok(Path(steps)),
            }
        }
    }

    /// A field name, up to the next `.`, `[` or a character that ends an expression; `\.`
    /// is a dot inside the name.
    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            match c {
                '\\' if self.chars.get(self.at + 1).is_some() => {
                    name.push(self.chars[self.at + 1]);
                    self.at += 2;
                }
                '.' | '[' | ']' | '(' | ')' | '=' | '!' | '<' | '>' | ',' | ' ' | '\t' => break,
                _ => {
                    name.push(c);
                    self.at += 1;
                }
            }
        }
        name
    }

    /// What follows `[`, through `]`.
    fn bracket(&mut self, depth: usize) -> Result<Step, PathError> {
        self.skip_spaces();
        let step = match self.peek() {
            Some('*') => {
                self.at += 1;
                Step::Wildcard
            }
            Some('?') => {
                self.at += 1;
                if !self.eat('(') {
                    return Err(self.error("expected `(` after `?`"));
                }
                let filter = self.filter(depth)?;
                if !self.eat(')') {
                    return Err(self.error("expected `)` to close the filter"));
                }
                Step::Filter(filter)
            }
            Some('\'' | '"') => {
                let mut names = vec![self.quoted()?];
                loop {
                    self.skip_spaces();
                    if !self.eat(',') {
                        break;
                    }
                    self.skip_spaces();
                    names.push(self.quoted()?);
                }
                if names.len() == 1 { Step::Field(names.remove(0)) } else { Step::Fields(names) }
            }
            _ => {
                let start = self.integer()?;
                self.skip_spaces();
                if self.eat(':') {
                    self.skip_spaces();
                    let end = self.integer()?;
                    self.skip_spaces();
                    // A step (`[0:10:2]`) is rare in printer columns; refused, not guessed.
                    if self.peek() == Some(':') {
                        return Err(self.error("slices with a step are not supported"));
                    }
                    Step::Slice(start, end)
                } else {
                    Step::Index(start.ok_or_else(|| self.error("expected an index, a name or a filter"))?)
                }
            }
        };
        self.skip_spaces();
        if !self.eat(']') {
            return Err(self.error("expected `]`"));
        }
        Ok(step)
    }

    fn integer(&mut self) -> Result<Option<i64>, PathError> {
        let start = self.at;
        self.eat('-');
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        if self.at == start {
            return Ok(None);
        }
        let text: String = self.chars[start..self.at].iter().collect();
        text.parse().map(Some).map_err(|_| self.error("not an integer"))
    }

    fn quoted(&mut self) -> Result<String, PathError> {
        let quote = match self.peek() {
            Some(q @ ('\'' | '"')) => q,
            _ => return Err(self.error("expected a quoted name")),
        };
        self.at += 1;
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some('\\') if self.chars.get(self.at + 1).is_some() => {
                    text.push(self.chars[self.at + 1]);
                    self.at += 2;
                }
                Some(c) if c == quote => {
                    self.at += 1;
                    return Ok(text);
                }
                Some(c) => {
                    text.push(c);
                    self.at += 1;
                }
            }
        }
    }

    /// `@.path`, optionally followed by an operator and a literal.
    fn filter(&mut self, depth: usize) -> Result<Filter, PathError> {
        self.skip_spaces();
        if !self.eat('@') {
            return Err(self.error("a filter starts with `@`"));
        }
        let path = self.path(depth + 1)?;
        self.skip_spaces();
        let op = if self.eat('=') {
            if !self.eat('=') {
                return Err(self.error("expected `==`"));
            }
            Some(Op::Eq)
        } else if self.eat('!') {
            if !self.eat('=') {
                return Err(self.error("expected `!=`"));
            }
            Some(Op::Ne)
        } else if self.eat('<') {
            Some(if self.eat('=') { Op::Le } else { Op::Lt })
        } else if self.eat('>') {
            Some(if self.eat('=') { Op::Ge } else { Op::Gt })
        } else {
            None
        };
        let test = match op {
            None => None,
            Some(op) => {
                self.skip_spaces();
                Some((op, self.literal()?))
            }
        };
        self.skip_spaces();
        Ok(Filter { path, test })
    }

    fn literal(&mut self) -> Result<Literal, PathError> {
        match self.peek() {
            Some('\'' | '"') => Ok(Literal::Text(self.quoted()?)),
            _ => {
                let start = self.at;
                while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.')) {
                    self.at += 1;
                }
                let word: String = self.chars[start..self.at].iter().collect();
                match word.as_str() {
                    "true" => Ok(Literal::Bool(true)),
                    "false" => Ok(Literal::Bool(false)),
                    _ => word
                        .parse()
                        .map(Literal::Number)
                        .map_err(|_| self.error("expected a string, number or boolean")),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Path;

    fn find(path: &str, doc: &serde_json::Value) -> Vec<serde_json::Value> {
        Path::parse(path).unwrap_or_else(|e| panic!("{path}: {e}")).find(doc).into_iter().cloned().collect()
    }

    #[test]
    fn printer_columns_of_real_crds() {
        let certificate = json!({
            "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"},
                         "creationTimestamp": "2024-01-02T03:04:05Z"},
            "spec": {"secretName": "web-tls", "issuerRef": {"name": "letsencrypt"}, "replicas": 3},
            "status": {"conditions": [
                {"type": "Issuing", "status": "False", "message": "m1"},
                {"type": "Ready", "status": "True", "message": "Certificate is up to date"}
            ]}
        });
        assert_eq!(find(".spec.secretName", &certificate), [json!("web-tls")]);
        assert_eq!(find(".spec.issuerRef.name", &certificate), [json!("letsencrypt")]);
        assert_eq!(find(r#".status.conditions[?(@.type=="Ready")].status"#, &certificate), [json!("True")]);
        assert_eq!(find(".status.conditions[?(@.type != 'Ready')].message", &certificate), [json!("m1")]);
        assert_eq!(find(r".metadata.labels.app\.kubernetes\.io/name", &certificate), [json!("web")]);
        assert_eq!(find(".metadata.labels['app.kubernetes.io/name']", &certificate), [json!("web")]);
        assert_eq!(find(".status.conditions[-1].type", &certificate), [json!("Ready")]);
        assert_eq!(find(".status.conditions[*].type", &certificate), [json!("Issuing"), json!("Ready")]);
        assert_eq!(find(".status.conditions[0:1].type", &certificate), [json!("Issuing")]);
        assert_eq!(find("..name", &certificate), [json!("web"), json!("letsencrypt")]);
        assert_eq!(find("{.spec.replicas}", &certificate), [json!(3)]);
        assert_eq!(find(".spec[?(@.replicas >= 3)].secretName", &certificate), [json!("web-tls")]);
        assert_eq!(find(".status.conditions[?(@.message)].type", &certificate).len(), 2);
        assert!(find(".spec.missing.deeper", &certificate).is_empty());
        assert!(find(".status.conditions[7]", &certificate).is_empty());
        assert!(find(".spec.secretName.x", &certificate).is_empty());
    }

    #[test]
    fn malformed_paths_are_refused_with_where() {
        for bad in [".a[", ".a[?(@.b == )]", ".a['b", ".a[x]", ".a[0:1:2]", ".a[?(b)]", ".a)", "..", ".a[?(@.b = 'x')]"]
        {
            let error = Path::parse(bad).expect_err(bad);
            assert!(error.0.contains("position"), "{bad}: {error}");
        }
        let deep = format!(".a{}", "[?(@.b".repeat(20) + &")]".repeat(20));
        assert!(Path::parse(&deep).expect_err("deep").0.contains("too deep"));
    }
}
