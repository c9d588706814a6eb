//! Share-based ordering (DRF and asset fairness): siblings by weighted share, then allocation
//! count, then name. Only sibling lists with changed members are re-sorted, and the listed order
//! is cached, so a `sort` with nothing changed just replays it.

use super::config::SorterConfig;
use super::engine::Order;
use super::listing::Listing;
use super::tree::{NodeId, Tree, ROOT};
use std::cmp::Ordering;
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

/// Below this many changed siblings, each is binary-inserted; above, the list is re-sorted
/// (the untouched prefix is already one sorted run, which the stable sort merges in O(n)).
const INSERT_LIMIT: usize = 8;

pub(crate) struct FairOrder<S> {
    listing: Listing,
    /// Scratch: levels to re-sort, a level before re-sorting.
    levels: Vec<NodeId>,
    before: Vec<NodeId>,
    share: PhantomData<fn() -> S>,
}

/// What re-sorting one sibling list did.
enum Change {
    None,
    /// Only this child changed place.
    Moved(NodeId),
    Many,
}

impl<S: Share> Order for FairOrder<S> {
    const TAKES_SEED: bool = false;

    fn new(_config: &SorterConfig) -> Self {
        FairOrder {
            listing: Listing::default(),
            levels: Vec::new(),
            before: Vec::new(),
            share: PhantomData,
        }
    }

    fn sort(&mut self, tree: &mut Tree, out: &mut dyn FnMut(&str) -> bool) {
        let mut rebuild = tree.take_shape_changed();
        if tree.take_rekey_all() {
            self.resort_all(tree);
            rebuild = true;
        } else {
            let mut levels = std::mem::take(&mut self.levels);
            tree.take_dirty_levels(&mut levels);
            for &level in &levels {
                match self.resort_level(tree, level) {
                    Change::None => {}
                    // The listing matches the tree before this level changed: patch it.
                    Change::Moved(child) if !rebuild => self.listing.moved(tree, child),
                    Change::Moved(_) | Change::Many => rebuild = true,
                }
            }
            self.levels = levels;
        }
        if rebuild {
            self.listing.rebuild(tree);
        }
        for &id in self.listing.ids() {
            if !out(&tree.node(id).path) {
                break;
            }
        }
    }
}

impl<S: Share> FairOrder<S> {
    fn rekey(tree: &mut Tree, id: NodeId) {
        let node = tree.node(id);
        let key = S::share(&node.alloc, tree.totals(), tree.excluded()) / node.weight;
        tree.node_mut(id).key = key;
    }

    /// Totals changed, so every share did: recompute all and sort every sibling list.
    fn resort_all(&mut self, tree: &mut Tree) {
        tree.forget_changes();
        let ids: Vec<NodeId> = tree.live_ids().collect();
        for &id in &ids {
            if id != ROOT {
                Self::rekey(tree, id);
            }
        }
        for id in ids {
            if tree.node(id).children.len() > 1 {
                let mut kids = std::mem::take(&mut tree.node_mut(id).children);
                kids.sort_by(|&a, &b| compare(tree, a, b));
                tree.node_mut(id).children = kids;
            }
        }
    }

    /// Re-places the changed children of `level`.
    fn resort_level(&mut self, tree: &mut Tree, level: NodeId) -> Change {
        let pending = tree.take_pending(level);
        for &id in &pending {
            Self::rekey(tree, id);
        }
        let mut kids = std::mem::take(&mut tree.node_mut(level).children);
        let change = match pending[..] {
            [] => Change::None,
            // The usual case after one allocation: find it, binary-search its new place.
            [id] => match kids.iter().position(|&c| c == id) {
                Some(from) => {
                    kids.remove(from);
                    let to = kids.partition_point(|&k| compare(tree, k, id) == Ordering::Less);
                    kids.insert(to, id);
                    if from == to {
                        Change::None
                    } else {
                        Change::Moved(id)
                    }
                }
                // Pending nodes are always among the children; recover anyway.
                None => {
                    kids.push(id);
                    kids.sort_by(|&a, &b| compare(tree, a, b));
                    Change::Many
                }
            },
            _ => {
                self.before.clear();
                self.before.extend_from_slice(&kids);
                kids.retain(|&c| !tree.node(c).queued);
                if pending.len() <= INSERT_LIMIT {
                    for &id in &pending {
                        let at = kids.partition_point(|&k| compare(tree, k, id) == Ordering::Less);
                        kids.insert(at, id);
                    }
                } else {
                    kids.extend_from_slice(&pending);
                    kids.sort_by(|&a, &b| compare(tree, a, b));
                }
                if kids == self.before {
                    Change::None
                } else {
                    Change::Many
                }
            }
        };
        tree.node_mut(level).children = kids;
        tree.finish_pending(level, pending);
        change
    }
}

/// Mesos's order among siblings: weighted share, then allocation count, then name. Shares
/// compare as numbers (-0 equals 0); they are never NaN (weights are positive, totals > 0).
fn compare(tree: &Tree, a: NodeId, b: NodeId) -> Ordering {
    let (a, b) = (tree.node(a), tree.node(b));
    a.key
        .partial_cmp(&b.key)
        .unwrap_or_else(|| a.key.total_cmp(&b.key))
        .then(a.count.cmp(&b.count))
        .then_with(|| a.name.cmp(&b.name))
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
    fn negative_zero_share_ties_with_zero() {
        let mut tree = Tree::new(Default::default());
        tree.add_client("a").unwrap();
        tree.add_client("b").unwrap();
        let (a, b) = (tree.node(ROOT).children[0], tree.node(ROOT).children[1]);
        tree.node_mut(a).key = 0.0;
        tree.node_mut(b).key = -0.0;
        // Equal shares and counts: the name decides, as with Mesos's `!=` on doubles.
        assert_eq!(compare(&tree, a, b), Ordering::Less);
    }

    /// `cpus:n` for a computed n.
    struct QuantityOf;
    impl QuantityOf {
        fn cpus(n: usize) -> modkit_ffi::sdk::QuantityBuf<'static> {
            modkit_ffi::sdk::QuantityBuf::from_pairs([("cpus", n as f64)]).unwrap()
        }
    }
}
