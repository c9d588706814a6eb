//! Sets of `u64` values kept as sorted, merged inclusive intervals.

use std::fmt;
use std::ops::RangeInclusive;

/// Inclusive intervals such as `[31000-32000,33000-33010]`.
///
/// Always sorted and merged (adjacent intervals join: `[1-2,3-4]` is `[1-4]`), so equal
/// value sets compare equal and print the same way.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ranges {
    spans: Vec<(u64, u64)>,
}

impl Ranges {
    /// No values.
    pub fn new() -> Ranges {
        Ranges::default()
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The number of values (not intervals); saturates at `u64::MAX`.
    pub fn len(&self) -> u64 {
        self.spans.iter().fold(0u64, |total, &(begin, end)| {
            total.saturating_add((end - begin).saturating_add(1))
        })
    }

    /// The intervals as `(begin, end)`, both inclusive, in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.spans.iter().copied()
    }

    /// Every single value, in ascending order.
    pub fn values(&self) -> impl Iterator<Item = u64> + '_ {
        self.spans.iter().flat_map(|&(begin, end)| begin..=end)
    }

    /// Whether `value` is in one of the intervals.
    pub fn contains(&self, value: u64) -> bool {
        let index = self.spans.partition_point(|&(_, end)| end < value);
        self.spans
            .get(index)
            .is_some_and(|&(begin, _)| begin <= value)
    }

    /// Whether every value of `other` is also here.
    pub fn contains_all(&self, other: &Ranges) -> bool {
        other.spans.iter().all(|&(begin, end)| {
            let index = self.spans.partition_point(|&(_, e)| e < begin);
            self.spans
                .get(index)
                .is_some_and(|&(b, e)| b <= begin && end <= e)
        })
    }

    /// Adds the values of `range`; an empty range (`5..=1`) adds nothing.
    pub fn add(&mut self, range: RangeInclusive<u64>) {
        let (begin, end) = range.into_inner();
        if begin > end {
            return;
        }
        let index = self.spans.partition_point(|&(b, _)| b < begin);
        self.spans.insert(index, (begin, end));
        self.coalesce();
    }

    /// Adds every value of `other`.
    pub fn add_all(&mut self, other: &Ranges) {
        self.spans.extend_from_slice(&other.spans);
        self.spans.sort_unstable();
        self.coalesce();
    }

    /// Removes the values of `range`, splitting intervals where needed.
    pub fn subtract(&mut self, range: RangeInclusive<u64>) {
        let (cut_begin, cut_end) = range.into_inner();
        if cut_begin > cut_end {
            return;
        }
        let mut kept = Vec::with_capacity(self.spans.len() + 1);
        for &(begin, end) in &self.spans {
            if end < cut_begin || begin > cut_end {
                kept.push((begin, end));
                continue;
            }
            if begin < cut_begin {
                kept.push((begin, cut_begin - 1));
            }
            if end > cut_end {
                kept.push((cut_end + 1, end));
            }
        }
        self.spans = kept;
    }

    /// Removes every value of `other`.
    pub fn subtract_all(&mut self, other: &Ranges) {
        for &(begin, end) in &other.spans {
            self.subtract(begin..=end);
        }
    }

    /// Joins overlapping and adjacent spans of a list sorted by begin.
    fn coalesce(&mut self) {
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(self.spans.len());
        for &(begin, end) in &self.spans {
            match merged.last_mut() {
                Some(last) if begin <= last.1.saturating_add(1) => last.1 = last.1.max(end),
                _ => merged.push((begin, end)),
            }
        }
        self.spans = merged;
    }
}

impl From<RangeInclusive<u64>> for Ranges {
    fn from(range: RangeInclusive<u64>) -> Ranges {
        let mut ranges = Ranges::new();
        ranges.add(range);
        ranges
    }
}

impl FromIterator<RangeInclusive<u64>> for Ranges {
    fn from_iter<I: IntoIterator<Item = RangeInclusive<u64>>>(iter: I) -> Ranges {
        let mut spans: Vec<(u64, u64)> = iter
            .into_iter()
            .map(RangeInclusive::into_inner)
            .filter(|(begin, end)| begin <= end)
            .collect();
        spans.sort_unstable();
        let mut ranges = Ranges { spans };
        ranges.coalesce();
        ranges
    }
}

impl fmt::Display for Ranges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (index, (begin, end)) in self.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            write!(f, "{begin}-{end}")?;
        }
        f.write_str("]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(ranges: &Ranges) -> Vec<(u64, u64)> {
        ranges.iter().collect()
    }

    #[test]
    fn adjacent_and_overlapping_intervals_merge() {
        let ranges: Ranges = [3..=4, 1..=2, 10..=12, 11..=20].into_iter().collect();
        assert_eq!(spans(&ranges), vec![(1, 4), (10, 20)]);
        assert_eq!(ranges.to_string(), "[1-4,10-20]");
        assert_eq!(ranges.len(), 15);
    }

    #[test]
    fn subtract_splits_an_interval() {
        let mut ranges = Ranges::from(31000..=32000);
        ranges.subtract(31005..=31010);
        assert_eq!(ranges.to_string(), "[31000-31004,31011-32000]");
        ranges.subtract(30000..=31004);
        assert_eq!(ranges.to_string(), "[31011-32000]");
        ranges.subtract(31011..=32000);
        assert!(ranges.is_empty());
    }

    #[test]
    fn extremes_do_not_overflow() {
        let mut ranges = Ranges::from(0..=u64::MAX);
        assert_eq!(ranges.len(), u64::MAX);
        ranges.subtract(0..=0);
        ranges.subtract(u64::MAX..=u64::MAX);
        assert_eq!(spans(&ranges), vec![(1, u64::MAX - 1)]);
        ranges.add(u64::MAX..=u64::MAX);
        ranges.add(0..=0);
        assert_eq!(spans(&ranges), vec![(0, u64::MAX)]);
    }

    #[test]
    fn contains_values_and_ranges() {
        let ranges: Ranges = [1..=5, 10..=20].into_iter().collect();
        assert!(ranges.contains(1) && ranges.contains(15) && !ranges.contains(7));
        assert!(!ranges.contains(21));
        assert!(ranges.contains_all(&[2..=3, 10..=20].into_iter().collect()));
        assert!(!ranges.contains_all(&Ranges::from(4..=10)));
        assert!(ranges.contains_all(&Ranges::new()));
    }

    #[test]
    fn add_all_subtract_all_and_values() {
        let mut ranges = Ranges::from(1..=3);
        ranges.add_all(&[5..=6, 4..=4].into_iter().collect());
        assert_eq!(ranges.to_string(), "[1-6]");
        ranges.subtract_all(&[2..=2, 5..=5].into_iter().collect());
        assert_eq!(ranges.values().collect::<Vec<_>>(), vec![1, 3, 4, 6]);
        let (high, low) = (9, 1);
        ranges.add(high..=low);
        assert_eq!(ranges.len(), 4);
        assert_eq!(Ranges::new().to_string(), "[]");
    }
}
