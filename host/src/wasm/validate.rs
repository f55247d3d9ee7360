//! Rows from a component are untrusted: check each against the schema before SQL sees it.

use crate::schema::{Cell, ColumnType, TableSchema};

/// Why `row` does not fit `schema`, if it does not.
pub fn check_row(schema: &TableSchema, row: &[Cell]) -> Result<(), String> {
    if row.len() != schema.columns.len() {
        return Err(format!("it has {} cells, the schema has {} columns", row.len(), schema.columns.len()));
    }
    for (cell, column) in row.iter().zip(&schema.columns) {
        let fits = matches!(
            (cell, column.ty),
            (Cell::Null, _)
                | (Cell::Text(_), ColumnType::Text)
                | (Cell::Integer(_), ColumnType::Integer | ColumnType::BigInt | ColumnType::Double)
                | (Cell::Double(_), ColumnType::Double)
        );
        if !fits {
            let got = match cell {
                Cell::Null => "null",
                Cell::Integer(_) => "an integer",
                Cell::Double(_) => "a double",
                Cell::Text(_) => "text",
            };
            return Err(format!("column {} is {} but the cell is {got}", column.name, column.ty));
        }
    }
    Ok(())
}
