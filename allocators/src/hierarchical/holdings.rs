//! What frameworks hold on one agent, by (framework, role). An agent serves a few frameworks at
//! a time, and every offer adds an entry that its decline removes, so a short sorted vector
//! beats a tree: no allocation once it has grown, and a lookup reads one cache line or two.
//! Holdings are shared copies: an offer of all that was available holds that very copy, and a
//! decline hands it back to be the agent's available pool again and its filter's resources.

use super::ids::Id;
use modkit_ffi::resources::Resources;
use std::sync::Arc;

#[derive(Debug, Default)]
pub(super) struct Holdings {
    /// Sorted by key, one entry per key, never an empty allocation.
    entries: Vec<((Id, Id), Arc<Resources>)>,
}

impl Holdings {
    fn find(&self, key: (Id, Id)) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.cmp(&key))
    }

    pub(super) fn get(&self, key: (Id, Id)) -> Option<&Arc<Resources>> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// Adds `resources` under `key`. `None` when the key is new: they are kept as they are.
    /// Otherwise they are added to what is held, and handed back.
    pub(super) fn add(
        &mut self,
        key: (Id, Id),
        resources: Arc<Resources>,
    ) -> Option<Arc<Resources>> {
        match self.find(key) {
            Err(at) => {
                self.entries.insert(at, (key, resources));
                None
            }
            Ok(i) => {
                *Arc::make_mut(&mut self.entries[i].1) += &*resources;
                Some(resources)
            }
        }
    }

    /// Takes `resources` (which must be held) off `key`; `Some(true)` when nothing is left
    /// there, which removes the key. `None` when nothing was held there.
    pub(super) fn subtract(&mut self, key: (Id, Id), resources: &Resources) -> Option<bool> {
        let i = self.find(key).ok()?;
        let held = Arc::make_mut(&mut self.entries[i].1);
        *held -= resources;
        let emptied = held.is_empty();
        if emptied {
            self.entries.remove(i);
        }
        Some(emptied)
    }

    pub(super) fn remove(&mut self, key: (Id, Id)) -> Option<Arc<Resources>> {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// The keys, in order.
    pub(super) fn keys(&self) -> impl Iterator<Item = (Id, Id)> + '_ {
        self.entries.iter().map(|(k, _)| *k)
    }

    /// Everything held here.
    pub(super) fn total(&self) -> Resources {
        self.entries.iter().map(|(_, r)| &**r).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> Resources {
        Resources::parse(text).expect("test resources")
    }

    #[test]
    fn adds_merge_and_keys_stay_sorted() {
        let mut h = Holdings::default();
        let one = Arc::new(r("cpus:1"));
        assert!(h.add((2, 0), one.clone()).is_none());
        assert!(h.add((1, 5), Arc::new(r("mem:10"))).is_none());
        let two = Arc::new(r("cpus:2"));
        assert!(h
            .add((2, 0), two.clone())
            .is_some_and(|r| Arc::ptr_eq(&r, &two)));
        // The merge copied the held resources rather than change the caller's shared copy.
        assert_eq!(*one, r("cpus:1"));
        assert_eq!(h.keys().collect::<Vec<_>>(), [(1, 5), (2, 0)]);
        assert_eq!(h.get((2, 0)).map(|r| &**r), Some(&r("cpus:3")));
        assert_eq!(h.total(), r("cpus:3;mem:10"));
        assert_eq!(h.subtract((1, 5), &r("mem:4")), Some(false));
        assert_eq!(h.subtract((3, 3), &r("mem:4")), None);
        assert_eq!(h.remove((1, 5)).map(|r| (*r).clone()), Some(r("mem:6")));
        assert!(h.remove((1, 5)).is_none());
        assert!(h.get((1, 5)).is_none());
        assert_eq!(h.subtract((2, 0), &r("cpus:3")), Some(true));
        assert_eq!(h.keys().count(), 0);
    }
}
