//! One kubequery table as an osquery table plugin.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use osquery_rust_ng::plugin::{ColumnDef, ColumnOptions, ColumnType, ReadOnlyTable};
use osquery_rust_ng::{ExtensionPluginRequest, ExtensionResponse, ExtensionStatus};

use super::context::parse_constraints;
use crate::schema::{self, Cell};
use crate::sources::{DataSource, Selection};
use crate::wasm::TableComponent;

/// osqueryd's Thrift transport refuses messages over 100 MiB; keep a margin for framing.
pub const MAX_RESPONSE_BYTES: usize = 96 << 20;

pub struct OsqueryTable {
    table: Arc<TableComponent>,
    source: Arc<dyn DataSource>,
}

impl OsqueryTable {
    pub fn new(table: Arc<TableComponent>, source: Arc<dyn DataSource>) -> Self {
        OsqueryTable { table, source }
    }

    fn rows(&self, request: &ExtensionPluginRequest) -> Result<Vec<BTreeMap<String, String>>, String> {
        let schema = &self.table.schema;
        let constraints = parse_constraints(request.get("context").map(String::as_str))?;
        let selection =
            Selection::from_constraints(schema, constraints.iter().map(|c| (c.column.as_str(), c.values.as_slice())));
        let mut scan = self.table.scan().map_err(|e| e.to_string())?;
        // The source applied the selector; echo it so osquery's re-check of the constraint holds.
        let label_selector = selection.label_selector().and_then(|value| {
            let column = schema.columns.iter().find(|c| c.pushdown == Some(schema::Pushdown::LabelSelector))?;
            Some((column.name.clone(), value.to_string()))
        });
        let mut out = Vec::new();
        let mut bytes = 0usize;
        for page in self.source.pages(&schema.name, &schema.source, &selection) {
            let page = page.map_err(|e| format!("table {}: {e}", schema.name))?;
            for row in scan.rows(&page.body, &page.cluster).map_err(|e| e.to_string())? {
                let mut row = osquery_row(schema, row);
                if let Some((column, value)) = &label_selector {
                    row.insert(column.clone(), value.clone());
                }
                bytes += row.iter().map(|(k, v)| k.len() + v.len() + 10).sum::<usize>();
                if bytes > MAX_RESPONSE_BYTES {
                    return Err(format!(
                        "table {}: the result exceeds osquery's 100 MiB extension message limit after {} rows; \
                         narrow the query (for example WHERE namespace = '…') or select from it in smaller parts",
                        schema.name,
                        out.len()
                    ));
                }
                out.push(row);
            }
        }
        Ok(out)
    }
}

/// A row as osquery wants it: every value a string, NULL left out, and INTEGER only when
/// the value fits the 32 bits osquery keeps (a wider value would silently wrap).
fn osquery_row(schema: &schema::TableSchema, row: schema::Row) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (cell, column) in row.into_iter().zip(&schema.columns) {
        let value = match cell {
            Cell::Null => continue,
            Cell::Integer(v) if column.ty == schema::ColumnType::Integer && i32::try_from(v).is_err() => {
                tracing::debug!(
                    "table {}: {} = {v} does not fit osquery's INTEGER; sent as NULL",
                    schema.name,
                    column.name
                );
                continue;
            }
            Cell::Integer(v) => v.to_string(),
            Cell::Double(v) => v.to_string(),
            Cell::Text(v) => v,
        };
        out.insert(column.name.clone(), value);
    }
    out
}

impl ReadOnlyTable for OsqueryTable {
    fn name(&self) -> String {
        self.table.schema.name.clone()
    }

    fn columns(&self) -> Vec<ColumnDef> {
        self.table
            .schema
            .columns
            .iter()
            .map(|c| {
                let ty = match c.ty {
                    schema::ColumnType::Text => ColumnType::Text,
                    schema::ColumnType::Integer => ColumnType::Integer,
                    schema::ColumnType::BigInt => ColumnType::BigInt,
                    schema::ColumnType::Double => ColumnType::Double,
                };
                let mut options = ColumnOptions::DEFAULT;
                if c.options.index {
                    options |= ColumnOptions::INDEX;
                }
                if c.options.required {
                    options |= ColumnOptions::REQUIRED;
                }
                if c.options.hidden {
                    // A HIDDEN-only column gets no constraints from osqueryd; INDEX restores them.
                    options |= ColumnOptions::HIDDEN | ColumnOptions::INDEX;
                }
                ColumnDef::new(&c.name, ty, options)
            })
            .collect()
    }

    fn generate(&self, request: ExtensionPluginRequest) -> ExtensionResponse {
        let name = &self.table.schema.name;
        let result = catch_unwind(AssertUnwindSafe(|| self.rows(&request))).unwrap_or_else(|_| {
            Err(format!("table {name}: internal error while generating rows (see the extension log)"))
        });
        match result {
            Ok(rows) => ExtensionResponse::new(ExtensionStatus::new(0, "OK".to_string(), None), rows),
            Err(message) => {
                tracing::warn!("{message}");
                ExtensionResponse::new(ExtensionStatus::new(1, format!("kubequery: {message}"), None), Vec::new())
            }
        }
    }

    fn shutdown(&self) {}
}
