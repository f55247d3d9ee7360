//! osquery's query context: the WHERE clause constraints osqueryd sends with `generate`.
//!
//! ```json
//! {"constraints":[{"name":"namespace","list":[{"op":2,"expr":"kube-system"}],"affinity":"TEXT"}]}
//! ```
//!
//! Only `op == 2` is equality; every other operator carries no information here. osquery
//! before 3.0 sent `op` as a string and an empty list as `""`; both forms are accepted.
//! osquery 4 and later add `colsUsedBitset`, SQLite's mask of the columns the query reads,
//! which lets the table compute only those.

use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

/// A query context that is not the JSON osqueryd sends.
#[derive(Debug, Error)]
#[error("invalid query context: {0}")]
pub struct ContextError(#[source] serde_json::Error);

/// Equality constraints on one column: the row's value must be one of `values`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constraint {
    pub column: String,
    pub values: Vec<String>,
}

/// What a `generate` call's context says: equality constraints, and the columns read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryContext {
    pub constraints: Vec<Constraint>,
    /// SQLite's `colUsed` mask (bit 63: column 63 or later); `None` from an osquery that does
    /// not send it, when every column must be computed.
    pub columns_used: Option<u64>,
}

#[derive(Deserialize)]
struct Context {
    #[serde(default)]
    constraints: Vec<ColumnConstraints>,
    #[serde(default, rename = "colsUsedBitset")]
    cols_used_bitset: Option<u64>,
}

#[derive(Deserialize)]
struct ColumnConstraints {
    name: String,
    #[serde(default)]
    list: Value,
}

const EQUALS: i64 = 2;

/// The equality constraints and used columns of a context document; an absent or empty
/// context has no constraints and reads every column.
pub fn parse_context(context: Option<&str>) -> Result<QueryContext, ContextError> {
    let Some(text) = context.filter(|t| !t.trim().is_empty()) else { return Ok(QueryContext::default()) };
    let context: Context = serde_json::from_str(text).map_err(ContextError)?;
    let mut out: Vec<Constraint> = Vec::new();
    for column in context.constraints {
        let Value::Array(list) = column.list else { continue };
        for item in list {
            let op = match item.get("op") {
                Some(Value::Number(n)) => n.as_i64(),
                Some(Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            };
            let expr = match item.get("expr") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => continue,
            };
            if op != Some(EQUALS) {
                continue;
            }
            match out.iter_mut().find(|c| c.column == column.name) {
                Some(existing) if !existing.values.contains(&expr) => existing.values.push(expr),
                Some(_) => {}
                None => out.push(Constraint { column: column.name.clone(), values: vec![expr] }),
            }
        }
    }
    Ok(QueryContext { constraints: out, columns_used: context.cols_used_bitset })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_equality_only() {
        let context = r#"{"constraints":[
            {"name":"namespace","list":[{"op":2,"expr":"kube-system"},{"op":2,"expr":"default"}],"affinity":"TEXT"},
            {"name":"name","list":[{"op":65,"expr":"web-%"}],"affinity":"TEXT"},
            {"name":"phase","list":[],"affinity":"TEXT"}
        ],"colsUsed":["namespace"],"colsUsedBitset":1}"#;
        assert_eq!(
            parse_context(Some(context)).unwrap(),
            QueryContext {
                constraints: vec![Constraint {
                    column: "namespace".into(),
                    values: vec!["kube-system".into(), "default".into()]
                }],
                columns_used: Some(1),
            }
        );
    }

    #[test]
    fn accepts_the_legacy_string_form() {
        let context = r#"{"constraints":[{"name":"name","list":[{"op":"2","expr":"x"}]},{"name":"uid","list":""}]}"#;
        assert_eq!(
            parse_context(Some(context)).unwrap().constraints,
            vec![Constraint { column: "name".into(), values: vec!["x".into()] }]
        );
    }

    #[test]
    fn no_context_means_no_constraints() {
        assert_eq!(parse_context(None).unwrap(), QueryContext::default());
        assert_eq!(parse_context(Some("")).unwrap(), QueryContext::default());
        assert!(parse_context(Some("{not json")).is_err());
    }
}
