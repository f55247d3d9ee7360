//! The packed row encoding of `kubequery:table@0.2` (`page-rows` in wit/v0.2.0/table.wit):
//! every cell of a page in one buffer, a tag byte then the value, numbers little-endian.

/// Tag of a NULL cell.
pub const NULL: u8 = 0;
/// Tag of an integer cell: 8 bytes, signed.
pub const INTEGER: u8 = 1;
/// Tag of a double cell: 8 bytes, IEEE 754.
pub const DOUBLE: u8 = 2;
/// Tag of a text cell: a 4-byte unsigned length, then that many bytes of UTF-8.
pub const TEXT: u8 = 3;

/// Appends a NULL cell.
pub fn null(out: &mut Vec<u8>) {
    out.push(NULL);
}

/// Appends an integer cell.
pub fn integer(out: &mut Vec<u8>, value: i64) {
    out.push(INTEGER);
    out.extend_from_slice(&value.to_le_bytes());
}

/// Appends a double cell.
pub fn double(out: &mut Vec<u8>, value: f64) {
    out.push(DOUBLE);
    out.extend_from_slice(&value.to_le_bytes());
}

/// Appends a text cell.
pub fn text(out: &mut Vec<u8>, value: &str) {
    text_with(out, |out| out.extend_from_slice(value.as_bytes()));
}

/// Appends a text cell whose UTF-8 bytes `write` appends, so that a value built on the fly
/// (compact JSON) is written once, in place.
pub fn text_with(out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>)) {
    out.push(TEXT);
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    write(out);
    let len = out.len() - at - 4;
    // A page's buffer is far below 4 GiB: the host caps a page's rows well under it.
    let len = u32::try_from(len).expect("a text cell under 4 GiB");
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
}

/// One packed cell, read back.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    /// SQL NULL.
    Null,
    /// An INTEGER or BIGINT.
    Integer(i64),
    /// A DOUBLE.
    Double(f64),
    /// TEXT.
    Text(&'a str),
}

/// Reads packed cells back one at a time, e.g. to check a table's output in its own tests;
/// ends at the end of the buffer or at the first malformed cell.
pub struct Cells<'a> {
    rest: &'a [u8],
}

impl<'a> Cells<'a> {
    /// The cells of `packed`.
    pub fn new(packed: &'a [u8]) -> Self {
        Cells { rest: packed }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (taken, rest) = self.rest.split_at_checked(n)?;
        self.rest = rest;
        Some(taken)
    }

    fn eight(&mut self) -> Option<[u8; 8]> {
        self.take(8)?.try_into().ok()
    }
}

impl<'a> Iterator for Cells<'a> {
    type Item = Cell<'a>;

    fn next(&mut self) -> Option<Cell<'a>> {
        let cell = match self.take(1)?[0] {
            NULL => Cell::Null,
            INTEGER => Cell::Integer(i64::from_le_bytes(self.eight()?)),
            DOUBLE => Cell::Double(f64::from_le_bytes(self.eight()?)),
            TEXT => {
                let len = u32::from_le_bytes(self.take(4)?.try_into().ok()?);
                Cell::Text(std::str::from_utf8(self.take(len as usize)?).ok()?)
            }
            _ => None?,
        };
        Some(cell)
    }
}

/// The columns a statement reads, by position in the schema.
#[derive(Clone, Debug, Default)]
pub struct ColumnSet {
    words: Vec<u64>,
}

impl ColumnSet {
    /// The first `width` columns: all of them, for a table read whole.
    pub fn all(width: usize) -> Self {
        ColumnSet::from_positions(0..width)
    }

    /// The columns at `positions`.
    pub fn from_positions(positions: impl IntoIterator<Item = usize>) -> Self {
        let mut words = Vec::new();
        for position in positions {
            let word = position / 64;
            if words.len() <= word {
                words.resize(word + 1, 0);
            }
            words[word] |= 1u64 << (position % 64);
        }
        ColumnSet { words }
    }

    /// Whether the column at `position` is read.
    pub fn contains(&self, position: usize) -> bool {
        self.words.get(position / 64).is_some_and(|w| w & (1u64 << (position % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_tagged_and_little_endian() {
        let mut out = Vec::new();
        null(&mut out);
        integer(&mut out, -2);
        text(&mut out, "é");
        double(&mut out, 0.5);
        let mut expected = vec![NULL, INTEGER];
        expected.extend_from_slice(&(-2i64).to_le_bytes());
        expected.extend_from_slice(&[TEXT, 2, 0, 0, 0, 0xc3, 0xa9, DOUBLE]);
        expected.extend_from_slice(&0.5f64.to_le_bytes());
        assert_eq!(out, expected);
        let cells: Vec<Cell> = Cells::new(&out).collect();
        assert_eq!(cells, [Cell::Null, Cell::Integer(-2), Cell::Text("é"), Cell::Double(0.5)]);
        assert_eq!(Cells::new(&out[..out.len() - 1]).count(), 3, "a cut cell ends the cells");
    }

    #[test]
    fn column_sets_span_words() {
        let set = ColumnSet::from_positions([0, 3, 64, 130]);
        assert!(set.contains(0) && set.contains(3) && set.contains(64) && set.contains(130));
        assert!(!set.contains(1) && !set.contains(63) && !set.contains(131) && !set.contains(10_000));
        assert!(ColumnSet::all(70).contains(69) && !ColumnSet::all(70).contains(70));
    }
}
