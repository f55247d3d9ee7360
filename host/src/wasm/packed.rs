//! Reads the packed rows of a `kubequery:table@0.2` component (`page-rows` in
//! wit/v0.2.0/table.wit): every cell of a page in one buffer, a tag byte then the value.
//!
//! The buffer is untrusted. Every cell is checked against its column's type, every length
//! against the buffer, and the row count against the bytes actually there, before SQL sees a
//! row (text as UTF-8 too); a cell of a column the statement does not read is checked but
//! never copied.

use super::validate::{RowError, check_cell};
use crate::schema::{Cell, CellRef, ColumnSet, Row, TableSchema};

const NULL: u8 = 0;
const INTEGER: u8 = 1;
const DOUBLE: u8 = 2;
const TEXT: u8 = 3;

/// Why a packed buffer cannot be read, and where.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PackedError {
    #[error("row {row}: {source}")]
    Row {
        row: usize,
        #[source]
        source: RowError,
    },
    #[error("{extra} bytes follow the last of its {rows} rows")]
    Trailing { extra: usize, rows: usize },
}

/// The `count` rows packed in `cells`, each one cell per column of `schema`; columns outside
/// `read` come back NULL.
pub fn unpack(cells: &[u8], count: usize, schema: &TableSchema, read: &ColumnSet) -> Result<Vec<Row>, PackedError> {
    let mut reader = Reader { rest: cells };
    // Every cell takes at least its tag byte, so a count the bytes cannot hold is refused
    // before anything is allocated for it.
    let width = schema.columns.len();
    let mut rows = Vec::with_capacity(count.min(cells.len() / width.max(1)));
    for row in 0..count {
        let mut cells = Vec::with_capacity(width);
        for (position, column) in schema.columns.iter().enumerate() {
            let cell = reader.cell(&column.name).map_err(|source| PackedError::Row { row, source })?;
            check_cell(column, cell).map_err(|source| PackedError::Row { row, source })?;
            cells.push(if read.contains(position) { cell.to_owned_cell() } else { Cell::Null });
        }
        rows.push(cells);
    }
    if !reader.rest.is_empty() {
        return Err(PackedError::Trailing { extra: reader.rest.len(), rows: count });
    }
    Ok(rows)
}

struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, column: &str) -> Result<&'a [u8], RowError> {
        let (taken, rest) = self
            .rest
            .split_at_checked(n)
            .ok_or_else(|| RowError::Malformed { column: column.to_string(), why: "the buffer ends inside it" })?;
        self.rest = rest;
        Ok(taken)
    }

    fn eight(&mut self, column: &str) -> Result<[u8; 8], RowError> {
        let bytes = self.take(8, column)?;
        Ok(bytes.try_into().expect("took 8 bytes"))
    }

    fn cell(&mut self, column: &str) -> Result<CellRef<'a>, RowError> {
        Ok(match self.take(1, column)?[0] {
            NULL => CellRef::Null,
            INTEGER => CellRef::Integer(i64::from_le_bytes(self.eight(column)?)),
            DOUBLE => CellRef::Double(f64::from_le_bytes(self.eight(column)?)),
            TEXT => {
                let len = u32::from_le_bytes(self.take(4, column)?.try_into().expect("took 4 bytes"));
                let bytes = self.take(len as usize, column)?;
                CellRef::Text(
                    std::str::from_utf8(bytes).map_err(|_| RowError::Malformed {
                        column: column.to_string(),
                        why: "its text is not UTF-8",
                    })?,
                )
            }
            _ => return Err(RowError::Malformed { column: column.to_string(), why: "its tag is not 0, 1, 2 or 3" }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, ColumnOptions, ColumnType, Source};

    fn schema() -> TableSchema {
        let column = |name: &str, ty| Column {
            name: name.into(),
            ty,
            description: String::new(),
            options: ColumnOptions::default(),
            pushdown: None,
        };
        TableSchema {
            name: "t".into(),
            description: String::new(),
            columns: vec![
                column("a", ColumnType::Text),
                column("b", ColumnType::BigInt),
                column("c", ColumnType::Double),
            ],
            source: Source::Path("/version".into()),
        }
    }

    fn text(s: &str) -> Vec<u8> {
        let mut out = vec![TEXT];
        out.extend_from_slice(&u32::try_from(s.len()).expect("short").to_le_bytes());
        out.extend_from_slice(s.as_bytes());
        out
    }

    fn row(a: &str, b: i64) -> Vec<u8> {
        let mut out = text(a);
        out.push(INTEGER);
        out.extend_from_slice(&b.to_le_bytes());
        out.push(DOUBLE);
        out.extend_from_slice(&1.5f64.to_le_bytes());
        out
    }

    #[test]
    fn rows_come_back_with_unread_columns_null() {
        let cells = [row("x", 7), row("y", -1)].concat();
        let all = unpack(&cells, 2, &schema(), &ColumnSet::all(3)).expect("valid");
        assert_eq!(all[1], vec![Cell::Text("y".into()), Cell::Integer(-1), Cell::Double(1.5)]);
        let some = unpack(&cells, 2, &schema(), &ColumnSet::from_positions([1])).expect("valid");
        assert_eq!(some[0], vec![Cell::Null, Cell::Integer(7), Cell::Null]);
    }

    #[test]
    fn malformed_buffers_are_refused_with_where() {
        let cells = row("x", 7);
        let all = ColumnSet::all(3);
        let error = |cells: &[u8], count| unpack(cells, count, &schema(), &all).expect_err("malformed").to_string();
        assert_eq!(error(&cells, 2), "row 1: column a: the buffer ends inside it");
        assert_eq!(error(&[cells.clone(), vec![0]].concat(), 1), "1 bytes follow the last of its 1 rows");
        assert_eq!(error(&[9], 1), "row 0: column a: its tag is not 0, 1, 2 or 3");
        assert_eq!(error(&[TEXT, 255, 255, 255, 255], 1), "row 0: column a: the buffer ends inside it");
        assert_eq!(error(&[TEXT, 1, 0, 0, 0, 0xff], 1), "row 0: column a: its text is not UTF-8");
        let mut wrong_type = vec![INTEGER];
        wrong_type.extend_from_slice(&[0; 8]);
        assert_eq!(error(&wrong_type, 1), "row 0: column a is TEXT but the cell is an integer");
        assert!(unpack(&[], u32::MAX as usize, &schema(), &all).is_err(), "a count the bytes cannot hold");
    }
}
