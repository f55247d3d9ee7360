//! Converting a page of the watch cache: rows of objects a table already converted, unchanged
//! since, are reused; only the others enter the sandbox.
//!
//! A table that exports `kubequery:table@0.2.2`'s `object-rows` says where each object's rows
//! end. The host keeps those rows by object identity ([`RowMemo`]) and, for the next page of
//! the same objects, hands the table a page of the changed objects alone, then puts the rows
//! back together in the page's order. The result is checked cell by cell like any page.

use super::error::{ScanError, ScanErrorKind};
use super::packed::Rows;
use super::scan::{Converted, Scan, SkippedObject};
use crate::sources::Page;
use crate::sources::row_memo::{self, ObjectRows, PageObjects, RowsKey};

impl Scan {
    /// Converts `page` into rows, each checked against the schema: reusing the rows of
    /// unchanged objects when the page comes from the watch cache and the table tells which
    /// rows came from which object.
    pub fn page_rows(&mut self, page: &Page) -> Result<Rows, ScanError> {
        match &page.objects {
            Some(objects) if self.reuses_rows() => self.reusing(page, objects),
            _ => self.rows(&page.body, &page.cluster),
        }
    }

    fn reusing(&mut self, page: &Page, objects: &PageObjects) -> Result<Rows, ScanError> {
        let key = RowsKey { table: self.table().schema.name.clone(), columns: self.columns().clone() };
        let kept = objects.memo.find(&key, &objects.ids);
        let missing: Vec<usize> = (0..kept.len()).filter(|&i| kept[i].is_none()).collect();
        let all_missing = missing.len() == kept.len();
        let converted = if missing.is_empty() {
            None
        } else {
            let body = if all_missing { page.body.clone() } else { objects.sub_page(&page.body, &missing) };
            let converted = self.convert(&body, &page.cluster, true)?;
            if !adds_up(converted.ends.as_deref(), missing.len(), converted.rows.len()) {
                // Not rows to keep apart: this table's pages are converted whole from now on.
                tracing::warn!(
                    "table {} told where its objects' rows end in a way that does not add up; its rows are not reused",
                    self.table().schema.name
                );
                self.reuses = false;
                return if all_missing { Ok(converted.rows) } else { self.rows(&page.body, &page.cluster) };
            }
            Some(converted)
        };
        let fresh = match &converted {
            // Rows that could not be kept are not copied out, unless the page needs them.
            Some(c) if !all_missing || objects.memo.has_room(&key, missing.len(), c.rows.bytes()) => {
                split(c, &missing, &objects.ids)
            }
            _ => Vec::new(),
        };
        let rows = match converted {
            // Nothing was reused: the rows are the table's, as they came.
            Some(converted) if all_missing => Ok(converted.rows),
            _ => self.assembled(&kept, &fresh),
        };
        objects.memo.keep(&key, fresh);
        rows
    }

    /// The page's rows in the order of its objects: each kept object's rows, or the ones just
    /// converted (`fresh`, in order) for the others; checked again as one page.
    fn assembled(
        &self,
        kept: &[Option<std::sync::Arc<ObjectRows>>],
        fresh: &[(u64, ObjectRows)],
    ) -> Result<Rows, ScanError> {
        let (mut cells, mut count) = (Vec::new(), 0usize);
        let mut skipped = Vec::new();
        let mut fresh = fresh.iter();
        for (index, kept) in kept.iter().enumerate() {
            let rows = match kept {
                Some(rows) => {
                    if let Some(s) = &rows.skipped {
                        // Told again on every scan, as if converted now.
                        skipped.push(SkippedObject {
                            index: u32::try_from(index).unwrap_or(u32::MAX),
                            namespace: s.namespace.clone(),
                            name: s.name.clone(),
                            message: s.message.clone(),
                        });
                    }
                    rows.as_ref()
                }
                None => match fresh.next() {
                    Some((_, rows)) => rows,
                    None => break,
                },
            };
            cells.extend_from_slice(&rows.cells);
            count += rows.rows as usize;
        }
        self.warn_skipped(&skipped);
        let table = self.table();
        Rows::unpack(cells, count, &table.schema, self.columns())
            .map_err(|e| ScanError { table: table.schema.name.clone(), kind: ScanErrorKind::Packed(e) })
    }
}

/// Whether `ends` gives, for each of `items`, where its rows end: never backwards, the last at
/// `rows`.
fn adds_up(ends: Option<&[u32]>, items: usize, rows: usize) -> bool {
    let Some(ends) = ends else { return false };
    ends.len() == items
        && ends.windows(2).all(|pair| pair[0] <= pair[1])
        && ends.last().map_or(rows == 0, |&last| last as usize == rows)
}

/// Each converted object's rows, by identity: `missing[k]` is the position in the page (and in
/// `ids`) of the converted page's item `k`.
fn split(converted: &Converted, missing: &[usize], ids: &[u64]) -> Vec<(u64, ObjectRows)> {
    let ends = converted.ends.as_deref().unwrap_or_default();
    let mut start = 0;
    missing
        .iter()
        .zip(ends)
        .enumerate()
        .map(|(k, (&position, &end))| {
            let end = end as usize;
            let cells = converted.rows.packed(start..end).unwrap_or_default();
            let skipped = converted.skipped.iter().find(|s| s.index as usize == k).map(|s| {
                Box::new(row_memo::SkippedObject {
                    namespace: s.namespace.clone(),
                    name: s.name.clone(),
                    message: s.message.clone(),
                })
            });
            let rows = ObjectRows { rows: (end - start) as u32, cells: cells.into(), skipped };
            start = end;
            (ids[position], rows)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::adds_up;

    #[test]
    fn ends_add_up_only_when_they_cover_every_item_and_row() {
        assert!(adds_up(Some(&[1, 1, 3]), 3, 3));
        assert!(adds_up(Some(&[0, 0]), 2, 0));
        assert!(adds_up(Some(&[]), 0, 0));
        assert!(!adds_up(None, 1, 1), "not told");
        assert!(!adds_up(Some(&[1, 3]), 3, 3), "an item short");
        assert!(!adds_up(Some(&[2, 1, 3]), 3, 3), "backwards");
        assert!(!adds_up(Some(&[1, 1, 2]), 3, 3), "rows left over");
        assert!(!adds_up(Some(&[1, 1, 4]), 3, 3), "rows that are not there");
    }
}
