//! Dense ids for agents, frameworks and roles: the hot path indexes vectors instead of hashing
//! names, and names are looked up once when a sorter hands them back.

/// Index of an agent, framework or role in its [`Slab`].
pub(super) type Id = u32;

pub(super) use crate::fast_hash::FastMap;
use crate::name_index::NameIndex;

/// Items under reusable dense ids; a removed item's id is handed out again, so whoever held
/// it must have let go of it first.
#[derive(Debug)]
pub(super) struct Slab<T> {
    items: Vec<Option<T>>,
    free: Vec<Id>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    pub(super) fn insert(&mut self, item: T) -> Id {
        match self.free.pop() {
            Some(id) => {
                self.items[id as usize] = Some(item);
                id
            }
            None => {
                self.items.push(Some(item));
                (self.items.len() - 1) as Id
            }
        }
    }

    pub(super) fn remove(&mut self, id: Id) -> Option<T> {
        let item = self.items.get_mut(id as usize)?.take();
        if item.is_some() {
            self.free.push(id);
        }
        item
    }

    pub(super) fn get(&self, id: Id) -> Option<&T> {
        self.items.get(id as usize)?.as_ref()
    }

    pub(super) fn get_mut(&mut self, id: Id) -> Option<&mut T> {
        self.items.get_mut(id as usize)?.as_mut()
    }

    /// One past the largest id ever handed out: the length of per-id side tables.
    pub(super) fn capacity(&self) -> usize {
        self.items.len()
    }

    /// The live items with their ids, in id order (not name order).
    pub(super) fn iter(&self) -> impl Iterator<Item = (Id, &T)> + '_ {
        self.items
            .iter()
            .enumerate()
            .filter_map(|(id, item)| Some((id as Id, item.as_ref()?)))
    }

    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = (Id, &mut T)> + '_ {
        self.items
            .iter_mut()
            .enumerate()
            .filter_map(|(id, item)| Some((id as Id, item.as_mut()?)))
    }
}

/// Name ↔ id: hashed for the sort callbacks, ordered for everything that is printed or walked
/// in a stable order (agents in a cycle, metrics, role subtrees).
#[derive(Debug)]
pub(super) struct Names {
    index: NameIndex,
    /// Every id, in name order while `sorted`: sorted once when asked for rather than kept in
    /// a tree, since names come in bursts (10,000 agents) and are walked in order once a cycle.
    order: Vec<Id>,
    sorted: bool,
}

impl Default for Names {
    fn default() -> Self {
        Names {
            index: NameIndex::default(),
            order: Vec::new(),
            sorted: true,
        }
    }
}

impl Names {
    pub(super) fn get(&self, name: &str) -> Option<Id> {
        self.index.get(name)
    }

    /// The name under `id`, if any.
    pub(super) fn name(&self, id: Id) -> Option<&str> {
        self.index.name(id)
    }

    /// Whether `name` is the name under `id`.
    pub(super) fn is(&self, id: Id, name: &str) -> bool {
        self.index.is(id, name)
    }

    pub(super) fn insert(&mut self, name: &str, id: Id) {
        // Names that come in order (agent-1, agent-2, ...) keep the order sorted.
        if let Some(last) = self.order.last().and_then(|&last| self.name(last)) {
            self.sorted &= last < name;
        }
        self.index.insert(name, id);
        self.order.push(id);
    }

    pub(super) fn remove(&mut self, name: &str) {
        if let Some(id) = self.index.remove(name) {
            self.order.retain(|&other| other != id);
        }
    }

    /// Puts the ids in name order, so that walking them in order costs no sort.
    pub(super) fn sort(&mut self) {
        if self.sorted {
            return;
        }
        let index = &self.index;
        self.order
            .sort_unstable_by(|a, b| index.name(*a).cmp(&index.name(*b)));
        self.sorted = true;
    }

    /// (name, id) of `ids`, in name order.
    fn in_order(&self, ids: impl Iterator<Item = Id>) -> Vec<(&str, Id)> {
        let mut out: Vec<(&str, Id)> = ids.filter_map(|id| Some((self.name(id)?, id))).collect();
        if !self.sorted {
            out.sort_unstable();
        }
        out
    }

    /// Every (name, id), sorted by name (cheapest after [`Names::sort`]).
    pub(super) fn sorted(&self) -> Vec<(&str, Id)> {
        self.in_order(self.order.iter().copied())
    }

    /// `root` and every name below it (`root/...`), sorted by name: a range of the order once
    /// sorted, else a scan.
    pub(super) fn subtree<'a>(&'a self, root: &str) -> Vec<(&'a str, Id)> {
        let below = |name: &str| {
            name == root
                || name
                    .strip_prefix(root)
                    .is_some_and(|rest| rest.starts_with('/'))
        };
        if !self.sorted {
            let ids = self.order.iter().copied();
            return self.in_order(ids.filter(|&id| self.name(id).is_some_and(below)));
        }
        // Below `root` are exactly the names from `root` up to `root0` ('0' follows '/').
        let end = format!("{root}0");
        let key = |id: &Id| self.name(*id).unwrap_or("");
        let from = self.order.partition_point(|id| key(id) < root);
        let to = self.order.partition_point(|id| key(id) < end.as_str());
        let ids = self.order[from..to].iter().copied();
        self.in_order(ids.filter(|&id| self.name(id).is_some_and(below)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slab_reuses_ids_of_removed_items() {
        let mut slab = Slab::default();
        let a = slab.insert("a");
        let b = slab.insert("b");
        assert_eq!(slab.remove(a), Some("a"));
        assert_eq!(slab.remove(a), None);
        let c = slab.insert("c");
        assert_eq!(c, a);
        assert_eq!(slab.get(b), Some(&"b"));
        assert_eq!(slab.iter().map(|(_, v)| *v).collect::<Vec<_>>(), ["c", "b"]);
        assert_eq!(slab.capacity(), 2);
    }

    #[test]
    fn subtree_holds_the_root_and_its_descendants_only() {
        let mut names = Names::default();
        for (i, n) in ["a", "a/b", "a/b/c", "ab", "a0", "b", "a.x"]
            .iter()
            .enumerate()
        {
            names.insert(n, i as Id);
        }
        let below: Vec<&str> = names.subtree("a").into_iter().map(|(n, _)| n).collect();
        assert_eq!(below, ["a", "a/b", "a/b/c"]);
        let below: Vec<&str> = names.subtree("a/b").into_iter().map(|(n, _)| n).collect();
        assert_eq!(below, ["a/b", "a/b/c"]);
        assert_eq!(names.subtree("zz").len(), 0);
        assert_eq!(names.get("ab"), Some(3));
        assert_eq!(names.name(3), Some("ab"));
        names.remove("ab");
        assert_eq!(names.get("ab"), None);
        assert_eq!(names.name(3), None);
        assert_eq!(names.name(99), None);
        assert_eq!(names.sorted().len(), 6);
    }

    /// Random inserts and removals, sorted now and then, against a tree of the same names.
    #[test]
    fn order_and_subtrees_match_a_tree_of_names() {
        use crate::sorter::rng::SplitMix64;
        use std::collections::BTreeMap;
        let pool = [
            "a", "a/b", "a/b/c", "a.x", "a0", "ab", "b", "b/a", "c", "agent-1", "agent-10",
            "agent-2", "a/c", "b/a/z",
        ];
        for seed in 0..30 {
            let mut rng = SplitMix64::new(seed);
            let mut names = Names::default();
            let mut tree = BTreeMap::<&str, Id>::new();
            let mut next = 0;
            for step in 0..300 {
                let name = pool[(rng.next_u64() % pool.len() as u64) as usize];
                match (rng.next_u64() % 5, tree.contains_key(name)) {
                    (0, _) => names.sort(),
                    (1 | 2, true) => {
                        names.remove(name);
                        tree.remove(name);
                    }
                    (_, false) => {
                        names.insert(name, next);
                        tree.insert(name, next);
                        next += 1;
                    }
                    _ => {}
                }
                let expect: Vec<(&str, Id)> = tree.iter().map(|(n, id)| (*n, *id)).collect();
                assert_eq!(names.sorted(), expect, "seed {seed} step {step}");
                for root in ["a", "a/b", "b", "agent-1", "zz"] {
                    let below: Vec<(&str, Id)> = expect
                        .iter()
                        .copied()
                        .filter(|(n, _)| *n == root || n.starts_with(&format!("{root}/")))
                        .collect();
                    assert_eq!(names.subtree(root), below, "seed {seed} step {step} {root}");
                }
            }
        }
    }

    #[test]
    fn is_matches_exactly_the_name_under_an_id() {
        let mut names = Names::default();
        let list = [
            "",
            "a",
            "framework-12",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
            "abcdefghijklmnopr",
            "\u{e9}t\u{e9}",
        ];
        for (i, n) in list.iter().enumerate() {
            names.insert(n, i as Id);
        }
        let probes = [
            "",
            "a",
            "b",
            "framework-12",
            "framework-13",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
            "abcdefghijklmnopr",
            "abcdefghijklmnopqq",
            "\u{e9}t\u{e9}",
        ];
        for (i, n) in list.iter().enumerate() {
            for p in probes {
                assert_eq!(names.is(i as Id, p), *n == p, "{n:?} {p:?}");
            }
        }
        assert!(!names.is(99, "a"));
        names.remove("a");
        assert!(!names.is(1, "a"));
        // A free id matches nothing, not even the empty name.
        assert!(!names.is(1, ""));
    }
}
