//! Share-based ordering (DRF and asset fairness): siblings by weighted share, then allocation
//! count, then name. The order is kept indexed (see `levels`): after an allocation only the
//! nodes on the client's path are re-placed, each in O(log n) of its siblings, and a `sort`
//! with nothing changed walks the same sets again.

mod levels;

use super::config::SorterConfig;
use super::engine::Order;
use super::tree::{NodeId, Tree, ROOT};
use levels::{Key, Levels};
use std::marker::PhantomData;

/// How an allocation compares with the pool, before weighting.
pub(crate) trait Share: Send + 'static {
    /// `alloc` and `totals` are thousandths per resource index (either may be shorter than the
    /// other: missing entries are 0); `excluded` marks names fair sharing skips.
    fn share(alloc: &[i64], totals: &[i64], excluded: &[bool]) -> f64;
}

/// Each resource's fraction of the pool that counts: totals ≤ 0 and excluded names are skipped.
pub(crate) fn fractions<'a>(
    alloc: &'a [i64],
    totals: &'a [i64],
    excluded: &'a [bool],
) -> impl Iterator<Item = f64> + 'a {
    totals
        .iter()
        .zip(alloc)
        .enumerate()
        .filter(move |&(id, (&total, _))| total > 0 && !excluded.get(id).copied().unwrap_or(false))
        .map(|(_, (&total, &held))| {
            super::quantity::from_milli(held) / super::quantity::from_milli(total)
        })
}

pub(crate) struct FairOrder<S> {
    levels: Levels,
    /// Scratch for the tree's change lists.
    scratch: Vec<NodeId>,
    share: PhantomData<fn() -> S>,
}

impl<S: Share> Order for FairOrder<S> {
    const TAKES_SEED: bool = false;

    fn new(_config: &SorterConfig) -> Self {
        FairOrder {
            levels: Levels::default(),
            scratch: Vec::new(),
            share: PhantomData,
        }
    }

    fn sort(&mut self, tree: &mut Tree, out: &mut dyn FnMut(&str) -> bool) {
        if tree.take_rekey_all() {
            self.place_all(tree);
        } else {
            self.place_changed(tree);
        }
        self.levels.walk(tree, out);
    }
}

impl<S: Share> FairOrder<S> {
    /// The node's key from its allocation, weight and count as they are now.
    fn key(tree: &Tree, id: NodeId) -> Key {
        let node = tree.node(id);
        let share = S::share(&node.alloc, tree.totals(), tree.excluded()) / node.weight;
        Key::new(share, node.count, node.name.clone(), id)
    }

    /// Lists `id` in its parent's level under its current key, or not at all when it has no
    /// active client.
    fn replace(&mut self, tree: &Tree, level: NodeId, id: NodeId) {
        if tree.node(id).live && tree.node(id).active_leaves > 0 {
            self.levels.place(level, Self::key(tree, id));
        } else {
            self.levels.unplace(id);
        }
    }

    /// Totals changed, so every share did: places every node with active clients afresh.
    fn place_all(&mut self, tree: &mut Tree) {
        tree.forget_changes();
        self.levels.clear();
        let ids: Vec<NodeId> = tree.live_ids().filter(|&id| id != ROOT).collect();
        for id in ids {
            self.replace(tree, tree.node(id).parent, id);
        }
    }

    /// Drops the nodes that left the tree, then re-places the ones whose key or activity
    /// changed.
    fn place_changed(&mut self, tree: &mut Tree) {
        let mut ids = std::mem::take(&mut self.scratch);
        // Removals first: an id handed out again is pending under its new parent.
        tree.take_removed(&mut ids);
        for &id in &ids {
            self.levels.unplace(id);
        }
        tree.take_dirty_levels(&mut ids);
        for &level in &ids {
            let pending = tree.take_pending(level);
            for &id in &pending {
                self.replace(tree, level, id);
            }
            tree.finish_pending(level, pending);
        }
        self.scratch = ids;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sorter::testing::q;

    /// Share = the largest fraction, as DRF.
    struct Max;
    impl Share for Max {
        fn share(alloc: &[i64], totals: &[i64], excluded: &[bool]) -> f64 {
            fractions(alloc, totals, excluded).fold(0.0, f64::max)
        }
    }

    fn sorted(order: &mut FairOrder<Max>, tree: &mut Tree) -> Vec<String> {
        let mut out = Vec::new();
        order.sort(tree, &mut |c| {
            out.push(c.to_string());
            true
        });
        out
    }

    #[test]
    fn fractions_skip_empty_totals_and_excluded_names() {
        let f: Vec<f64> = fractions(
            &[1000, 5000, 7000],
            &[10000, 0, 7000],
            &[false, false, true],
        )
        .collect();
        assert_eq!(f, vec![0.1]);
        // An allocation shorter than the totals stops where it stops (missing amounts are 0).
        assert_eq!(fractions(&[], &[1000], &[false]).count(), 0);
    }

    #[test]
    fn one_changed_client_moves_alone_and_unchanged_sorts_replay() {
        let mut tree = Tree::new(Default::default());
        tree.add_agent("s", q("cpus:100").view()).unwrap();
        let names: Vec<String> = (0..20).map(|i| format!("c{i:02}")).collect();
        for n in &names {
            tree.add_client(n).unwrap();
            tree.set_active(n, true).unwrap();
        }
        let mut order = FairOrder::<Max>::new(&SorterConfig::default());
        assert_eq!(sorted(&mut order, &mut tree), names);
        tree.allocated("c00", q("cpus:1").view()).unwrap();
        let mut expect = names[1..].to_vec();
        expect.push("c00".into());
        assert_eq!(sorted(&mut order, &mut tree), expect);
        assert_eq!(sorted(&mut order, &mut tree), expect);
        // Many changed at once take the re-sort path: c01..c10 get 2..11 cpus.
        for (i, n) in names[1..=10].iter().enumerate() {
            tree.allocated(n, QuantityOf::cpus(i + 2).view()).unwrap();
        }
        let mut expect: Vec<String> = names[11..].to_vec();
        expect.push("c00".into());
        expect.extend(names[1..=10].iter().cloned());
        assert_eq!(sorted(&mut order, &mut tree), expect);
    }

    #[test]
    fn activity_lists_and_unlists_whole_subtrees() {
        let mut tree = Tree::new(Default::default());
        tree.add_agent("s", q("cpus:100").view()).unwrap();
        for n in ["a/b", "a/c", "d"] {
            tree.add_client(n).unwrap();
            tree.set_active(n, true).unwrap();
        }
        tree.allocated("a/b", q("cpus:3").view()).unwrap(); // a = .03
        tree.allocated("d", q("cpus:2").view()).unwrap(); // d = .02
        let mut order = FairOrder::<Max>::new(&SorterConfig::default());
        assert_eq!(sorted(&mut order, &mut tree), ["d", "a/c", "a/b"]);
        tree.set_active("a/b", false).unwrap();
        tree.set_active("a/c", false).unwrap();
        assert_eq!(sorted(&mut order, &mut tree), ["d"]);
        // While a is unlisted its share changes; it comes back under its current key.
        tree.unallocated("a/b", q("cpus:3").view()).unwrap();
        tree.set_active("a/b", true).unwrap();
        assert_eq!(sorted(&mut order, &mut tree), ["a/b", "d"]);
        tree.set_active("d", false).unwrap();
        tree.set_active("a/c", true).unwrap();
        assert_eq!(sorted(&mut order, &mut tree), ["a/c", "a/b"]);
    }

    #[test]
    fn removed_nodes_leave_the_order_even_when_their_ids_come_back() {
        let mut tree = Tree::new(Default::default());
        let mut order = FairOrder::<Max>::new(&SorterConfig::default());
        for n in ["x/y", "z"] {
            tree.add_client(n).unwrap();
            tree.set_active(n, true).unwrap();
        }
        assert_eq!(sorted(&mut order, &mut tree), ["x/y", "z"]);
        // x and x/y go; their ids are handed out to new nodes before the next sort.
        tree.remove_client("x/y").unwrap();
        for n in ["w", "v/u"] {
            tree.add_client(n).unwrap();
            tree.set_active(n, true).unwrap();
        }
        assert_eq!(sorted(&mut order, &mut tree), ["v/u", "w", "z"]);
        tree.remove_client("w").unwrap();
        tree.remove_client("v/u").unwrap();
        assert_eq!(sorted(&mut order, &mut tree), ["z"]);
        // A client becoming a parent keeps its place through its virtual leaf.
        tree.add_client("z/k").unwrap();
        tree.set_active("z/k", true).unwrap();
        assert_eq!(sorted(&mut order, &mut tree), ["z", "z/k"]);
    }

    /// `cpus:n` for a computed n.
    struct QuantityOf;
    impl QuantityOf {
        fn cpus(n: usize) -> modkit_ffi::sdk::QuantityBuf<'static> {
            modkit_ffi::sdk::QuantityBuf::from_pairs([("cpus", n as f64)]).unwrap()
        }
    }
}
