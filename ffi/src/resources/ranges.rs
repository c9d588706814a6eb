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

    /// Adds every value of `other`: one merge of the two sorted lists.
    pub fn add_all(&mut self, other: &Ranges) {
        if other.spans.is_empty() {
            return;
        }
        if self.spans.is_empty() {
            self.spans.clone_from(&other.spans);
            return;
        }
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(self.spans.len() + other.spans.len());
        let (mut mine, mut theirs) = (self.spans.iter().peekable(), other.spans.iter().peekable());
        loop {
            let next = match (mine.peek(), theirs.peek()) {
                (Some(a), Some(b)) if a.0 <= b.0 => mine.next(),
                (Some(_), Some(_)) => theirs.next(),
                (Some(_), None) => mine.next(),
                (None, _) => theirs.next(),
            };
            let Some(&(begin, end)) = next else {
                break;
            };
            match merged.last_mut() {
                Some(last) if begin <= last.1.saturating_add(1) => last.1 = last.1.max(end),
                _ => merged.push((begin, end)),
            }
        }
        self.spans = merged;
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

    /// Removes every value of `other`: one pass over both sorted lists.
    pub fn subtract_all(&mut self, other: &Ranges) {
        if other.spans.is_empty() || self.spans.is_empty() {
            return;
        }
        let mut kept = Vec::with_capacity(self.spans.len() + other.spans.len());
        let mut cuts = other.spans.iter().peekable();
        for &(begin, end) in &self.spans {
            // What is left of this span starts at `from`; `None` once it is all cut.
            let mut from = Some(begin);
            while let (Some(start), Some(&&(cut_begin, cut_end))) = (from, cuts.peek()) {
                if cut_end < start {
                    cuts.next();
                    continue;
                }
                if cut_begin > end {
                    break;
                }
                if cut_begin > start {
                    kept.push((start, cut_begin - 1));
                }
                if cut_end >= end {
                    // The cut may reach into the next span too: keep it.
                    from = None;
                } else {
                    from = Some(cut_end + 1);
                    cuts.next();
                }
            }
            if let Some(start) = from {
                kept.push((start, end));
            }
        }
        self.spans = kept;
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

    /// Both merges against plain sets of values, on small random lists.
    #[test]
    fn add_all_and_subtract_all_match_sets_of_values() {
        use std::collections::BTreeSet;
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let random = |next: &mut dyn FnMut(u64) -> u64| -> Ranges {
            (0..next(6))
                .map(|_| {
                    let begin = next(60);
                    begin..=begin + next(8)
                })
                .collect()
        };
        let values = |r: &Ranges| r.values().collect::<BTreeSet<u64>>();
        for _ in 0..2_000 {
            let (a, b) = (random(&mut next), random(&mut next));
            let mut sum = a.clone();
            sum.add_all(&b);
            let expected: BTreeSet<u64> = values(&a).union(&values(&b)).copied().collect();
            assert_eq!(values(&sum), expected, "{a} + {b}");
            assert_eq!(sum, expected.iter().map(|&v| v..=v).collect::<Ranges>());
            let mut left = a.clone();
            left.subtract_all(&b);
            let expected: BTreeSet<u64> = values(&a).difference(&values(&b)).copied().collect();
            assert_eq!(values(&left), expected, "{a} - {b}");
            assert_eq!(left, expected.iter().map(|&v| v..=v).collect::<Ranges>());
        }
        let mut edges = Ranges::from(0..=u64::MAX);
        edges.subtract_all(&[0..=0, 5..=9, u64::MAX..=u64::MAX].into_iter().collect());
        assert_eq!(spans(&edges), vec![(1, 4), (10, u64::MAX - 1)]);
        edges.add_all(&[0..=0, u64::MAX..=u64::MAX].into_iter().collect());
        assert_eq!(spans(&edges), vec![(0, 4), (10, u64::MAX)]);
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
