//! The rows tables made of objects the watch cache keeps, so that a later scan reuses the
//! rows of every object unchanged since and converts only the ones that changed.
//!
//! Converting pages in the sandbox is most of what a scan served from the cache costs. A
//! table built against `kubequery:table@0.2.2` says which rows came from which object
//! (`object-rows`); its rows of one object depend only on that object and the request, so
//! they hold for as long as the object is unchanged. Rows are kept per table and set of
//! columns read, by object identity (a new identity for every version of an object the cache
//! receives), within a budget shared by every resource; a table's rows read least recently go
//! first when another needs the room.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::schema::ColumnSet;

/// Bytes counted for an object's entry besides its cells: the map's slot, the `Arc` and the
/// allocations' headers.
const ENTRY_OVERHEAD: usize = 128;

/// Rows read more recently than this are never dropped to make room for another table's.
/// Tables that do not fit together and are read in turn (a query pack every hour) would
/// otherwise each drop the one read before, and none would ever be reused.
const PROTECTED: Duration = Duration::from_secs(10 * 60);

/// What one table made of one object, kept.
#[derive(Debug, PartialEq)]
pub struct ObjectRows {
    /// Rows it gave.
    pub rows: u32,
    /// Their packed cells (`page-rows` in the WIT), already checked against the schema.
    pub cells: Box<[u8]>,
    /// Why the table left it out, when it did: reported again on every scan.
    pub skipped: Option<Box<SkippedObject>>,
}

/// An object a table left out, as kept (its position in a page varies from scan to scan).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedObject {
    pub namespace: String,
    pub name: String,
    pub message: String,
}

impl ObjectRows {
    fn bytes(&self) -> usize {
        ENTRY_OVERHEAD + self.cells.len() + self.skipped.as_ref().map_or(0, |s| s.message.len())
    }
}

/// Whose rows: a table, reading some of its columns (a column left unread is NULL in them).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RowsKey {
    pub table: String,
    pub columns: ColumnSet,
}

/// Bytes of kept rows over every resource and cluster, and the most there may be.
#[derive(Debug)]
pub struct RowBudget {
    used: AtomicUsize,
    max: usize,
}

impl RowBudget {
    /// A budget of `max` bytes.
    pub fn new(max: usize) -> Arc<RowBudget> {
        Arc::new(RowBudget { used: AtomicUsize::new(0), max })
    }

    /// Bytes in use.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Takes `bytes` if they fit.
    fn take(&self, bytes: usize) -> bool {
        self.used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(bytes).filter(|total| *total <= self.max)
            })
            .is_ok()
    }

    fn give_back(&self, bytes: usize) {
        self.used.fetch_sub(bytes, Ordering::Relaxed);
    }
}

struct TableRows {
    objects: HashMap<u64, Arc<ObjectRows>>,
    bytes: usize,
    last_used: Instant,
}

impl TableRows {
    /// Whether these rows may be dropped to make room for `key`'s: another table's, not
    /// read within [`PROTECTED`].
    fn droppable_for(&self, own: &RowsKey, key: &RowsKey) -> bool {
        own != key && self.last_used.elapsed() >= PROTECTED
    }
}

/// The rows kept for the objects of one resource of one cluster.
pub struct RowMemo {
    tables: Mutex<HashMap<RowsKey, TableRows>>,
    budget: Arc<RowBudget>,
    /// Objects whose rows a scan found here, over every table.
    reused: AtomicU64,
}

impl RowMemo {
    /// An empty memo drawing on `budget`.
    pub fn new(budget: Arc<RowBudget>) -> Self {
        RowMemo { tables: Mutex::new(HashMap::new()), budget, reused: AtomicU64::new(0) }
    }

    /// The rows kept for each of `ids`, by `key`'s table and columns.
    pub fn find(&self, key: &RowsKey, ids: &[u64]) -> Vec<Option<Arc<ObjectRows>>> {
        let mut tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        match tables.get_mut(key) {
            Some(table) => {
                table.last_used = Instant::now();
                let found: Vec<_> = ids.iter().map(|id| table.objects.get(id).cloned()).collect();
                self.reused.fetch_add(found.iter().flatten().count() as u64, Ordering::Relaxed);
                found
            }
            None => vec![None; ids.len()],
        }
    }

    /// Keeps `rows` (by object identity) for `key`, making room by dropping the rows of this
    /// resource's other tables read least recently (not within the last ten minutes); what
    /// still does not fit is not kept.
    pub fn keep(&self, key: &RowsKey, rows: Vec<(u64, ObjectRows)>) {
        if rows.is_empty() {
            return;
        }
        let mut tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        let needed: usize = rows.iter().map(|(_, r)| r.bytes()).sum();
        if needed > self.budget.max {
            tracing::debug!("rows of {} not kept: larger than the budget for kept rows", key.table);
            return;
        }
        while !self.budget.take(needed) {
            let oldest = tables
                .iter()
                .filter(|(k, t)| t.bytes > 0 && t.droppable_for(k, key))
                .min_by_key(|(_, t)| t.last_used)
                .map(|(k, _)| k.clone());
            let Some(oldest) = oldest else {
                tracing::debug!("rows of {} not kept: over the budget for kept rows", key.table);
                return;
            };
            if let Some(dropped) = tables.remove(&oldest) {
                self.budget.give_back(dropped.bytes);
            }
        }
        let table = tables.entry(key.clone()).or_insert_with(|| TableRows {
            objects: HashMap::new(),
            bytes: 0,
            last_used: Instant::now(),
        });
        table.bytes += needed;
        for (id, object) in rows {
            if let Some(old) = table.objects.insert(id, Arc::new(object)) {
                // Kept twice (two scans converted it at once): count it once.
                let old = old.bytes();
                table.bytes -= old;
                self.budget.give_back(old);
            }
        }
    }

    /// Whether rows of `objects` objects with `cells` bytes of cells could be kept for `key`
    /// now, counting the room [`RowMemo::keep`] would make: when not, a scan need not copy
    /// them out.
    pub fn has_room(&self, key: &RowsKey, objects: usize, cells: usize) -> bool {
        let needed = objects.saturating_mul(ENTRY_OVERHEAD).saturating_add(cells);
        let free = self.budget.max.saturating_sub(self.budget.used());
        if needed <= free {
            return true;
        }
        let tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        let evictable: usize = tables.iter().filter(|(k, t)| t.droppable_for(k, key)).map(|(_, t)| t.bytes).sum();
        needed <= free.saturating_add(evictable)
    }

    /// Drops the rows of every object not in `ids`: the objects a complete scan found.
    pub fn retain(&self, ids: &HashSet<u64>) {
        let mut tables = self.tables.lock().unwrap_or_else(PoisonError::into_inner);
        for table in tables.values_mut() {
            let mut freed = 0;
            table.objects.retain(|id, rows| {
                let keep = ids.contains(id);
                if !keep {
                    freed += rows.bytes();
                }
                keep
            });
            table.bytes -= freed;
            self.budget.give_back(freed);
        }
        tables.retain(|_, table| !table.objects.is_empty());
    }

    /// Objects whose rows scans found here instead of converting them.
    pub fn reused(&self) -> u64 {
        self.reused.load(Ordering::Relaxed)
    }

    /// Bytes of rows kept.
    pub fn bytes(&self) -> usize {
        self.tables.lock().unwrap_or_else(PoisonError::into_inner).values().map(|t| t.bytes).sum()
    }
}

impl Drop for RowMemo {
    fn drop(&mut self) {
        let tables = self.tables.get_mut().unwrap_or_else(PoisonError::into_inner);
        self.budget.give_back(tables.values().map(|t| t.bytes).sum());
    }
}

/// The objects of a page the watch cache wrote, for tables to reuse their rows of them.
pub struct PageObjects {
    /// Each item's identity: the same for the same version of the same object.
    pub ids: Vec<u64>,
    /// Where each item's JSON is in the page's body.
    pub spans: Vec<Range<usize>>,
    /// Where rows of these objects are kept.
    pub memo: Arc<RowMemo>,
}

impl PageObjects {
    /// The page `body` with only the items at `items` (ascending positions), as the same List.
    pub fn sub_page(&self, body: &[u8], items: &[usize]) -> Bytes {
        let (Some(first), Some(last)) = (self.spans.first(), self.spans.last()) else {
            return Bytes::copy_from_slice(body);
        };
        let (head, tail) = (&body[..first.start], &body[last.end..]);
        let len = head.len() + tail.len() + items.iter().map(|&i| self.spans[i].len() + 1).sum::<usize>();
        let mut out = Vec::with_capacity(len);
        out.extend_from_slice(head);
        for (n, &i) in items.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&body[self.spans[i].clone()]);
        }
        out.extend_from_slice(tail);
        Bytes::from(out)
    }
}

#[cfg(test)]
impl RowMemo {
    /// Makes every table's rows read `by` longer ago.
    fn age(&self, by: Duration) {
        for table in self.tables.lock().unwrap_or_else(PoisonError::into_inner).values_mut() {
            table.last_used = table.last_used.checked_sub(by).unwrap_or(table.last_used);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(table: &str) -> RowsKey {
        RowsKey { table: table.to_string(), columns: ColumnSet::all(3) }
    }

    fn rows(cells: usize) -> ObjectRows {
        ObjectRows { rows: 1, cells: vec![0; cells].into_boxed_slice(), skipped: None }
    }

    #[test]
    fn rows_are_found_by_table_columns_and_object() {
        let memo = RowMemo::new(RowBudget::new(1 << 20));
        memo.keep(&key("pods"), vec![(1, rows(10)), (2, rows(20))]);
        let found = memo.find(&key("pods"), &[2, 3, 1]);
        assert_eq!(
            found.iter().map(|r| r.as_ref().map(|r| r.cells.len())).collect::<Vec<_>>(),
            [Some(20), None, Some(10)]
        );
        let other_columns = RowsKey { columns: ColumnSet::from_positions([0]), ..key("pods") };
        assert!(memo.find(&other_columns, &[1]).iter().all(Option::is_none), "other columns, other rows");
        assert!(memo.find(&key("nodes"), &[1]).iter().all(Option::is_none));
    }

    #[test]
    fn the_budget_drops_the_table_read_least_recently_and_is_given_back() {
        let one = ObjectRows::bytes(&rows(100));
        let budget = RowBudget::new(3 * one);
        let memo = RowMemo::new(budget.clone());
        memo.keep(&key("a"), vec![(1, rows(100)), (2, rows(100))]);
        memo.keep(&key("b"), vec![(1, rows(100))]);
        assert_eq!(budget.used(), 3 * one);
        // `c` needs room: rows read in the last ten minutes stay, and `c` is not kept.
        memo.keep(&key("c"), vec![(1, rows(100))]);
        assert!(memo.find(&key("c"), &[1])[0].is_none());
        // Once they are older, `b`, read least recently, goes; `a` stays.
        memo.age(PROTECTED);
        memo.find(&key("a"), &[1]);
        memo.keep(&key("c"), vec![(1, rows(100))]);
        assert!(memo.find(&key("b"), &[1])[0].is_none());
        assert!(memo.find(&key("a"), &[1])[0].is_some() && memo.find(&key("c"), &[1])[0].is_some());
        // Rows larger than the whole budget are not kept, and drop nothing of the table itself.
        assert!(!memo.has_room(&key("c"), 1, 10 * one));
        assert!(memo.has_room(&key("c"), 0, 0));
        memo.keep(&key("c"), vec![(2, rows(10 * one))]);
        assert!(memo.find(&key("c"), &[2])[0].is_none());
        assert_eq!(budget.used(), 3 * one);
        // Objects gone free their rows; a dropped memo gives everything back.
        memo.retain(&HashSet::from([2]));
        assert_eq!((memo.bytes(), budget.used()), (one, one));
        drop(memo);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn a_sub_page_keeps_the_list_around_the_chosen_items() {
        let body = br#"{"kind":"PodList","metadata":{},"items":[{"a":1},{"b":2},{"c":3}]}"#;
        let at = |s: &str| {
            let start = body.windows(s.len()).position(|w| w == s.as_bytes()).expect("found");
            start..start + s.len()
        };
        let spans = vec![at(r#"{"a":1}"#), at(r#"{"b":2}"#), at(r#"{"c":3}"#)];
        let objects = PageObjects { ids: vec![1, 2, 3], spans, memo: Arc::new(RowMemo::new(RowBudget::new(0))) };
        assert_eq!(
            &objects.sub_page(body, &[0, 2])[..],
            br#"{"kind":"PodList","metadata":{},"items":[{"a":1},{"c":3}]}"#
        );
        assert_eq!(&objects.sub_page(body, &[1])[..], br#"{"kind":"PodList","metadata":{},"items":[{"b":2}]}"#);
        assert_eq!(&objects.sub_page(body, &[])[..], br#"{"kind":"PodList","metadata":{},"items":[]}"#);
    }
}
