//! Dense ids for agents, frameworks and roles: the hot path indexes vectors instead of hashing
//! names, and names are looked up once when a sorter hands them back.

use std::collections::BTreeMap;
use std::sync::Arc;

/// Index of an agent, framework or role in its [`Slab`].
pub(super) type Id = u32;

pub(super) use crate::fast_hash::{FastMap, FastSet};

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
#[derive(Debug, Default)]
pub(super) struct Names {
    fast: FastMap<Arc<str>, Id>,
    ordered: BTreeMap<Arc<str>, Id>,
    /// id → name, so that a sorted order can be checked against the last one without hashing.
    by_id: Vec<Option<Arc<str>>>,
}

impl Names {
    pub(super) fn get(&self, name: &str) -> Option<Id> {
        self.fast.get(name).copied()
    }

    /// The name under `id`, if any.
    pub(super) fn name(&self, id: Id) -> Option<&str> {
        self.by_id.get(id as usize)?.as_deref()
    }

    pub(super) fn insert(&mut self, name: &str, id: Id) {
        let name: Arc<str> = name.into();
        self.fast.insert(name.clone(), id);
        self.ordered.insert(name.clone(), id);
        let at = id as usize;
        if self.by_id.len() <= at {
            self.by_id.resize(at + 1, None);
        }
        self.by_id[at] = Some(name);
    }

    pub(super) fn remove(&mut self, name: &str) {
        if let Some(id) = self.fast.remove(name) {
            if let Some(slot) = self.by_id.get_mut(id as usize) {
                *slot = None;
            }
        }
        self.ordered.remove(name);
    }

    /// Every (name, id), sorted by name.
    pub(super) fn sorted(&self) -> impl Iterator<Item = (&str, Id)> + '_ {
        self.ordered.iter().map(|(name, id)| (&**name, *id))
    }

    /// `root` and every name below it (`root/...`), sorted by name.
    pub(super) fn subtree<'a>(&'a self, root: &'a str) -> impl Iterator<Item = (&'a str, Id)> + 'a {
        let own = self.ordered.get_key_value(root);
        // Below `root` are exactly the names from `root/` up to `root0` ('0' follows '/').
        let (from, to): (Arc<str>, Arc<str>) =
            (format!("{root}/").into(), format!("{root}0").into());
        let below = self
            .ordered
            .range(from..to)
            .map(|(name, id)| (&**name, *id));
        own.map(|(name, id)| (&**name, *id))
            .into_iter()
            .chain(below)
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
        let below: Vec<&str> = names.subtree("a").map(|(n, _)| n).collect();
        assert_eq!(below, ["a", "a/b", "a/b/c"]);
        let below: Vec<&str> = names.subtree("a/b").map(|(n, _)| n).collect();
        assert_eq!(below, ["a/b", "a/b/c"]);
        assert_eq!(names.subtree("zz").count(), 0);
        assert_eq!(names.get("ab"), Some(3));
        assert_eq!(names.name(3), Some("ab"));
        names.remove("ab");
        assert_eq!(names.get("ab"), None);
        assert_eq!(names.name(3), None);
        assert_eq!(names.name(99), None);
        assert_eq!(names.sorted().count(), 6);
    }
}
