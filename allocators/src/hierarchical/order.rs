//! A sorter together with the last order it gave, already turned into ids.
//!
//! Mesos asks the sorters again for every agent. Asking is only needed when the sorter was told
//! something since: every call that changes it goes through here and drops the cached order, so
//! agents on which nothing was allocated replay the cached ids without a sort or a name lookup.
//! When a sort is needed, names are looked up only until the visitor says it is done, and
//! mostly without hashing: a sorter changed by one allocation lists nearly the same order as
//! before, so each name is first compared with the one at the same place in the last order.

use super::ids::{FastMap, Id, Names};
use modkit_ffi::sdk::{ModuleError, Quantities, Result, Sorter};

pub(super) struct SorterSlot {
    sorter: Box<dyn Sorter>,
    /// The last order as ids: all of it when `complete`, else up to where its visit stopped.
    order: Vec<Id>,
    complete: bool,
    /// Nothing was told to the sorter since `order` was made.
    valid: bool,
    reuse: bool,
    /// Kept between sorts so that resolving an order does not allocate.
    scratch: Vec<Id>,
    /// The clients active in the sorter, by id: a sorter lists exactly its active clients, so
    /// with one there is nothing to ask (most roles hold one framework).
    active: FastMap<Id, ()>,
}

impl SorterSlot {
    pub(super) fn new(sorter: Box<dyn Sorter>, reuse: bool) -> Self {
        SorterSlot {
            sorter,
            order: Vec::new(),
            complete: false,
            valid: false,
            reuse,
            scratch: Vec::new(),
            active: FastMap::default(),
        }
    }

    fn changed(&mut self) -> &mut dyn Sorter {
        self.valid = false;
        &mut *self.sorter
    }

    pub(super) fn add_client(&mut self, client: &str) -> Result<()> {
        self.changed().add_client(client)
    }

    pub(super) fn remove_client(&mut self, client: &str, id: Id) -> Result<()> {
        self.changed().remove_client(client)?;
        self.active.remove(&id);
        Ok(())
    }

    pub(super) fn activate(&mut self, client: &str, id: Id) -> Result<()> {
        self.changed().activate(client)?;
        self.active.insert(id, ());
        Ok(())
    }

    pub(super) fn deactivate(&mut self, client: &str, id: Id) -> Result<()> {
        self.changed().deactivate(client)?;
        self.active.remove(&id);
        Ok(())
    }

    pub(super) fn update_weight(&mut self, path: &str, weight: f64) -> Result<()> {
        self.changed().update_weight(path, weight)
    }

    pub(super) fn add_agent(&mut self, agent: &str, total: Quantities<'_>) -> Result<()> {
        self.changed().add_agent(agent, total)
    }

    pub(super) fn remove_agent(&mut self, agent: &str) -> Result<()> {
        self.changed().remove_agent(agent)
    }

    pub(super) fn allocated(&mut self, client: &str, agent: &str, q: Quantities<'_>) -> Result<()> {
        self.changed().allocated(client, agent, q)
    }

    pub(super) fn unallocated(
        &mut self,
        client: &str,
        agent: &str,
        q: Quantities<'_>,
    ) -> Result<()> {
        self.changed().unallocated(client, agent, q)
    }

    /// Hands the active clients to `visit` in the sorter's order until it returns `true`.
    /// Names the sorter lists that `ids` does not know are skipped.
    pub(super) fn visit(
        &mut self,
        ids: &Names,
        visit: &mut dyn FnMut(Id) -> Result<bool>,
    ) -> Result<()> {
        if self.active.len() == 1 {
            if let Some(&only) = self.active.keys().next() {
                visit(only)?;
                return Ok(());
            }
        }
        if self.reuse && self.valid && self.complete {
            for &id in &self.order {
                if visit(id)? {
                    break;
                }
            }
            return Ok(());
        }
        let mut walk = Walk {
            ids,
            last: std::mem::take(&mut self.order),
            next: 0,
            order: std::mem::take(&mut self.scratch),
            stopped: false,
            failed: None,
            visit,
        };
        walk.order.clear();
        // The sorter stops listing as soon as the walk has what it needs.
        self.sorter.sort(&mut |name| {
            if !walk.stopped {
                walk.take(name);
            }
            !walk.stopped
        })?;
        self.scratch = walk.last;
        self.order = walk.order;
        self.complete = !walk.stopped;
        self.valid = self.reuse && walk.failed.is_none();
        match walk.failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The first client in order for which `accept` holds.
    pub(super) fn first(
        &mut self,
        ids: &Names,
        accept: &mut dyn FnMut(Id) -> bool,
    ) -> Result<Option<Id>> {
        let mut found = None;
        self.visit(ids, &mut |id| {
            let take = accept(id);
            if take {
                found = Some(id);
            }
            Ok(take)
        })?;
        Ok(found)
    }
}

/// One sort being walked: names resolved to ids, mostly by matching the last order.
struct Walk<'a, 'v> {
    ids: &'a Names,
    last: Vec<Id>,
    /// Where `last` is expected to continue.
    next: usize,
    order: Vec<Id>,
    stopped: bool,
    failed: Option<ModuleError>,
    visit: &'v mut dyn FnMut(Id) -> Result<bool>,
}

impl Walk<'_, '_> {
    fn same(&self, at: usize, name: &str) -> Option<Id> {
        let id = *self.last.get(at)?;
        self.ids.is(id, name).then_some(id)
    }

    #[inline(never)]
    fn take(&mut self, name: &str) {
        let id = if let Some(id) = self.same(self.next, name) {
            self.next += 1;
            id
        } else if let Some(id) = self.same(self.next + 1, name) {
            // One client moved away from here.
            self.next += 2;
            id
        } else if let Some(id) = self.ids.get(name) {
            id
        } else {
            tracing::warn!(
                client = name,
                "sorter listed a client the allocator does not know"
            );
            return;
        };
        self.order.push(id);
        match (self.visit)(id) {
            Ok(done) => self.stopped = done,
            Err(e) => {
                self.failed = Some(e);
                self.stopped = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sorter::{DrfSorter, SorterConfig};
    use modkit_ffi::resources::Resources;
    use modkit_ffi::sdk::QuantityBuf;

    fn slot() -> (SorterSlot, Names) {
        let mut slot = SorterSlot::new(Box::new(DrfSorter::new(SorterConfig::default())), true);
        let mut names = Names::default();
        let total = Resources::parse("cpus:10").expect("resources");
        slot.add_agent("s1", QuantityBuf::from_resources(&total).view())
            .expect("agent");
        for (id, name) in ["a", "b", "c"].iter().enumerate() {
            slot.add_client(name).expect("client");
            slot.activate(name, id as Id).expect("activate");
            names.insert(name, id as Id);
        }
        (slot, names)
    }

    fn all(slot: &mut SorterSlot, names: &Names) -> Vec<Id> {
        let mut seen = Vec::new();
        slot.visit(names, &mut |id| {
            seen.push(id);
            Ok(false)
        })
        .expect("visit");
        seen
    }

    #[test]
    fn caches_until_the_sorter_is_told_something() {
        let (mut slot, names) = slot();
        assert_eq!(all(&mut slot, &names), [0, 1, 2]);
        assert!(slot.valid && slot.complete);
        assert_eq!(all(&mut slot, &names), [0, 1, 2]);
        let one = Resources::parse("cpus:1").expect("resources");
        slot.allocated("a", "s1", QuantityBuf::from_resources(&one).view())
            .expect("allocated");
        assert!(!(slot.valid && slot.complete));
        assert_eq!(all(&mut slot, &names), [1, 2, 0]);
    }

    #[test]
    fn a_stopped_visit_is_not_cached_and_errors_come_back() {
        let (mut slot, names) = slot();
        assert_eq!(
            slot.first(&names, &mut |id| id == 1).expect("first"),
            Some(1)
        );
        assert!(!(slot.valid && slot.complete));
        assert_eq!(slot.first(&names, &mut |_| false).expect("first"), None);
        assert!(slot.valid && slot.complete);
        let e = slot
            .visit(&names, &mut |_| Err(ModuleError::failed("boom")))
            .unwrap_err();
        assert_eq!(e, ModuleError::failed("boom"));
    }

    /// With one active client there is nothing to ask the sorter; with more, it is asked.
    #[test]
    fn one_active_client_is_visited_without_a_sort() {
        let (mut slot, names) = slot();
        slot.deactivate("a", 0).expect("deactivate");
        slot.remove_client("b", 1).expect("remove");
        assert_eq!(all(&mut slot, &names), [2]);
        // Not sorted: the last order is still the one from before.
        assert!(!slot.valid);
        slot.activate("a", 0).expect("activate");
        assert_eq!(all(&mut slot, &names), [0, 2]);
        assert!(slot.valid && slot.complete);
        // A failed call into the sorter leaves the active set as it was.
        assert!(slot.activate("zz", 9).is_err());
        assert_eq!(all(&mut slot, &names), [0, 2]);
    }

    #[test]
    fn without_reuse_every_visit_sorts() {
        let (mut slot, names) = slot();
        slot.reuse = false;
        assert_eq!(all(&mut slot, &names), [0, 1, 2]);
        assert!(!(slot.valid && slot.complete));
    }
}
