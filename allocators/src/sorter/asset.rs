//! `org_modkit_AssetSorter`: asset fairness, the DRF paper's baseline, for research. Same tree,
//! weights and tie-breaks as DRF; only the share differs.

use super::engine::tree_sorter;
use super::fair::{fractions, FairOrder, Share};

/// Asset fairness's share: the sum of the fractions of every counted resource.
pub(crate) struct Assets;

impl Share for Assets {
    fn share(alloc: &[i64], totals: &[i64], excluded: &[bool]) -> f64 {
        // Folded from +0: `Sum` starts at -0, and an empty sum must be the same 0 as DRF's.
        fractions(alloc, totals, excluded).fold(0.0, |sum, f| sum + f)
    }
}

tree_sorter!(
    /// Orders clients by weighted sum of resource fractions (asset fairness), then allocation
    /// count, then name; role paths level by level as in DRF.
    AssetSorter = FairOrder<Assets>
);

modkit_ffi::export_module!(org_modkit_AssetSorter: Sorter = AssetSorter {
    author: "modkit",
    email: "",
    description: "Asset fairness (sum of resource shares) over hierarchical roles",
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sorter::testing::{add_active, order, q};
    use crate::sorter::{DrfSorter, SorterConfig};
    use modkit_ffi::sdk::Sorter;

    /// Totals cpus 100, mem 100; a holds cpus 10 + mem 10, b holds cpus 15.
    fn load(s: &mut dyn Sorter) {
        s.add_agent("s1", q("cpus:100;mem:100").view()).unwrap();
        add_active(s, &["a", "b"]);
        s.allocated("a", "s1", q("cpus:10;mem:10").view()).unwrap();
        s.allocated("b", "s1", q("cpus:15").view()).unwrap();
    }

    #[test]
    fn asset_and_drf_disagree_where_the_sum_exceeds_the_max() {
        // DRF: a = max(.10, .10) = .10 < b = .15.
        let mut drf = DrfSorter::new(SorterConfig::default());
        load(&mut drf);
        assert_eq!(order(&mut drf), ["a", "b"]);
        // Asset: a = .10 + .10 = .20 > b = .15.
        let mut asset = AssetSorter::new(SorterConfig::default());
        load(&mut asset);
        assert_eq!(order(&mut asset), ["b", "a"]);
    }

    #[test]
    fn weights_exclusions_and_hierarchy_apply_as_in_drf() {
        let mut s = AssetSorter::new(SorterConfig {
            excluded: ["gpus".to_string()].into(),
            seed: 0,
        });
        load(&mut s);
        s.update_weight("a", 2.0).unwrap(); // a = .20 / 2 = .10 < b .15
        assert_eq!(order(&mut s), ["a", "b"]);
        // gpus do not count, whatever the amount: c = .05 + .05 = .10 (ties a, count 1 each,
        // name decides).
        s.add_agent("s2", q("gpus:4").view()).unwrap();
        add_active(&mut s, &["c/d"]);
        s.allocated("c/d", "s1", q("cpus:5;mem:5;gpus:4").view())
            .unwrap();
        assert_eq!(order(&mut s), ["a", "c/d", "b"]);
    }
}
