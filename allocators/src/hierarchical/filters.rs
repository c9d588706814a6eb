//! Offer filters: after a decline with `refuse_seconds` > 0, the framework is not offered those
//! resources (or fewer) from that agent in that role again until the filter expires, which it
//! does only at a batch allocation whose `now` reaches the install time plus `refuse_seconds`.
//!
//! Filters sit with their agent under (framework, role): a cycle checks the frameworks of one
//! agent after another, so the map it looks in stays in cache however many frameworks it
//! passes over. Each framework keeps the keys of its filters, so revive and friends find them;
//! finite filters are also indexed by expiry, so a cycle drops the expired ones without
//! scanning the rest.

use super::ids::{FastMap, Id};
use super::state::{gone, Agent, State};
use modkit_ffi::resources::Resources;
use modkit_ffi::sdk::Result;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Refuses offers of `resources` or less until `expires` (infinite for never).
#[derive(Clone, Debug)]
pub(super) struct Filter {
    pub resources: Arc<Resources>,
    pub expires: f64,
    /// Tells the filter apart in the expiry index.
    pub seq: u64,
}

/// The filters of one (agent, framework, role): nearly always one, kept inline (the rare
/// others in a vector that stays unallocated while empty) so that checking it reads no other
/// memory than the agent's map.
#[derive(Clone, Debug, Default)]
pub(super) struct Filters {
    first: Option<Filter>,
    rest: Vec<Filter>,
}

impl Filters {
    pub(super) fn iter(&self) -> impl Iterator<Item = &Filter> + '_ {
        self.first.iter().chain(self.rest.iter())
    }

    pub(super) fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    fn push(&mut self, filter: Filter) {
        match self.first {
            None => self.first = Some(filter),
            Some(_) => self.rest.push(filter),
        }
    }

    fn retain(&mut self, mut keep: impl FnMut(&Filter) -> bool) {
        if self.first.as_ref().is_some_and(|f| !keep(f)) {
            self.first = None;
        }
        self.rest.retain(|f| keep(f));
        if self.first.is_none() && !self.rest.is_empty() {
            self.first = Some(self.rest.remove(0));
        }
    }

    /// The address of the first filter's resources: filters on one agent mostly share one copy.
    fn head(&self) -> Option<usize> {
        self.first
            .as_ref()
            .map(|f| Arc::as_ptr(&f.resources) as usize)
    }
}

/// An agent's filters by (framework, role). A cycle asks about many frameworks of one agent in
/// a row, and in a long run of declines an agent holds a filter for most frameworks: a hash
/// map answers and takes new filters in constant time however many there are.
#[derive(Debug, Default)]
pub(super) struct AgentFilters {
    lists: FastMap<(Id, Id), Filters>,
}

impl AgentFilters {
    pub(super) fn get(&self, key: (Id, Id)) -> Option<&Filters> {
        self.lists.get(&key)
    }

    /// The (framework, role) pairs holding filters, in no particular order.
    pub(super) fn keys(&self) -> impl Iterator<Item = (Id, Id)> + '_ {
        self.lists.keys().copied()
    }

    pub(super) fn remove(&mut self, key: (Id, Id)) -> Option<Filters> {
        self.lists.remove(&key)
    }

    /// Changes the list under `key` (made empty if absent); an emptied list goes.
    fn update<T>(&mut self, key: (Id, Id), change: impl FnOnce(&mut Filters) -> T) -> T {
        let list = self.lists.entry(key).or_default();
        let out = change(list);
        if list.is_empty() {
            self.lists.remove(&key);
        }
        out
    }

    /// Whether a filter under `key` holds all of `offer`.
    fn refuses(&self, key: (Id, Id), offer: &Resources, memo: &mut Memo) -> bool {
        let Some(list) = self.lists.get(&key) else {
            return false;
        };
        // The usual case: one filter, whose resources the memo has already tested.
        if let (Some((seen, holds)), Some(head)) = (memo.0, list.head()) {
            if seen == head && (holds || list.rest.is_empty()) {
                return holds;
            }
        }
        list.iter().any(|f| {
            let at = Arc::as_ptr(&f.resources) as usize;
            match memo.0 {
                Some((seen, holds)) if seen == at => holds,
                _ => {
                    let holds = f.resources.contains(offer);
                    memo.0 = Some((at, holds));
                    holds
                }
            }
        })
    }
}

/// A time ordered totally, so that it can key a map.
#[derive(Clone, Copy, Debug)]
struct Time(f64);

impl PartialEq for Time {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Time {}

impl PartialOrd for Time {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Time {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Finite filters by expiry.
#[derive(Default)]
pub(super) struct FilterIndex {
    expiry: BTreeMap<(Time, u64), (Id, Id, Id)>,
    next_seq: u64,
}

/// Remembers the last containment test of one offer: filters on an agent mostly share one
/// copy of the resources, so a walk over many filtered frameworks tests it once. The copy is
/// known by its address, only compared while the filters are not changed.
#[derive(Default)]
pub(super) struct Memo(Option<(usize, bool)>);

/// Whether framework `fid` refuses `offer` from `agent` in role `rid`: some filter there holds
/// it all. `memo` must be used for one `offer` only.
pub(super) fn filtered(
    agent: &Agent,
    fid: Id,
    rid: Id,
    offer: &Resources,
    memo: &mut Memo,
) -> bool {
    agent.filters.refuses((fid, rid), offer, memo)
}

impl State {
    /// Installs a filter for `refuse_seconds` from the clock (the last cycle's `now`). A filter
    /// that an existing one already implies is not added, and ones it implies are dropped, so
    /// repeated declines do not pile up. `copy` is a shared copy of `resources` if the caller
    /// has one.
    pub(super) fn install_filter(
        &mut self,
        (fid, aid, rid): (Id, Id, Id),
        resources: &Resources,
        copy: Option<Arc<Resources>>,
        refuse_seconds: f64,
    ) -> Result<()> {
        let expires = self.clock + refuse_seconds;
        let agent = self.agents.get_mut(aid).ok_or_else(|| gone("agent", aid))?;
        let framework = self
            .frameworks
            .get_mut(fid)
            .ok_or_else(|| gone("framework", fid))?;
        let role = self.roles.get_mut(rid).ok_or_else(|| gone("role", rid))?;
        let shared = match copy {
            Some(copy) => agent.last_filter.adopt(copy),
            None => agent.last_filter.share(resources),
        };
        let index = &mut self.filters;
        let added = agent.filters.update((fid, rid), |list| {
            if list
                .iter()
                .any(|f| f.expires >= expires && f.resources.contains(resources))
            {
                return false;
            }
            list.retain(|f| {
                let implied = f.expires <= expires && resources.contains(&f.resources);
                if implied {
                    index.expiry.remove(&(Time(f.expires), f.seq));
                    role.filters = role.filters.saturating_sub(1);
                }
                !implied
            });
            let seq = index.next_seq;
            index.next_seq += 1;
            if expires.is_finite() {
                index.expiry.insert((Time(expires), seq), (fid, aid, rid));
            }
            list.push(Filter {
                resources: shared,
                expires,
                seq,
            });
            role.filters += 1;
            true
        });
        if !added {
            return Ok(());
        }
        framework.filtered.insert((aid, rid));
        Ok(())
    }

    /// Drops every filter whose time has come at a cycle at `now`.
    pub(super) fn expire_filters(&mut self, now: f64) {
        while let Some(entry) = self.filters.expiry.first_entry() {
            if entry.key().0 .0 > now {
                break;
            }
            let ((_, seq), (fid, aid, rid)) = entry.remove_entry();
            let Some(agent) = self.agents.get_mut(aid) else {
                continue;
            };
            if agent.filters.get((fid, rid)).is_none() {
                continue;
            }
            let removed = agent.filters.update((fid, rid), |list| {
                let before = list.len();
                list.retain(|f| f.seq != seq);
                (list.len() < before, list.is_empty())
            });
            if removed.0 {
                if let Some(role) = self.roles.get_mut(rid) {
                    role.filters = role.filters.saturating_sub(1);
                }
            }
            if removed.1 {
                if let Some(framework) = self.frameworks.get_mut(fid) {
                    framework.filtered.remove(&(aid, rid));
                }
            }
        }
    }

    /// Drops `fid`'s filters at every (agent, role) for which `drop` holds.
    pub(super) fn clear_filters(&mut self, fid: Id, mut drop: impl FnMut(Id, Id) -> bool) {
        let Some(framework) = self.frameworks.get_mut(fid) else {
            return;
        };
        let mut dropped = Vec::new();
        framework.filtered.retain(|&(aid, rid)| {
            let go = drop(aid, rid);
            if go {
                dropped.push((aid, rid));
            }
            !go
        });
        for (aid, rid) in dropped {
            self.forget_filters(fid, aid, rid);
        }
    }

    /// Drops every filter on agent `aid`.
    pub(super) fn clear_agent_filters(&mut self, aid: Id) {
        let Some(agent) = self.agents.get_mut(aid) else {
            return;
        };
        let keys: Vec<(Id, Id)> = agent.filters.keys().collect();
        for (fid, rid) in keys {
            if let Some(framework) = self.frameworks.get_mut(fid) {
                framework.filtered.remove(&(aid, rid));
            }
            self.forget_filters(fid, aid, rid);
        }
    }

    /// Removes the filters of (`fid`, `aid`, `rid`) from the agent, the expiry index and the
    /// role's count (the framework's key is the caller's).
    fn forget_filters(&mut self, fid: Id, aid: Id, rid: Id) {
        let Some(list) = self
            .agents
            .get_mut(aid)
            .and_then(|agent| agent.filters.remove((fid, rid)))
        else {
            return;
        };
        for f in list.iter() {
            self.filters.expiry.remove(&(Time(f.expires), f.seq));
        }
        if let Some(role) = self.roles.get_mut(rid) {
            role.filters = role.filters.saturating_sub(list.len() as u32);
        }
    }

    /// How many finite filters wait for expiry (for tests of the index).
    #[cfg(test)]
    pub(super) fn pending_expiries(&self) -> usize {
        self.filters.expiry.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(resources: &Arc<Resources>, expires: f64, seq: u64) -> Filter {
        Filter {
            resources: resources.clone(),
            expires,
            seq,
        }
    }

    fn r(text: &str) -> Arc<Resources> {
        Arc::new(Resources::parse(text).expect("test resources"))
    }

    #[test]
    fn filters_keep_one_inline_and_promote_the_rest() {
        let (a, b) = (r("cpus:1"), r("cpus:2"));
        let mut list = Filters::default();
        assert!(list.is_empty());
        list.push(filter(&a, 1.0, 1));
        list.push(filter(&b, 2.0, 2));
        assert_eq!(list.len(), 2);
        list.retain(|f| f.seq != 1);
        assert_eq!(list.iter().map(|f| f.seq).collect::<Vec<_>>(), [2]);
        assert!(list.rest.is_empty());
        list.retain(|_| false);
        assert!(list.is_empty());
    }

    #[test]
    fn agent_filters_answer_from_the_memo_and_drop_emptied_lists() {
        let (big, small) = (r("cpus:4;mem:64"), r("cpus:1"));
        let mut filters = AgentFilters::default();
        filters.update((2, 0), |l| l.push(filter(&big, 1.0, 1)));
        filters.update((1, 0), |l| l.push(filter(&big, 1.0, 2)));
        filters.update((1, 1), |l| l.push(filter(&small, 1.0, 3)));
        let keys = |filters: &AgentFilters| {
            let mut keys: Vec<(Id, Id)> = filters.keys().collect();
            keys.sort();
            keys
        };
        assert_eq!(keys(&filters), [(1, 0), (1, 1), (2, 0)]);
        let offer = Resources::parse("cpus:2").expect("offer");
        let mut memo = Memo::default();
        assert!(filters.refuses((1, 0), &offer, &mut memo));
        assert_eq!(memo.0, Some((Arc::as_ptr(&big) as usize, true)));
        assert!(filters.refuses((2, 0), &offer, &mut memo));
        assert!(!filters.refuses((1, 1), &offer, &mut memo));
        assert!(!filters.refuses((3, 0), &offer, &mut memo));
        // Emptying a list removes its key.
        filters.update((1, 0), |l| l.retain(|_| false));
        assert_eq!(keys(&filters), [(1, 1), (2, 0)]);
        assert_eq!(filters.remove((2, 0)).map(|l| l.len()), Some(1));
        assert!(filters.get((2, 0)).is_none());
        assert!(filters.get((1, 1)).is_some());
    }

    #[test]
    fn a_second_filter_is_consulted_when_the_first_does_not_hold_the_offer() {
        let (small, big) = (r("cpus:1"), r("cpus:8"));
        let mut filters = AgentFilters::default();
        filters.update((1, 0), |l| {
            l.push(filter(&small, 1.0, 1));
            l.push(filter(&big, 1.0, 2));
        });
        let offer = Resources::parse("cpus:4").expect("offer");
        let mut memo = Memo::default();
        assert!(filters.refuses((1, 0), &offer, &mut memo));
        // Again, with the memo holding the big filter's answer.
        assert!(filters.refuses((1, 0), &offer, &mut memo));
    }
}
