//! Which columns of a table a statement reads.

/// The columns a statement reads, by position in the table's schema. Tables built against
/// `kubequery:table@0.2` compute only these; the host reads only these.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ColumnSet {
    words: Vec<u64>,
}

impl ColumnSet {
    /// Every column of a `width`-column table.
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

    /// The columns SQLite's `colUsed` mask names in a `width`-column table: bit `i` for column
    /// `i`, and bit 63 for every column from 63 on. osquery passes the same mask as
    /// `colsUsedBitset`.
    pub fn from_sqlite_mask(mask: u64, width: usize) -> Self {
        ColumnSet::from_positions((0..width).filter(|&i| mask & (1u64 << i.min(63)) != 0))
    }

    /// Whether the column at `position` is read.
    pub fn contains(&self, position: usize) -> bool {
        self.words.get(position / 64).is_some_and(|w| w & (1u64 << (position % 64)) != 0)
    }

    /// The positions read, ascending.
    pub fn positions(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(word, bits)| {
            (0..64).filter(move |bit| bits & (1u64 << bit) != 0).map(move |bit| word * 64 + bit)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_masks_cover_columns_past_63_with_bit_63() {
        let set = ColumnSet::from_sqlite_mask(1 | (1 << 5) | (1 << 63), 70);
        assert_eq!(set.positions().collect::<Vec<_>>(), [0, 5, 63, 64, 65, 66, 67, 68, 69]);
        assert_eq!(ColumnSet::from_sqlite_mask(u64::MAX, 3), ColumnSet::all(3));
        assert!(!ColumnSet::from_sqlite_mask(0b10, 4).contains(0));
    }

    #[test]
    fn positions_span_words() {
        let set = ColumnSet::from_positions([130, 1, 2]);
        assert_eq!(set.positions().collect::<Vec<_>>(), [1, 2, 130]);
        assert!(set.contains(130) && !set.contains(129) && !set.contains(100_000));
    }
}
