//! The constraints of one scan: chosen in `xBestIndex`, carried to `xFilter` in the index
//! string, and decoded there with their values.
//!
//! The index string lists the constraints in argument order, `"3:in,5,7:outer"`: column 3
//! with its whole `IN (…)` list as one argument, column 5 with one value, and column 7 with
//! a value SQLite knows only when it runs the scan, from another table's row (a join key);
//! or `"limit,offset"` for a scan whose only constraints are the statement's `LIMIT` and
//! `OFFSET`.

use std::os::raw::c_int;

use fallible_streaming_iterator::FallibleStreamingIterator;
use rusqlite::vtab::{Filters, IndexConstraintOp, IndexInfo};

use super::cache::Key;
use super::module_error;
use crate::schema::{CellRef, ColumnType, Pushdown, TableSchema};
use crate::sources::Selection;

/// Takes every usable equality constraint with the binary collation (SQLite still re-checks
/// them), so that joins look rows up instead of rescanning, or a lone `LIMIT`, and tells
/// SQLite what a scan with them costs.
///
/// Returns whether this use of the table is constrained to one namespace (a usable equality
/// on its namespace column): a use that is not may need every namespace.
pub(crate) fn choose(info: &mut IndexInfo, schema: &TableSchema) -> rusqlite::Result<bool> {
    let candidates: Vec<(usize, c_int)> = info
        .constraints()
        .enumerate()
        .filter(|(_, c)| c.is_usable() && c.operator() == IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_EQ)
        .map(|(i, c)| (i, c.column()))
        .collect();
    let namespace_constrained =
        candidates.iter().any(|(_, column)| pushdown(schema, *column) == Some(&Pushdown::Namespace));
    if choose_limit(info)? {
        return Ok(namespace_constrained);
    }
    let mut used: Vec<String> = Vec::new();
    let mut columns: Vec<c_int> = Vec::new();
    for (i, column) in candidates {
        let binary = info.collation(i).is_ok_and(|c| c.eq_ignore_ascii_case("BINARY"));
        if !binary || column < 0 || columns.contains(&column) {
            continue;
        }
        columns.push(column);
        // `IN (…)` arrives as one list rather than one xFilter per value, so that the source
        // can fetch every value in one scan; repeated xFilter calls then only come from joins.
        let whole_list = info.is_in_constraint(i)? && info.set_in_constraint(i, true)?;
        // A value unknown while planning comes from the row of a table scanned around this
        // one: this scan is a join's inner side, run once per outer row.
        let outer = !whole_list && info.rhs_value(i)?.is_none();
        used.push(match (whole_list, outer) {
            (true, _) => format!("{column}:in"),
            (false, true) => format!("{column}:outer"),
            (false, false) => column.to_string(),
        });
        let mut usage = info.constraint_usage(i);
        usage.set_argv_index(c_int::try_from(used.len()).map_err(module_error)?);
    }
    if used.is_empty() {
        info.set_estimated_cost(1_000_000.0);
        info.set_estimated_rows(100_000);
    } else {
        info.set_idx_str(&used.join(","));
        let rows = estimated_rows(schema, &columns);
        info.set_estimated_cost(10.0 + rows);
        info.set_estimated_rows(rows as i64);
    }
    Ok(namespace_constrained)
}

/// The rows a scan with equalities on `columns` is expected to yield, out of 100,000, so that
/// SQLite prefers the plan using the most selective ones: given a namespace and a pod name, it
/// must look up by both, not by the namespace alone and filter thousands of rows per outer row.
fn estimated_rows(schema: &TableSchema, columns: &[c_int]) -> f64 {
    columns.iter().fold(100_000.0, |rows, column| {
        let selectivity = match pushdown(schema, *column) {
            Some(Pushdown::Namespace) => 0.02,
            Some(Pushdown::Name) => 0.001,
            // Label and field selectors, and any other column (a join key, a uid).
            _ => 0.01,
        };
        (rows * selectivity).max(1.0)
    })
}

/// The pushdown of the column SQLite numbers `column` (negative: the rowid), if it has one.
fn pushdown(schema: &TableSchema, column: c_int) -> Option<&Pushdown> {
    schema.columns.get(usize::try_from(column).ok()?)?.pushdown.as_ref()
}

/// Takes `LIMIT` (and `OFFSET`) when they are the scan's only constraints and nothing is
/// ordered: SQLite passes them only for a statement over this one table, and without an
/// `ORDER BY` (or `GROUP BY`, `DISTINCT`, which reach the table as one) the statement returns
/// the first objects the scan yields, so it needs no more than `LIMIT + OFFSET` of them. With
/// any other constraint the objects are filtered afterwards, and with an order SQLite sorts
/// them all, so the first ones might not be returned: then no limit is taken.
fn choose_limit(info: &mut IndexInfo) -> rusqlite::Result<bool> {
    let ops: Vec<(usize, IndexConstraintOp, bool)> =
        info.constraints().enumerate().map(|(i, c)| (i, c.operator(), c.is_usable())).collect();
    let is_limit = |op: &IndexConstraintOp| {
        matches!(
            op,
            IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_LIMIT | IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_OFFSET
        )
    };
    if info.num_of_order_by() > 0 || ops.is_empty() || !ops.iter().all(|(_, op, usable)| is_limit(op) && *usable) {
        return Ok(false);
    }
    let mut used = Vec::new();
    for (i, op, _) in ops {
        used.push(if op == IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_LIMIT { "limit" } else { "offset" });
        // SQLite still applies LIMIT and OFFSET itself; the scan only stops fetching early.
        info.constraint_usage(i).set_argv_index(c_int::try_from(used.len()).map_err(module_error)?);
    }
    info.set_idx_str(&used.join(","));
    info.set_estimated_cost(1_000_000.0);
    info.set_estimated_rows(100_000);
    Ok(true)
}

/// Constraints passed to a scan: column positions and types, and for each column the
/// accepted keys (several for `IN`); or the objects a `LIMIT` needs.
pub(crate) struct Constraints {
    pub(crate) columns: Vec<(usize, ColumnType)>,
    keys: Vec<Vec<Key>>,
    /// Columns whose constraint the source applies (label selectors): not checked per row.
    applied_by_source: Vec<usize>,
    /// `LIMIT + OFFSET`: the scan needs no more objects than that.
    limit: Option<usize>,
    /// Whether some value comes from the row of a table scanned around this one.
    outer_values: bool,
}

impl Constraints {
    /// The constraints [`choose`] encoded in `idx_str`, with their values from `args`; `None`
    /// for a scan without any.
    pub(crate) fn decode(
        schema: &TableSchema,
        idx_str: Option<&str>,
        args: &Filters<'_>,
    ) -> rusqlite::Result<Option<Constraints>> {
        let Some(list) = idx_str.filter(|s| !s.is_empty()) else { return Ok(None) };
        let mut constraints = Constraints {
            columns: Vec::new(),
            keys: Vec::new(),
            applied_by_source: Vec::new(),
            limit: None,
            outer_values: false,
        };
        let (mut limit, mut offset) = (None, 0usize);
        for (n, entry) in list.split(',').enumerate() {
            if entry == "limit" || entry == "offset" {
                let value = args.iter().nth(n).ok_or_else(|| module_error("missing LIMIT value"))?;
                // A negative (or non-integer) LIMIT means none; a negative OFFSET counts as zero.
                let count = match value {
                    rusqlite::types::ValueRef::Integer(v) => usize::try_from(v).ok(),
                    _ => None,
                };
                if entry == "limit" {
                    limit = Some(count);
                } else {
                    offset = count.unwrap_or(0);
                }
                continue;
            }
            let (column, whole_list) = match entry.strip_suffix(":in") {
                Some(column) => (column, true),
                None => (entry, false),
            };
            let (column, outer) = match column.strip_suffix(":outer") {
                Some(column) => (column, true),
                None => (column, false),
            };
            constraints.outer_values |= outer;
            let column: usize = column.parse().map_err(module_error)?;
            let spec = schema.columns.get(column).ok_or_else(|| module_error("constraint on an unknown column"))?;
            let mut keys = Vec::new();
            if whole_list {
                let mut values = args.in_values(n)?;
                while let Some(value) = values.next()? {
                    keys.extend(Key::of_value(value.get_raw(), spec.ty));
                }
            } else {
                let value = args.iter().nth(n).ok_or_else(|| module_error("missing constraint value"))?;
                // `= NULL` matches nothing: no key.
                keys.extend(Key::of_value(value, spec.ty));
            }
            if spec.pushdown == Some(Pushdown::LabelSelector) {
                constraints.applied_by_source.push(column);
            }
            constraints.columns.push((column, spec.ty));
            constraints.keys.push(keys);
        }
        constraints.limit = limit.flatten().map(|limit| limit.saturating_add(offset));
        Ok(Some(constraints))
    }

    /// What the source may narrow its request to: the text values of pushdown columns.
    pub(crate) fn selection(&self, schema: &TableSchema) -> Selection {
        let values: Vec<(&crate::schema::Column, Vec<String>)> = self
            .columns
            .iter()
            .zip(&self.keys)
            .filter_map(|((i, _), keys)| {
                let texts: Option<Vec<String>> = keys
                    .iter()
                    .map(|key| match key {
                        Key::Text(text) => Some(text.clone()),
                        _ => None,
                    })
                    .collect();
                Some((schema.columns.get(*i)?, texts?))
            })
            .collect();
        let mut selection = Selection::from_constraints(values.iter().map(|(c, v)| (*c, v.as_slice())));
        selection.limit = self.limit;
        selection
    }

    /// Whether some value comes from the row of a table scanned around this one: the scan is
    /// a join's inner side (or a correlated subquery), which SQLite runs once per outer row.
    pub(crate) fn has_outer_values(&self) -> bool {
        self.outer_values
    }

    /// Whether the row whose cell of each column is `cell(column)` satisfies every
    /// constraint the source did not apply itself.
    pub(crate) fn matches<'a>(&self, cell: impl Fn(usize) -> CellRef<'a>) -> bool {
        self.columns.iter().zip(&self.keys).all(|((i, ty), keys)| {
            self.applied_by_source.contains(i) || Key::of_cell(cell(*i), *ty).is_some_and(|key| keys.contains(&key))
        })
    }

    /// Every combination of accepted keys, for hash lookups.
    pub(crate) fn combinations(&self) -> Vec<Vec<Key>> {
        let mut out: Vec<Vec<Key>> = vec![Vec::new()];
        for keys in &self.keys {
            out = out
                .into_iter()
                .flat_map(|prefix| keys.iter().map(move |k| [prefix.clone(), vec![k.clone()]].concat()))
                .collect();
        }
        out
    }
}
