//! Rows of a table response kept packed (kubequery patch 12, see PATCHES.md).
//!
//! The generated `ExtensionPluginResponse` holds every row as a `BTreeMap<String, String>`:
//! each cell costs two heap strings (the column name is copied into every row) and a share of
//! a B-tree node, about 100 bytes on top of its value. For a table of 10 000 pods that is
//! ~150 MB per call, most of it bookkeeping. `PackedRows` keeps the values of all rows in one
//! string and each cell as a column index and an end offset (8 bytes), and is written to the
//! wire exactly as the maps would be: osqueryd cannot tell the difference.

use std::sync::Arc;

use thrift::protocol::{TMapIdentifier, TOutputProtocol, TType};

use crate::_osquery::osquery::{ExtensionResponse, ExtensionStatus};

impl ExtensionResponse {
    /// A response whose rows are written from `rows` (osqueryd reads the usual list of maps).
    pub fn with_packed_rows(status: ExtensionStatus, rows: PackedRows) -> Self {
        ExtensionResponse { status: Some(status), response: None, packed: Some(rows) }
    }
}

/// Rows as column-name → value maps, packed. Column names are shared by all rows.
#[derive(Clone, Debug, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct PackedRows {
    names: Arc<[String]>,
    text: String,
    /// Per cell: the column's index in `names`, and where its value ends in `text`.
    cells: Vec<(u32, u32)>,
    /// Per row: where its cells end in `cells`.
    rows: Vec<u32>,
    /// Bytes of the rows on the wire so far.
    wire: usize,
    keep: KeepAlive,
}

/// Something to keep alive as long as the rows are (the memory reservation they were counted
/// in is given back only once they are written and dropped). Ignored by comparisons.
#[derive(Clone, Default)]
struct KeepAlive(Option<Arc<dyn std::any::Any + Send + Sync>>);

impl std::fmt::Debug for KeepAlive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "KeepAlive(..)" } else { "KeepAlive" })
    }
}

impl PartialEq for KeepAlive {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for KeepAlive {}

impl PartialOrd for KeepAlive {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for KeepAlive {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl std::hash::Hash for KeepAlive {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

/// A value or a row would take `PackedRows` past 4 GiB of text or 4 G cells, or a cell names
/// a column the rows do not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackedRowsFull;

impl PackedRows {
    /// No rows yet, for a table with these column names.
    pub fn new(names: Arc<[String]>) -> Self {
        PackedRows { names, text: String::new(), cells: Vec::new(), rows: Vec::new(), wire: 0, keep: KeepAlive(None) }
    }

    /// Keeps `value` alive until the rows are dropped (after they are written).
    pub fn keep_alive(&mut self, value: impl std::any::Any + Send + Sync) {
        self.keep = KeepAlive(Some(Arc::new(value)));
    }

    /// Adds one cell to the row being built; `column` indexes the names given to `new`.
    pub fn push_cell(&mut self, column: usize, value: &str) -> Result<(), PackedRowsFull> {
        let name = self.names.get(column).ok_or(PackedRowsFull)?.len();
        let column = u32::try_from(column).map_err(|_| PackedRowsFull)?;
        let end = u32::try_from(self.text.len() + value.len()).map_err(|_| PackedRowsFull)?;
        self.text.push_str(value);
        self.cells.push((column, end));
        self.wire += 8 + name + value.len();
        Ok(())
    }

    /// Ends the row being built (a row may have no cells: every value NULL).
    pub fn end_row(&mut self) -> Result<(), PackedRowsFull> {
        self.rows.push(u32::try_from(self.cells.len()).map_err(|_| PackedRowsFull)?);
        self.wire += 6;
        Ok(())
    }

    /// Rows ended so far.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no row has been ended.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Heap bytes held (capacity, not length: what the allocator really gave out).
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.cells.capacity() * std::mem::size_of::<(u32, u32)>()
            + self.rows.capacity() * std::mem::size_of::<u32>()
    }

    /// Bytes these rows take in a Thrift binary message, as a list of string maps: per row a
    /// map header (key type, value type, size: 6 bytes), per cell two length-prefixed strings.
    pub fn wire_bytes(&self) -> usize {
        self.wire
    }

    /// The rows as the maps the generated code would hold (for tests and small answers).
    pub fn to_maps(&self) -> Vec<std::collections::BTreeMap<String, String>> {
        let mut out = Vec::with_capacity(self.rows.len());
        self.for_each_row(|cells| {
            out.push(cells.map(|(k, v)| (k.to_string(), v.to_string())).collect());
        });
        out
    }

    fn for_each_row<'a>(&'a self, mut each: impl FnMut(&mut dyn ExactSizeIterator<Item = (&'a str, &'a str)>)) {
        let (mut cell, mut start) = (0usize, 0usize);
        for &row_end in &self.rows {
            let cells = &self.cells[cell..row_end as usize];
            let mut values = cells.iter().map(|&(column, end)| {
                let value = &self.text[start..end as usize];
                start = end as usize;
                (self.names[column as usize].as_str(), value)
            });
            each(&mut values);
            cell = row_end as usize;
        }
    }

    /// Writes the list elements (the caller writes the list header with `len()` elements).
    pub(crate) fn write_elements(&self, o_prot: &mut dyn TOutputProtocol) -> thrift::Result<()> {
        let mut result = Ok(());
        self.for_each_row(|cells| {
            if result.is_err() {
                return;
            }
            result = (|| {
                o_prot.write_map_begin(&TMapIdentifier::new(TType::String, TType::String, cells.len() as i32))?;
                for (name, value) in cells {
                    o_prot.write_string(name)?;
                    o_prot.write_string(value)?;
                }
                o_prot.write_map_end()
            })();
        });
        result
    }
}

#[cfg(test)]
mod tests {
    use thrift::protocol::{TBinaryOutputProtocol, TSerializable};
    use thrift::transport::TBufferChannel;

    use super::*;

    fn wire(response: &ExtensionResponse) -> Vec<u8> {
        let mut channel = TBufferChannel::with_capacity(0, 1 << 16);
        let mut protocol = TBinaryOutputProtocol::new(&mut channel, true);
        response.write_to_out_protocol(&mut protocol).unwrap();
        channel.write_bytes()
    }

    #[test]
    fn packed_rows_are_written_exactly_like_maps() {
        let names: Arc<[String]> = vec!["a".to_string(), "b".to_string(), "c".to_string()].into();
        let mut rows = PackedRows::new(names);
        for (a, c) in [("1", Some("x")), ("2", None), ("", Some("ünï"))] {
            rows.push_cell(0, a).unwrap();
            rows.push_cell(1, "same").unwrap();
            if let Some(c) = c {
                rows.push_cell(2, c).unwrap();
            }
            rows.end_row().unwrap();
        }
        let status = ExtensionStatus::new(0, "OK".to_string(), None);
        let maps = ExtensionResponse::new(status.clone(), rows.to_maps());
        let packed = ExtensionResponse::with_packed_rows(status, rows.clone());
        assert_eq!(wire(&packed), wire(&maps));
        // The response field (without the struct's other bytes) is what wire_bytes counts.
        let status = ExtensionStatus::new(0, "OK".to_string(), None);
        let empty = ExtensionResponse::with_packed_rows(status, PackedRows::new(Arc::from(Vec::new())));
        assert_eq!(wire(&packed).len() - wire(&empty).len(), rows.wire_bytes());
    }

    #[test]
    fn packs_and_unpacks_rows() {
        let names: Arc<[String]> = vec!["a".to_string(), "bb".to_string()].into();
        let mut rows = PackedRows::new(names);
        rows.push_cell(0, "x").unwrap();
        rows.push_cell(1, "").unwrap();
        rows.end_row().unwrap();
        rows.end_row().unwrap();
        rows.push_cell(1, "héllo").unwrap();
        rows.end_row().unwrap();
        let maps = rows.to_maps();
        assert_eq!(maps.len(), 3);
        assert_eq!(maps[0].get("a").map(String::as_str), Some("x"));
        assert_eq!(maps[0].get("bb").map(String::as_str), Some(""));
        assert!(maps[1].is_empty());
        assert_eq!(maps[2].get("bb").map(String::as_str), Some("héllo"));
        // 3 map headers, 3 cells of two length prefixes, names "a" + "bb" + "bb", values.
        assert_eq!(rows.wire_bytes(), 3 * 6 + 3 * 8 + 5 + "x".len() + "héllo".len());
    }
}
