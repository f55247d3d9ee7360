//! Kubernetes label selectors (`app=web,tier!=db,env in (a,b),!legacy`), for sources that
//! filter objects themselves instead of asking an API server to.

use std::collections::BTreeMap;

use thiserror::Error;

/// A term of a label selector that is not `k=v`, `k==v`, `k!=v`, `k in (…)`, `k notin (…)`,
/// `k` or `!k`.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("invalid label selector term {term:?}")]
pub struct InvalidLabelSelector {
    pub term: String,
}

#[derive(Debug, PartialEq, Eq)]
enum Op {
    In(Vec<String>),
    NotIn(Vec<String>),
    Exists,
    DoesNotExist,
}

/// A parsed selector; an object matches when every requirement holds.
#[derive(Debug, PartialEq, Eq)]
pub struct LabelSelector(Vec<(String, Op)>);

impl LabelSelector {
    /// Parses a selector in the API server's syntax.
    pub fn parse(text: &str) -> Result<Self, InvalidLabelSelector> {
        let mut requirements = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            // A requirement ends at a comma outside parentheses.
            let end = rest
                .char_indices()
                .scan(0i32, |depth, (i, c)| {
                    *depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    Some((i, c, *depth))
                })
                .find(|(_, c, depth)| *c == ',' && *depth == 0)
                .map_or(rest.len(), |(i, _, _)| i);
            requirements.push(requirement(rest[..end].trim())?);
            rest = rest.get(end + 1..).unwrap_or("").trim();
        }
        Ok(LabelSelector(requirements))
    }

    /// Whether an object with `labels` is selected.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|(key, op)| match op {
            Op::In(values) => labels.get(key).is_some_and(|v| values.contains(v)),
            Op::NotIn(values) => labels.get(key).is_none_or(|v| !values.contains(v)),
            Op::Exists => labels.contains_key(key),
            Op::DoesNotExist => !labels.contains_key(key),
        })
    }
}

fn requirement(term: &str) -> Result<(String, Op), InvalidLabelSelector> {
    let bad = || InvalidLabelSelector { term: term.to_string() };
    let key = |k: &str| -> Result<String, InvalidLabelSelector> {
        let k = k.trim();
        if k.is_empty() || k.contains(char::is_whitespace) { Err(bad()) } else { Ok(k.to_string()) }
    };
    let set = |list: &str| -> Result<Vec<String>, InvalidLabelSelector> {
        let inner = list.trim().strip_prefix('(').and_then(|l| l.strip_suffix(')')).ok_or_else(bad)?;
        Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
    };
    if let Some(k) = term.strip_prefix('!') {
        return Ok((key(k)?, Op::DoesNotExist));
    }
    if let Some((k, v)) = term.split_once("!=") {
        return Ok((key(k)?, Op::NotIn(vec![v.trim().to_string()])));
    }
    if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
        return Ok((key(k)?, Op::In(vec![v.trim().to_string()])));
    }
    if let Some((k, list)) = term.split_once(" notin ") {
        return Ok((key(k)?, Op::NotIn(set(list)?)));
    }
    if let Some((k, list)) = term.split_once(" in ") {
        return Ok((key(k)?, Op::In(set(list)?)));
    }
    Ok((key(term)?, Op::Exists))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluates_every_operator() {
        let labels: BTreeMap<String, String> =
            [("app", "web"), ("tier", "front")].into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        for (selector, expected) in [
            ("app=web", true),
            ("app==web, tier = front", true),
            ("app!=web", false),
            ("app in (api, web)", true),
            ("tier notin (front, back)", false),
            ("app,!legacy", true),
            ("legacy", false),
            ("", true),
        ] {
            assert_eq!(LabelSelector::parse(selector).unwrap().matches(&labels), expected, "{selector}");
        }
        assert!(LabelSelector::parse("app in web").is_err());
        assert!(LabelSelector::parse("=x").is_err());
    }
}
