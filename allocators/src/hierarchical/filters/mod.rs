//! Offer filters: after a decline with `refuse_seconds` > 0, the framework is not offered those
//! resources (or fewer) from that agent in that role again until the filter expires, which it
//! does only at a batch allocation whose `now` reaches the install time plus `refuse_seconds`.
//!
//! Filters sit with their agent (`agent`: by framework and role, with bit sets in front, see
//! `bits`): a cycle checks the frameworks of one agent after another, so what it looks at stays
//! in cache however many frameworks it passes over. Each framework keeps the agents it has
//! filters on, so revive and friends visit only those; finite filters are also indexed by expiry, so a
//! cycle drops the expired ones without scanning the rest.

mod agent;
mod bits;

pub(super) use agent::{AgentFilters, Memo};

use super::ids::Id;
use super::state::{gone, State};
use agent::Filter;
use modkit_ffi::resources::Resources;
use modkit_ffi::sdk::Result;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

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
        let agents = self.agents.capacity();
        let agent = self.agents.get_mut(aid).ok_or_else(|| gone("agent", aid))?;
        let framework = self
            .frameworks
            .get_mut(fid)
            .ok_or_else(|| gone("framework", fid))?;
        if framework.filtered.last() != Some(&aid) {
            framework.filtered.push(aid);
            if framework.filtered.len() > 2 * agents + 16 {
                framework.filtered.sort_unstable();
                framework.filtered.dedup();
            }
        }
        let role = self.roles.get_mut(rid).ok_or_else(|| gone("role", rid))?;
        let shared = agent.filters.share(resources, copy);
        let index = &mut self.filters;
        agent.filters.update((fid, rid), |list| {
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
            if !agent.filters.has((fid, rid)) {
                continue;
            }
            let removed = agent.filters.update((fid, rid), |list| {
                let before = list.len();
                list.retain(|f| f.seq != seq);
                list.len() < before
            });
            if removed {
                if let Some(role) = self.roles.get_mut(rid) {
                    role.filters = role.filters.saturating_sub(1);
                }
            }
        }
    }

    /// Drops `fid`'s filters at every (agent, role) for which `drop` holds. Only the agents
    /// the framework has had filters on since its last clear are asked (a few bit tests each),
    /// so a revive costs its own filters, not the cluster.
    pub(super) fn clear_filters(&mut self, fid: Id, mut drop: impl FnMut(Id, Id) -> bool) {
        let Some(framework) = self.frameworks.get_mut(fid) else {
            return;
        };
        let mut visit = std::mem::take(&mut framework.filtered);
        // Filters are only ever installed in roles the framework is tracked under, and go
        // when it stops being tracked there.
        let roles: Vec<Id> = framework.roles.keys().copied().collect();
        visit.sort_unstable();
        visit.dedup();
        let mut dropped = Vec::new();
        // Agents where `drop` spared a filter stay in the list.
        visit.retain(|&aid| {
            let Some(agent) = self.agents.get(aid) else {
                return false;
            };
            let mut spared = false;
            for &rid in &roles {
                if !agent.filters.has((fid, rid)) {
                    continue;
                }
                if drop(aid, rid) {
                    dropped.push((aid, rid));
                } else {
                    spared = true;
                }
            }
            spared
        });
        for (aid, rid) in dropped {
            self.forget_filters(fid, aid, rid);
        }
        if let Some(framework) = self.frameworks.get_mut(fid) {
            framework.filtered = visit;
        }
    }

    /// Drops every filter on agent `aid`.
    pub(super) fn clear_agent_filters(&mut self, aid: Id) {
        let Some(agent) = self.agents.get_mut(aid) else {
            return;
        };
        let keys: Vec<(Id, Id)> = agent.filters.keys().collect();
        for (fid, rid) in keys {
            self.forget_filters(fid, aid, rid);
        }
    }

    /// Removes the filters of (`fid`, `aid`, `rid`) from the agent, the expiry index and the
    /// role's count.
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
