//! Counters a caller can read between cycles. No wall clock here: the caller times `allocate`.

use super::qty::Qty;
use super::HierarchicalAllocator;
use std::collections::{BTreeMap, BTreeSet};

/// DRF's dominant share (unweighted): the largest fraction of any counted total held.
fn dominant_share(
    allocated: &Qty,
    totals: &Qty,
    excluded: &BTreeSet<String>,
    name: impl Fn(usize) -> String,
) -> f64 {
    totals
        .iter()
        .filter(|&(id, total)| total > 0 && !excluded.contains(&name(id)))
        .map(|(id, total)| allocated.get(id) as f64 / total as f64)
        .fold(0.0, f64::max)
}

impl HierarchicalAllocator {
    /// `allocator/allocation_runs`, and per role with frameworks
    /// `allocator/dominant_share/<role>` (of what the role itself holds, not its sub-roles) and
    /// `allocator/offer_filters/<role>` (filters installed and not yet expired).
    pub(super) fn collect_metrics(&self) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        out.insert("allocator/allocation_runs".to_string(), self.st.runs as f64);
        for (name, rid) in self.ids.roles.sorted() {
            let Some(role) = self.st.roles.get(rid) else {
                continue;
            };
            let share = dominant_share(
                &role.allocated,
                &self.st.totals,
                &self.config.fair_sharing_excluded,
                |id| self.st.res.name(id).to_string(),
            );
            out.insert(format!("allocator/dominant_share/{name}"), share);
            out.insert(
                format!("allocator/offer_filters/{name}"),
                f64::from(role.filters),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dominant_share_skips_excluded_and_empty_totals() {
        let mut totals = Qty::default();
        totals.add(0, 10_000);
        totals.add(1, 100_000);
        totals.add(2, 1_000);
        let mut held = Qty::default();
        held.add(0, 1_000);
        held.add(1, 50_000);
        held.add(2, 1_000);
        let names = |id: usize| ["cpus", "mem", "gpus"][id].to_string();
        let none = BTreeSet::new();
        assert_eq!(dominant_share(&held, &totals, &none, names), 1.0);
        let gpus: BTreeSet<String> = ["gpus".to_string()].into();
        assert_eq!(dominant_share(&held, &totals, &gpus, names), 0.5);
        assert_eq!(dominant_share(&held, &Qty::default(), &none, names), 0.0);
    }
}
