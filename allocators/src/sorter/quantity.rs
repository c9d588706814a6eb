//! Resource quantities as the sorters keep them: names interned to dense indices and amounts in
//! thousandths, so the hot path adds integers into small vectors.

use super::error::SorterError;
use modkit_ffi::sdk::Quantities;
use std::collections::{BTreeSet, HashMap};

/// Index of an interned resource name in every per-node vector.
pub(crate) type ResId = usize;

/// Largest quantity accepted: keeps sums of many of them far from `i64` overflow.
const MAX_QUANTITY: f64 = 1e12;

/// Below this many names a linear scan beats hashing the name.
const SCAN_LIMIT: usize = 16;

/// Mesos does its scalar arithmetic in thousandths (three decimals); doing the same keeps sums
/// exact, so giving back all that was taken leaves exactly zero and equal shares stay ties.
pub(crate) fn to_milli(name: &str, value: f64) -> Result<i64, SorterError> {
    if !value.is_finite() || !(0.0..=MAX_QUANTITY).contains(&value) {
        return Err(SorterError::BadQuantity {
            name: name.to_string(),
            value,
        });
    }
    Ok(round_nonnegative(value * 1000.0))
}

/// `x.round()` for 0 ≤ x ≤ 1e15 without the call into libm that `round` is on every quantity
/// of every sorter call: truncating is exact, and so is the fraction left (x and its truncation
/// are within a factor of two once the truncation is 1 or more), so comparing it with one half
/// rounds halves away from zero as `round` does.
fn round_nonnegative(x: f64) -> i64 {
    let whole = x as i64;
    if x - whole as f64 >= 0.5 {
        whole + 1
    } else {
        whole
    }
}

/// Back to the unit the host speaks.
pub(crate) fn from_milli(milli: i64) -> f64 {
    milli as f64 / 1000.0
}

/// Interns resource names and remembers which ones fair sharing ignores.
#[derive(Debug, Default)]
pub(crate) struct Names {
    names: Vec<Box<str>>,
    index: HashMap<Box<str>, ResId>,
    excluded_names: BTreeSet<String>,
    excluded: Vec<bool>,
}

impl Names {
    pub(crate) fn new(excluded_names: BTreeSet<String>) -> Self {
        Names {
            excluded_names,
            ..Default::default()
        }
    }

    /// The index of `name`, interning it on first sight.
    pub(crate) fn id(&mut self, name: &str) -> ResId {
        let found = if self.names.len() <= SCAN_LIMIT {
            self.names.iter().position(|n| &**n == name)
        } else {
            self.index.get(name).copied()
        };
        found.unwrap_or_else(|| {
            let id = self.names.len();
            self.names.push(name.into());
            self.index.insert(name.into(), id);
            self.excluded.push(self.excluded_names.contains(name));
            id
        })
    }

    pub(crate) fn name(&self, id: ResId) -> &str {
        &self.names[id]
    }

    /// Per index: whether fair sharing skips that resource.
    pub(crate) fn excluded(&self) -> &[bool] {
        &self.excluded
    }

    /// Adds `sign` × `quantities` into `delta`, checking every value first-hand.
    pub(crate) fn read(
        &mut self,
        quantities: Quantities<'_>,
        sign: i64,
        delta: &mut Delta,
    ) -> Result<(), SorterError> {
        for (name, value) in quantities.iter() {
            let milli = to_milli(name, value)?;
            delta.add(self.id(name), sign * milli);
        }
        Ok(())
    }
}

/// A signed change per resource, summed over repeated names; clearing costs only what was set.
#[derive(Debug, Default)]
pub(crate) struct Delta {
    amounts: Vec<i64>,
    seen: Vec<bool>,
    touched: Vec<ResId>,
}

impl Delta {
    pub(crate) fn clear(&mut self) {
        for &id in &self.touched {
            self.amounts[id] = 0;
            self.seen[id] = false;
        }
        self.touched.clear();
    }

    pub(crate) fn add(&mut self, id: ResId, milli: i64) {
        if self.amounts.len() <= id {
            self.amounts.resize(id + 1, 0);
            self.seen.resize(id + 1, false);
        }
        if !self.seen[id] {
            self.seen[id] = true;
            self.touched.push(id);
        }
        self.amounts[id] += milli;
    }

    pub(crate) fn negate(&mut self) {
        for &id in &self.touched {
            self.amounts[id] = -self.amounts[id];
        }
    }

    /// The resources touched, in first-touched order, with their net change.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (ResId, i64)> + '_ {
        self.touched.iter().map(|&id| (id, self.amounts[id]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use modkit_ffi::sdk::QuantityBuf;

    #[test]
    fn thousandths_round_like_mesos_and_sum_exactly() {
        assert_eq!(to_milli("cpus", 0.1).unwrap(), 100);
        // Rounding as `f64::round` does, halves and near-halves included.
        let mut rng = crate::sorter::rng::SplitMix64::new(3);
        let edges = [
            0.0,
            0.5,
            1.5,
            2.5,
            0.499_999_999_999_999_94,
            4_503_599_627_370_495.5 / 4.5,
            1e15,
            999_999_999_999_999.4,
        ];
        let random = (0..100_000).map(|i| {
            let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            unit * [1.0, 1e3, 1e9, 1e15][i % 4]
        });
        let halves = (0..1_000).map(|k| k as f64 * 999_983.0 + 0.5);
        for x in edges.into_iter().chain(halves).chain(random) {
            assert_eq!(round_nonnegative(x), x.round() as i64, "{x}");
        }
        assert_eq!(to_milli("cpus", 0.0005).unwrap(), 1);
        let sum: i64 = (0..3).map(|_| to_milli("cpus", 0.1).unwrap()).sum();
        assert_eq!(sum - to_milli("cpus", 0.3).unwrap(), 0);
        assert_eq!(from_milli(300), 0.3);
    }

    #[test]
    fn negative_huge_and_non_finite_are_refused() {
        for v in [-1.0, 1e13, f64::NAN, f64::INFINITY] {
            assert!(to_milli("mem", v).is_err(), "{v}");
        }
    }

    #[test]
    fn names_intern_past_the_scan_limit_and_know_exclusions() {
        let mut names = Names::new(["gpus".to_string()].into());
        let ids: Vec<ResId> = (0..40).map(|i| names.id(&format!("r{i}"))).collect();
        assert_eq!(ids, (0..40).collect::<Vec<_>>());
        assert_eq!(names.id("r7"), 7);
        assert_eq!(names.id("r33"), 33);
        let gpus = names.id("gpus");
        assert!(names.excluded()[gpus] && !names.excluded()[0]);
        assert_eq!(names.name(gpus), "gpus");
    }

    #[test]
    fn delta_sums_repeats_and_clears() {
        let mut names = Names::default();
        let mut delta = Delta::default();
        let q = QuantityBuf::from_pairs([("cpus", 1.0), ("mem", 2.0), ("cpus", 0.5)]).unwrap();
        names.read(q.view(), 1, &mut delta).unwrap();
        assert_eq!(delta.iter().collect::<Vec<_>>(), vec![(0, 1500), (1, 2000)]);
        delta.negate();
        assert_eq!(
            delta.iter().collect::<Vec<_>>(),
            vec![(0, -1500), (1, -2000)]
        );
        delta.clear();
        assert_eq!(delta.iter().count(), 0);
        names.read(q.view(), -1, &mut delta).unwrap();
        assert_eq!(delta.iter().next(), Some((0, -1500)));
    }
}
