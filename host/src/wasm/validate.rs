//! Rows from a component are untrusted: check each against the schema before SQL sees it.

use thiserror::Error;

use crate::schema::{Cell, ColumnType, TableSchema};

/// Why a row does not fit its table's schema.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RowError {
    #[error("it has {cells} cells, the schema has {columns} columns")]
    Arity { cells: usize, columns: usize },
    #[error("column {column} is {ty} but the cell is {got}")]
    Type { column: String, ty: ColumnType, got: &'static str },
}

/// Checks that `row` fits `schema`: one cell per column, each of the column's type or null.
pub fn check_row(schema: &TableSchema, row: &[Cell]) -> Result<(), RowError> {
    if row.len() != schema.columns.len() {
        return Err(RowError::Arity { cells: row.len(), columns: schema.columns.len() });
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
            return Err(RowError::Type { column: column.name.clone(), ty: column.ty, got });
        }
    }
    Ok(())
}
