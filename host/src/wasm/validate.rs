//! Rows from a component are untrusted: check each against the schema before SQL sees it.

use thiserror::Error;

use crate::schema::{Cell, CellRef, Column, ColumnType, TableSchema};

/// Why a row does not fit its table's schema.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RowError {
    #[error("it has {cells} cells, the schema has {columns} columns")]
    Arity { cells: usize, columns: usize },
    #[error("column {column} is {ty} but the cell is {got}")]
    Type { column: String, ty: ColumnType, got: &'static str },
    /// A packed cell (`kubequery:table@0.2`) that cannot be read.
    #[error("column {column}: {why}")]
    Malformed { column: String, why: &'static str },
}

/// Checks that `row` fits `schema`: one cell per column, each of the column's type or null.
pub fn check_row(schema: &TableSchema, row: &[Cell]) -> Result<(), RowError> {
    if row.len() != schema.columns.len() {
        return Err(RowError::Arity { cells: row.len(), columns: schema.columns.len() });
    }
    for (cell, column) in row.iter().zip(&schema.columns) {
        check_cell(column, cell.borrowed())?;
    }
    Ok(())
}

/// Checks that `cell` fits `column`: its type, or null. An integer fits a DOUBLE column too.
pub fn check_cell(column: &Column, cell: CellRef<'_>) -> Result<(), RowError> {
    let fits = matches!(
        (cell, column.ty),
        (CellRef::Null, _)
            | (CellRef::Text(_), ColumnType::Text)
            | (CellRef::Integer(_), ColumnType::Integer | ColumnType::BigInt | ColumnType::Double)
            | (CellRef::Double(_), ColumnType::Double)
    );
    if fits {
        return Ok(());
    }
    let got = match cell {
        CellRef::Null => "null",
        CellRef::Integer(_) => "an integer",
        CellRef::Double(_) => "a double",
        CellRef::Text(_) => "text",
    };
    Err(RowError::Type { column: column.name.clone(), ty: column.ty, got })
}
