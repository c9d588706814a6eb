//! What frameworks hold on one agent, by (framework, role). An agent serves a few frameworks at
//! a time, and every offer adds an entry that its decline removes, so a short sorted vector
//! beats a tree: no allocation once it has grown, and a lookup reads one cache line or two.

use super::ids::Id;
use modkit_ffi::resources::Resources;

#[derive(Debug, Default)]
pub(super) struct Holdings {
    /// Sorted by key, one entry per key, never an empty allocation.
    entries: Vec<((Id, Id), Resources)>,
}

impl Holdings {
    fn find(&self, key: (Id, Id)) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.cmp(&key))
    }

    pub(super) fn get(&self, key: (Id, Id)) -> Option<&Resources> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    pub(super) fn get_mut(&mut self, key: (Id, Id)) -> Option<&mut Resources> {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    /// Adds `resources` under `key`. `None` when the key is new: they are kept as they are.
    /// Otherwise they are added to what is held, and handed back.
    pub(super) fn add(&mut self, key: (Id, Id), resources: Resources) -> Option<Resources> {
        match self.find(key) {
            Err(at) => {
                self.entries.insert(at, (key, resources));
                None
            }
            Ok(i) => {
                self.entries[i].1 += &resources;
                Some(resources)
            }
        }
    }

    pub(super) fn remove(&mut self, key: (Id, Id)) -> Option<Resources> {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// The keys, in order.
    pub(super) fn keys(&self) -> impl Iterator<Item = (Id, Id)> + '_ {
        self.entries.iter().map(|(k, _)| *k)
    }

    /// Everything held here.
    pub(super) fn total(&self) -> Resources {
        self.entries.iter().map(|(_, r)| r).sum()
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
        assert!(h.add((2, 0), r("cpus:1")).is_none());
        assert!(h.add((1, 5), r("mem:10")).is_none());
        assert_eq!(h.add((2, 0), r("cpus:2")), Some(r("cpus:2")));
        assert_eq!(h.keys().collect::<Vec<_>>(), [(1, 5), (2, 0)]);
        assert_eq!(h.get((2, 0)), Some(&r("cpus:3")));
        assert_eq!(h.total(), r("cpus:3;mem:10"));
        if let Some(held) = h.get_mut((1, 5)) {
            *held -= &r("mem:4");
        }
        assert_eq!(h.remove((1, 5)), Some(r("mem:6")));
        assert_eq!(h.remove((1, 5)), None);
        assert!(h.get((1, 5)).is_none());
        assert_eq!(h.keys().collect::<Vec<_>>(), [(2, 0)]);
    }
}
