//! `org_modkit_RandomSorter`: at each level a weighted shuffle of the siblings that have active
//! clients (Efraimidis–Spirakis: each draws u in (0, 1], sorted by u^(1/w) descending), drawn
//! again on every `sort`. A sibling of weight w comes first with probability w / Σ weights.
//! Seeded, so a scenario replays the same orders.

use super::config::SorterConfig;
use super::engine::{tree_sorter, Order};
use super::rng::SplitMix64;
use super::tree::{NodeId, Tree, ROOT};

pub(crate) struct RandomOrder {
    rng: SplitMix64,
    /// The walk's stack: (node, next child, children with active clients).
    stack: Vec<(NodeId, usize, usize)>,
}

impl Order for RandomOrder {
    const TAKES_SEED: bool = true;

    fn new(config: &SorterConfig) -> Self {
        RandomOrder {
            rng: SplitMix64::new(config.seed),
            stack: Vec::new(),
        }
    }

    /// Pre-order walk, shuffling each level as it is entered. Nothing is cached: every sort
    /// is a fresh draw, O(n log n) in the clients.
    fn sort(&mut self, tree: &mut Tree, out: &mut dyn FnMut(&str) -> bool) {
        tree.forget_changes();
        self.stack.clear();
        let len = self.shuffle(tree, ROOT);
        self.stack.push((ROOT, 0, len));
        while let Some(top) = self.stack.last_mut() {
            let (id, next, len) = *top;
            if next == len {
                self.stack.pop();
                continue;
            }
            top.1 += 1;
            let child = tree.node(id).children[next];
            if tree.node(child).leaf {
                if !out(&tree.node(child).path) {
                    return;
                }
            } else {
                let len = self.shuffle(tree, child);
                self.stack.push((child, 0, len));
            }
        }
    }
}

impl RandomOrder {
    /// Moves the children of `level` that have active clients to the front in a weighted random
    /// order; returns how many there are.
    fn shuffle(&mut self, tree: &mut Tree, level: NodeId) -> usize {
        let mut kids = std::mem::take(&mut tree.node_mut(level).children);
        let mut eligible = 0;
        for i in 0..kids.len() {
            if tree.node(kids[i]).active_leaves > 0 {
                kids.swap(i, eligible);
                eligible += 1;
            }
        }
        for &id in &kids[..eligible] {
            // ln(u^(1/w)) = ln(u) / w: same order, no underflow for small weights.
            let key = self.rng.unit().ln() / tree.node(id).weight;
            tree.node_mut(id).key = key;
        }
        kids[..eligible].sort_by(|&a, &b| {
            let (a, b) = (tree.node(a), tree.node(b));
            b.key.total_cmp(&a.key).then_with(|| a.name.cmp(&b.name))
        });
        tree.node_mut(level).children = kids;
        eligible
    }
}

tree_sorter!(
    /// Orders clients by a weighted random shuffle per level, redrawn on every sort; keeps
    /// allocations like the other sorters so `allocation` answers the same.
    RandomSorter = RandomOrder
);

modkit_ffi::export_module!(org_modkit_RandomSorter: Sorter = RandomSorter {
    author: "modkit",
    email: "",
    description: "Weighted random order per role level, seedable (Mesos's random sorter)",
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sorter::testing::{add_active, order, q};
    use modkit_ffi::sdk::Sorter;

    fn seeded(seed: u64) -> RandomSorter {
        RandomSorter::new(SorterConfig {
            seed,
            ..Default::default()
        })
    }

    #[test]
    fn first_place_follows_weights() {
        let mut s = seeded(7);
        add_active(&mut s, &["light", "heavy"]);
        s.update_weight("heavy", 3.0).unwrap();
        let runs = 10_000;
        let heavy_first = (0..runs).filter(|_| order(&mut s)[0] == "heavy").count();
        // P(heavy first) = 3 / (1 + 3) = 0.75.
        let freq = heavy_first as f64 / runs as f64;
        assert!((freq - 0.75).abs() <= 0.05, "{freq}");
    }

    #[test]
    fn equal_weights_among_three_are_uniform() {
        let mut s = seeded(11);
        add_active(&mut s, &["a", "b", "c"]);
        let mut firsts = [0usize; 3];
        for _ in 0..9_000 {
            let first = order(&mut s)[0].clone();
            firsts[(first.as_bytes()[0] - b'a') as usize] += 1;
        }
        for n in firsts {
            assert!((n as f64 / 9_000.0 - 1.0 / 3.0).abs() <= 0.05, "{firsts:?}");
        }
    }

    #[test]
    fn same_seed_same_sequence() {
        let run = |seed| {
            let mut s = seeded(seed);
            add_active(&mut s, &["a", "b", "c", "d/e", "d/f"]);
            (0..50).map(|_| order(&mut s)).collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
    }

    #[test]
    fn subtrees_stay_together_and_inactive_clients_are_left_out() {
        let mut s = seeded(1);
        add_active(&mut s, &["a", "d/e", "d/f", "g"]);
        s.deactivate("g").unwrap();
        for _ in 0..200 {
            let o = order(&mut s);
            assert_eq!(o.len(), 3, "{o:?}");
            let e = o.iter().position(|c| c == "d/e").unwrap();
            let f = o.iter().position(|c| c == "d/f").unwrap();
            assert_eq!(e.abs_diff(f), 1, "{o:?}");
        }
    }

    #[test]
    fn allocations_are_tracked_and_seed_comes_from_the_spec() {
        use modkit_ffi::host::HostServices;
        use modkit_ffi::sdk::{Create, Parameters};
        let flags = [("sorter_seed".to_string(), "42".to_string())].into();
        let host = HostServices::leak("test", "check", "", &flags).host();
        let mut from_flag = RandomSorter::create(&host, &Parameters::default()).unwrap();
        let mut direct = seeded(42);
        for s in [&mut from_flag as &mut dyn Sorter, &mut direct] {
            s.add_agent("s1", q("cpus:10").view()).unwrap();
            add_active(s, &["a", "b", "c"]);
            s.allocated("a", "s1", q("cpus:2").view()).unwrap();
        }
        for _ in 0..20 {
            assert_eq!(order(&mut from_flag), order(&mut direct));
        }
        assert_eq!(direct.allocation("a").unwrap(), vec![("cpus".into(), 2.0)]);
        let p = Parameters::new(vec![("seed".into(), "nope".into())]);
        assert!(RandomSorter::create(&host, &p).is_err());
    }
}
