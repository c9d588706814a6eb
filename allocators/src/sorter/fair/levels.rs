//! The listed order of a share-based sorter, indexed: each inner node keeps its children that
//! have active clients in an ordered set keyed by (weighted share, allocation count, name), and
//! every placed node remembers its key. Re-placing a node after its share changed is a removal
//! and an insertion, O(log n) in its siblings, whatever its old and new places; `sort` is a
//! walk of the sets that ends as soon as the caller has enough.

use crate::sorter::tree::{NodeId, Tree, ROOT};
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Where a node sorts among its siblings: Mesos's order is share, then allocation count, then
/// name (unique among siblings; the id only keeps the order total).
#[derive(Clone, Debug)]
pub(crate) struct Key {
    share: f64,
    count: u64,
    /// The name's first 16 bytes as one big-endian number (zero-padded): siblings that tie on
    /// share and count (all of them, at first) mostly differ there, and comparing two numbers
    /// is much cheaper than comparing two strings. Equal prefixes fall back to the names.
    prefix: u128,
    name: Arc<str>,
    id: NodeId,
}

impl Key {
    /// A share of -0 is stored as 0, so that the two tie as Mesos's comparison of doubles has
    /// them; shares are never NaN (weights are positive, totals > 0).
    pub(crate) fn new(share: f64, count: u64, name: Arc<str>, id: NodeId) -> Key {
        let mut head = [0u8; 16];
        let len = name.len().min(16);
        head[..len].copy_from_slice(&name.as_bytes()[..len]);
        Key {
            share: share + 0.0,
            count,
            prefix: u128::from_be_bytes(head),
            name,
            id,
        }
    }

    pub(crate) fn id(&self) -> NodeId {
        self.id
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.share
            .total_cmp(&other.share)
            .then(self.count.cmp(&other.count))
            // Bytes compare as unsigned, as `str`'s order does; padding zeros sort first, as
            // a shorter name does. Only equal prefixes need the whole names.
            .then(self.prefix.cmp(&other.prefix))
            .then_with(|| self.name.cmp(&other.name))
            .then(self.id.cmp(&other.id))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Key {}

/// The ordered children of every level, by node id.
#[derive(Debug, Default)]
pub(crate) struct Levels {
    /// Per inner node (the root included): its listed children in order.
    sets: Vec<BTreeSet<Key>>,
    /// Per node: the level it is listed in and under which key, while it is.
    placed: Vec<Option<(NodeId, Key)>>,
}

impl Levels {
    /// Forgets every placement.
    pub(crate) fn clear(&mut self) {
        self.sets.iter_mut().for_each(BTreeSet::clear);
        self.placed.iter_mut().for_each(|p| *p = None);
    }

    /// Lists `key.id()` under `level`, first taking it from where it was.
    pub(crate) fn place(&mut self, level: NodeId, key: Key) {
        let id = key.id();
        self.unplace(id);
        if self.sets.len() <= level {
            self.sets.resize_with(level + 1, BTreeSet::new);
        }
        if self.placed.len() <= id {
            self.placed.resize(id + 1, None);
        }
        self.sets[level].insert(key.clone());
        self.placed[id] = Some((level, key));
    }

    /// Stops listing `id`, if it was listed.
    pub(crate) fn unplace(&mut self, id: NodeId) {
        if let Some((level, key)) = self.placed.get_mut(id).and_then(Option::take) {
            self.sets[level].remove(&key);
        }
    }

    /// The listed children of `level`, in order.
    #[cfg(test)]
    pub(crate) fn children(&self, level: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.sets.get(level).into_iter().flatten().map(Key::id)
    }

    /// Hands the listed leaves to `out` in pre-order until it returns false; false then.
    pub(crate) fn walk(&self, tree: &Tree, out: &mut dyn FnMut(&str) -> bool) -> bool {
        self.walk_level(tree, ROOT, out)
    }

    fn walk_level(&self, tree: &Tree, level: NodeId, out: &mut dyn FnMut(&str) -> bool) -> bool {
        let Some(set) = self.sets.get(level) else {
            return true;
        };
        for key in set {
            let node = tree.node(key.id);
            let more = if node.leaf {
                out(&node.path)
            } else {
                self.walk_level(tree, key.id, out)
            };
            if !more {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sorter::rng::SplitMix64;

    fn key(share: f64, count: u64, name: &str, id: NodeId) -> Key {
        Key::new(share, count, name.into(), id)
    }

    #[test]
    fn keys_order_by_share_then_count_then_name() {
        let a = key(0.1, 5, "z", 1);
        let b = key(0.2, 0, "a", 2);
        let c = key(0.1, 6, "a", 3);
        let d = key(0.1, 5, "y", 4);
        let mut keys = [a.clone(), b.clone(), c.clone(), d.clone()];
        keys.sort();
        let ids: Vec<NodeId> = keys.iter().map(Key::id).collect();
        assert_eq!(ids, [4, 1, 3, 2]);
        // -0 ties with 0, so the name decides.
        assert!(key(-0.0, 0, "a", 1) < key(0.0, 0, "b", 2));
        assert!(key(0.0, 0, "a", 1) < key(-0.0, 0, "b", 2));
    }

    #[test]
    fn names_order_as_strings_whatever_their_length() {
        let names = [
            "",
            "\0",
            "a",
            "a\0",
            "a\0\0",
            "a\u{1}",
            "ab",
            "abcdefghijklmnop",
            "abcdefghijklmnop\0",
            "abcdefghijklmnopa",
            "abcdefghijklmnopb",
            "abcdefghijklmnoq",
            "framework-10",
            "framework-9",
            "\u{e9}t\u{e9}",
            "\u{ff}",
            ".",
        ];
        for a in names {
            for b in names {
                assert_eq!(
                    key(0.0, 0, a, 1).cmp(&key(0.0, 0, b, 2)),
                    a.cmp(b).then(1.cmp(&2)),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn placing_again_moves_a_node_and_unplacing_drops_it() {
        let mut levels = Levels::default();
        levels.place(ROOT, key(0.3, 0, "a", 1));
        levels.place(ROOT, key(0.1, 0, "b", 2));
        levels.place(ROOT, key(0.2, 0, "c", 3));
        assert_eq!(levels.children(ROOT).collect::<Vec<_>>(), [2, 3, 1]);
        levels.place(ROOT, key(0.0, 0, "a", 1));
        assert_eq!(levels.children(ROOT).collect::<Vec<_>>(), [1, 2, 3]);
        levels.unplace(2);
        levels.unplace(2);
        levels.unplace(99);
        assert_eq!(levels.children(ROOT).collect::<Vec<_>>(), [1, 3]);
        // A node moving to another level leaves the old one.
        levels.place(3, key(0.0, 0, "a", 1));
        assert_eq!(levels.children(ROOT).collect::<Vec<_>>(), [3]);
        assert_eq!(levels.children(3).collect::<Vec<_>>(), [1]);
        levels.clear();
        assert_eq!(levels.children(ROOT).count(), 0);
        assert_eq!(levels.children(3).count(), 0);
        assert_eq!(levels.children(42).count(), 0);
    }

    /// The simple ordering it replaces: every level a vector sorted with the same comparison.
    #[derive(Default)]
    struct Simple {
        levels: Vec<Vec<(f64, u64, String, NodeId)>>,
    }

    impl Simple {
        fn place(&mut self, level: NodeId, share: f64, count: u64, name: &str, id: NodeId) {
            self.unplace(id);
            if self.levels.len() <= level {
                self.levels.resize_with(level + 1, Vec::new);
            }
            self.levels[level].push((share, count, name.to_string(), id));
            self.levels[level].sort_by(|a, b| {
                a.0.partial_cmp(&b.0)
                    .expect("no NaN")
                    .then(a.1.cmp(&b.1))
                    .then_with(|| a.2.cmp(&b.2))
            });
        }

        fn unplace(&mut self, id: NodeId) {
            for level in &mut self.levels {
                level.retain(|e| e.3 != id);
            }
        }

        fn children(&self, level: NodeId) -> Vec<NodeId> {
            self.levels
                .get(level)
                .map(|l| l.iter().map(|e| e.3).collect())
                .unwrap_or_default()
        }
    }

    #[test]
    fn random_placements_match_a_sorted_vector() {
        for seed in 0..40 {
            let mut rng = SplitMix64::new(seed);
            let mut pick = |n: u64| rng.next_u64() % n;
            let mut levels = Levels::default();
            let mut simple = Simple::default();
            // Shares from a small set (with -0) so that ties on share and count are common;
            // names are unique per node, as siblings' are.
            let shares = [0.0, -0.0, 0.25, 0.5, 1.0 / 3.0];
            for step in 0..600 {
                let id = pick(40) as NodeId + 1;
                let level = [ROOT, 50, 51][pick(3) as usize];
                if pick(5) == 0 {
                    levels.unplace(id);
                    simple.unplace(id);
                } else {
                    let share = shares[pick(shares.len() as u64) as usize];
                    let count = pick(3);
                    let name = format!("n{:02}", (id * 7) % 41);
                    levels.place(level, Key::new(share, count, name.as_str().into(), id));
                    simple.place(level, share, count, &name, id);
                }
                for level in [ROOT, 50, 51] {
                    assert_eq!(
                        levels.children(level).collect::<Vec<_>>(),
                        simple.children(level),
                        "seed {seed}, step {step}, level {level}"
                    );
                }
            }
        }
    }
}
