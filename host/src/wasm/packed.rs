//! The rows of one page as the host keeps them: the packed cells a `kubequery:table@0.2`
//! component returned (`page-rows` in wit/v0.2.0/table.wit: every cell of a page in one
//! buffer, a tag byte then the value), checked once and then read in place.
//!
//! The buffer is untrusted. Every cell is checked against its column's type, every length
//! against the buffer, and the row count against the bytes actually there, before SQL sees a
//! row (text as UTF-8 too). What SQL reads afterwards is borrowed from the buffer: a page of
//! rows is one allocation for the cells and one for where the read ones start, not a string
//! per cell and a vector per row.

use super::validate::{RowError, check_cell};
use crate::schema::{CellRef, ColumnSet, Row, TableSchema};

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
    #[error("its {bytes} bytes of cells exceed the 4 GiB a page can hold")]
    TooLarge { bytes: usize },
}

/// One page's rows, checked against their table's schema. Columns the statement does not
/// read are NULL whatever the component sent.
#[derive(Debug)]
pub struct Rows {
    cells: Vec<u8>,
    /// Where each read cell starts in `cells`: `read` offsets per row, row after row.
    offsets: Vec<u32>,
    /// For each column of the schema, its place among a row's read cells, if read.
    slots: Vec<Option<usize>>,
    /// Cells read per row.
    read: usize,
    count: usize,
    /// Where each row starts in `cells`, for rows unpacked from a component's buffer (whose
    /// rows hold every column); empty for rows packed by the host.
    starts: Vec<u32>,
}

impl Rows {
    /// The `count` rows packed in `cells`, each one cell per column of `schema`, every cell
    /// checked; the columns in `read` are kept for reading.
    pub fn unpack(cells: Vec<u8>, count: usize, schema: &TableSchema, read: &ColumnSet) -> Result<Rows, PackedError> {
        if u32::try_from(cells.len()).is_err() {
            return Err(PackedError::TooLarge { bytes: cells.len() });
        }
        let slots = slots(schema.columns.len(), read);
        let read_width = slots.iter().flatten().count();
        // Every cell takes at least its tag byte, so a count the bytes cannot hold is refused
        // before anything is allocated for it.
        let width = schema.columns.len().max(1);
        let mut offsets = Vec::with_capacity(count.min(cells.len() / width).saturating_mul(read_width));
        let mut reader = Reader { cells: &cells, at: 0 };
        let mut starts = Vec::with_capacity(count.min(cells.len() / width));
        for row in 0..count {
            starts.push(reader.at as u32);
            for (column, slot) in schema.columns.iter().zip(&slots) {
                let start = reader.at;
                let cell = reader.cell(&column.name).map_err(|source| PackedError::Row { row, source })?;
                check_cell(column, cell).map_err(|source| PackedError::Row { row, source })?;
                if slot.is_some() {
                    // In range: the buffer's length fits a u32 (checked above).
                    offsets.push(start as u32);
                }
            }
        }
        if reader.at != cells.len() {
            return Err(PackedError::Trailing { extra: cells.len() - reader.at, rows: count });
        }
        Ok(Rows { cells, offsets, slots, read: read_width, count, starts })
    }

    /// Rows already checked cell by cell (a `kubequery:table@0.1` component's), packed
    /// keeping the columns in `read`.
    pub fn pack(rows: Vec<Row>, read: &ColumnSet) -> Rows {
        let width = rows.first().map_or(0, Vec::len);
        let slots = slots(width, read);
        let read_width = slots.iter().flatten().count();
        let (mut cells, mut offsets) = (Vec::new(), Vec::with_capacity(rows.len() * read_width));
        let count = rows.len();
        for row in rows {
            for (cell, slot) in row.iter().zip(&slots) {
                if slot.is_none() {
                    continue;
                }
                offsets.push(u32::try_from(cells.len()).unwrap_or(u32::MAX));
                match cell.borrowed() {
                    CellRef::Null => cells.push(NULL),
                    CellRef::Integer(v) => {
                        cells.push(INTEGER);
                        cells.extend_from_slice(&v.to_le_bytes());
                    }
                    CellRef::Double(v) => {
                        cells.push(DOUBLE);
                        cells.extend_from_slice(&v.to_le_bytes());
                    }
                    CellRef::Text(text) => {
                        cells.push(TEXT);
                        cells.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_le_bytes());
                        cells.extend_from_slice(text.as_bytes());
                    }
                }
            }
        }
        Rows { cells, offsets, slots, read: read_width, count, starts: Vec::new() }
    }

    /// How many rows the page holds.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the page holds no row.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes of the cells kept.
    pub fn bytes(&self) -> usize {
        self.cells.len()
    }

    /// The packed cells of `rows` (every column of each, as the component wrote them), for
    /// rows unpacked from a component's buffer; `None` for others or rows past the end.
    pub fn packed(&self, rows: std::ops::Range<usize>) -> Option<&[u8]> {
        if self.starts.len() != self.count || rows.start > rows.end || rows.end > self.count {
            return None;
        }
        let at = |row: usize| self.starts.get(row).map_or(self.cells.len(), |&start| start as usize);
        self.cells.get(at(rows.start)..at(rows.end))
    }

    /// The cell of `column` in row `row`: NULL for a column not read, or past the end.
    pub fn cell(&self, row: usize, column: usize) -> CellRef<'_> {
        let Some(Some(slot)) = self.slots.get(column) else { return CellRef::Null };
        match self.offsets.get(row * self.read + slot) {
            Some(&start) => decode(&self.cells, start as usize),
            None => CellRef::Null,
        }
    }

    /// Row `row`'s cells, owned, one per column (for comparisons; SQL reads cells in place).
    pub fn row(&self, row: usize) -> Row {
        (0..self.slots.len()).map(|column| self.cell(row, column).to_owned_cell()).collect()
    }

    /// Every row, owned.
    pub fn to_vec(&self) -> Vec<Row> {
        (0..self.count).map(|row| self.row(row)).collect()
    }
}

/// For each of `width` columns, its place among the columns in `read`, if there.
fn slots(width: usize, read: &ColumnSet) -> Vec<Option<usize>> {
    let mut next = 0;
    (0..width)
        .map(|column| {
            read.contains(column).then(|| {
                next += 1;
                next - 1
            })
        })
        .collect()
}

/// The cell starting at `at` in `cells`, a buffer [`Rows`] checked (or wrote) cell by cell.
fn decode(cells: &[u8], at: usize) -> CellRef<'_> {
    let value = |len: usize| cells.get(at + 1..at + 1 + len).unwrap_or_default();
    match cells.get(at) {
        Some(&INTEGER) => CellRef::Integer(i64::from_le_bytes(value(8).try_into().unwrap_or_default())),
        Some(&DOUBLE) => CellRef::Double(f64::from_le_bytes(value(8).try_into().unwrap_or_default())),
        Some(&TEXT) => {
            let len = u32::from_le_bytes(value(4).try_into().unwrap_or_default()) as usize;
            let text = cells.get(at + 5..at + 5 + len).unwrap_or_default();
            // SAFETY: `Rows::unpack` checked that these bytes, the text of the cell starting
            // at `at`, are UTF-8 (`Reader::cell`), and `Rows::pack` copied them from a `&str`;
            // `cells` is never changed after.
            CellRef::Text(unsafe { std::str::from_utf8_unchecked(text) })
        }
        _ => CellRef::Null,
    }
}

struct Reader<'a> {
    cells: &'a [u8],
    /// Where the next cell starts.
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, column: &str) -> Result<&'a [u8], RowError> {
        let taken = self
            .cells
            .get(self.at..self.at.saturating_add(n))
            .ok_or_else(|| RowError::Malformed { column: column.to_string(), why: "the buffer ends inside it" })?;
        self.at += n;
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
    use crate::schema::{Cell, Column, ColumnOptions, ColumnType, Source};

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
        let all = Rows::unpack(cells.clone(), 2, &schema(), &ColumnSet::all(3)).expect("valid");
        assert_eq!(all.row(1), vec![Cell::Text("y".into()), Cell::Integer(-1), Cell::Double(1.5)]);
        let some = Rows::unpack(cells, 2, &schema(), &ColumnSet::from_positions([1])).expect("valid");
        assert_eq!(
            some.to_vec(),
            [[Cell::Null, Cell::Integer(7), Cell::Null], [Cell::Null, Cell::Integer(-1), Cell::Null]]
        );
        assert_eq!(some.cell(2, 1), CellRef::Null, "past the last row");
    }

    #[test]
    fn packing_checked_rows_reads_them_back() {
        let rows = vec![
            vec![Cell::Text("é".into()), Cell::Integer(i64::MIN), Cell::Double(-0.5)],
            vec![Cell::Null, Cell::Integer(3), Cell::Integer(4)],
        ];
        assert_eq!(Rows::pack(rows.clone(), &ColumnSet::all(3)).to_vec(), rows);
        let some = Rows::pack(rows, &ColumnSet::from_positions([0, 2]));
        assert_eq!(some.row(0), [Cell::Text("é".into()), Cell::Null, Cell::Double(-0.5)]);
        assert_eq!(some.cell(1, 2), CellRef::Integer(4));
    }

    #[test]
    fn malformed_buffers_are_refused_with_where() {
        let cells = row("x", 7);
        let all = ColumnSet::all(3);
        let error = |cells: &[u8], count| {
            Rows::unpack(cells.to_vec(), count, &schema(), &all).expect_err("malformed").to_string()
        };
        assert_eq!(error(&cells, 2), "row 1: column a: the buffer ends inside it");
        assert_eq!(error(&[cells.clone(), vec![0]].concat(), 1), "1 bytes follow the last of its 1 rows");
        assert_eq!(error(&[9], 1), "row 0: column a: its tag is not 0, 1, 2 or 3");
        assert_eq!(error(&[TEXT, 255, 255, 255, 255], 1), "row 0: column a: the buffer ends inside it");
        assert_eq!(error(&[TEXT, 1, 0, 0, 0, 0xff], 1), "row 0: column a: its text is not UTF-8");
        let mut wrong_type = vec![INTEGER];
        wrong_type.extend_from_slice(&[0; 8]);
        assert_eq!(error(&wrong_type, 1), "row 0: column a is TEXT but the cell is an integer");
        assert!(Rows::unpack(Vec::new(), u32::MAX as usize, &schema(), &all).is_err(), "a count the bytes cannot hold");
    }
}
