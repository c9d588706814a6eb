//! One batch allocation cycle, as Mesos's hierarchical allocator runs it.
//!
//! Agents are taken in name order (Mesos shuffles them; a fixed order makes runs repeatable).
//! Stage 1, only when some quota is set: on each agent, roles whose guarantee is not met are
//! offered (in role-sorter order) what their unmet guarantee needs of it, the reservations
//! they may use, and whatever else their limits and the others' headroom leave. Stage 2: on
//! each agent, roles in role-sorter order are offered everything left that they may use, less
//! what their limits forbid and less the headroom the other roles' unmet guarantees need.
//! Within a role the first framework in its sorter's order that is listed and has no filter
//! covering the offer takes it all; the role sorter is told at the end of each agent, so every
//! agent is served in the order sorted at its start, as in Mesos.
//!
//! Cost per agent: one sort of each sorter that changed since it was last asked (an agent on
//! which nothing was allocated reuses the orders), plus, per role visited, a few flag checks
//! and, when it can take something, building the offer and one filter lookup per framework
//! tried. A visit ends as soon as the agent has less than the minimum allocatable left.

use super::filters::Memo;
use super::ids::Id;
use super::offers::Offers;
use super::order::SorterSlot;
use super::qty::{Minimum, ResId};
use super::quota::{Quota, QuotaCycle};
use super::state::{gone, quantities, Framework, State};
use super::{HierarchicalAllocator, Ids};
use modkit_ffi::resources::{is_in_subtree, Resource, Resources, Scalar, Value};
use modkit_ffi::sdk::{ModuleError, Offer, Result};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Stage 1: unmet quota guarantees.
    Guarantees,
    /// Stage 2: fair sharing of the rest.
    Fair,
}

/// What a role may be offered of an agent.
enum Candidate {
    /// All that is available (no reservation and no quota to cut it): taken, not copied.
    Whole,
    Part(Resources),
}

struct Cycle {
    quota: QuotaCycle,
    offers: Offers,
    /// Roles deactivated in the role sorter for stage 1.
    hidden: Vec<Id>,
    /// The role, when only one is active in the role sorter.
    only_role: Option<Id>,
    /// Allocations on the current agent, for the role sorter once the agent is done: the role
    /// and a range of `amounts`.
    role_updates: Vec<(Id, usize, usize)>,
    amounts: Vec<(ResId, i64)>,
}

impl Cycle {
    /// Notes what was just allocated in `rid` (the state's `moved`) for the role sorter.
    fn note_for_role_sorter(&mut self, rid: Id, moved: &[(ResId, i64)]) {
        let start = self.amounts.len();
        self.amounts.extend_from_slice(moved);
        self.role_updates.push((rid, start, self.amounts.len()));
    }
}

impl HierarchicalAllocator {
    /// Runs one cycle at `now` and hands out its offers, sorted by agent, framework and role.
    /// If a sorter or `offers` fails, what was not handed out goes back to the agents.
    pub(super) fn cycle(
        &mut self,
        now: f64,
        offers: &mut dyn FnMut(Offer<'_>) -> Result<()>,
    ) -> Result<()> {
        if !now.is_finite() {
            return Err(ModuleError::invalid(format!(
                "now is {now} (must be finite)"
            )));
        }
        self.st.clock = now;
        self.st.runs += 1;
        self.st.expire_filters(now);
        // Agents are served in name order, and quota walks role subtrees.
        self.ids.agents.sort();
        self.ids.roles.sort();
        let mut cycle = Cycle {
            quota: QuotaCycle::new(&self.quotas, &mut self.st, &self.ids.roles),
            offers: Offers::default(),
            only_role: self.only_active_role(),
            hidden: Vec::new(),
            role_updates: Vec::new(),
            amounts: Vec::new(),
        };
        let agents: Vec<Id> = self
            .ids
            .agents
            .sorted()
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        cycle.offers = Offers::new(agents.len());
        let guarantees = has_guarantees(&self.quotas);
        let stages = self
            .stage1(&agents, guarantees, &mut cycle)
            .and_then(|()| self.run_stage(&agents, Stage::Fair, &mut cycle));
        if let Err(e) = stages {
            self.take_back(&cycle.offers)?;
            return Err(e);
        }
        self.send(cycle.offers, offers)
    }

    /// Stage 1, when some role has a guarantee, with the roles it has nothing for hidden from
    /// the role sorter (see `narrow`).
    fn stage1(&mut self, agents: &[Id], guarantees: bool, cycle: &mut Cycle) -> Result<()> {
        if !guarantees {
            return Ok(());
        }
        if cycle.only_role.is_some() {
            return self.run_stage(agents, Stage::Guarantees, cycle);
        }
        let mut hidden = Vec::new();
        let hid = self.hide_for_stage1(&cycle.quota, &mut hidden);
        cycle.hidden = hidden;
        let ran = hid.and_then(|()| self.run_stage(agents, Stage::Guarantees, cycle));
        let mut hidden = std::mem::take(&mut cycle.hidden);
        let shown = self.unhide(&mut hidden);
        ran.and(shown)
    }

    fn run_stage(&mut self, agents: &[Id], stage: Stage, cycle: &mut Cycle) -> Result<()> {
        for (position, &aid) in agents.iter().enumerate() {
            self.offer_agent(position, aid, stage, cycle)?;
        }
        Ok(())
    }

    /// The single active role, if there is exactly one.
    fn only_active_role(&self) -> Option<Id> {
        let mut active = self
            .st
            .roles
            .iter()
            .filter(|(_, r)| r.active)
            .map(|(id, _)| id);
        let first = active.next()?;
        active.next().is_none().then_some(first)
    }

    fn offer_agent(
        &mut self,
        position: usize,
        aid: Id,
        stage: Stage,
        cycle: &mut Cycle,
    ) -> Result<()> {
        if stage == Stage::Guarantees && !cycle.quota.anyone_wanting() {
            return Ok(());
        }
        let agent = self.st.agents.get(aid).ok_or_else(|| gone("agent", aid))?;
        if !self.min.allows(&agent.available) {
            return Ok(());
        }
        let HierarchicalAllocator {
            role_sorter,
            ids,
            st,
            min,
            ..
        } = self;
        let min = *min;
        let start = cycle.offers.len();
        let visited = match cycle.only_role {
            // A sorter lists only active clients: with one, there is nothing to sort.
            Some(rid) => offer_in_role(st, ids, cycle, min, stage, (position, aid), rid).map(drop),
            None => role_sorter.visit(&ids.roles, &mut |rid| {
                offer_in_role(st, ids, cycle, min, stage, (position, aid), rid)
            }),
        };
        if stage == Stage::Guarantees {
            cycle.offers.stage1_made(position, start);
        }
        let touched: Vec<Id> = match stage {
            Stage::Guarantees if cycle.only_role.is_none() => {
                cycle.role_updates.iter().map(|u| u.0).collect()
            }
            _ => Vec::new(),
        };
        let told = tell_role_sorter(role_sorter, st, aid, cycle);
        let mut hidden = std::mem::take(&mut cycle.hidden);
        let hid = self.hide_met(&cycle.quota, &touched, &mut hidden);
        cycle.hidden = hidden;
        visited.and(told).and(hid)
    }
}

/// Stage 1 runs only when some role has a guarantee.
fn has_guarantees(quotas: &BTreeMap<String, Quota>) -> bool {
    quotas.values().any(|q| !q.guarantee.is_empty())
}

/// Offers what role `rid` may take of the agent to its first eligible framework; `true` when
/// the agent has less than the minimum left, which ends the agent's visit.
fn offer_in_role(
    st: &mut State,
    ids: &Ids,
    cycle: &mut Cycle,
    min: Minimum,
    stage: Stage,
    (position, aid): (usize, Id),
    rid: Id,
) -> Result<bool> {
    if stage == Stage::Guarantees {
        if !cycle.quota.anyone_wanting() {
            return Ok(true);
        }
        if !cycle.quota.wants_guarantee(rid) {
            return Ok(false);
        }
    }
    let (Some(role), Some(agent)) = (st.roles.get(rid), st.agents.get(aid)) else {
        return Ok(false);
    };
    if role.listed == 0 {
        return Ok(false);
    }
    if stage == Stage::Fair && !agent.reserved && cycle.quota.blocked(rid, &st.headroom, min) {
        return Ok(false);
    }
    let Some(candidate) = candidate(st, &cycle.quota, stage, aid, rid)? else {
        return Ok(false);
    };
    let State {
        roles,
        frameworks,
        agents,
        nothing,
        ..
    } = &mut *st;
    let agent = agents.get_mut(aid).ok_or_else(|| gone("agent", aid))?;
    let offer: &Resources = match &candidate {
        Candidate::Whole => &agent.available,
        Candidate::Part(part) => part,
    };
    if !min.allows(offer) {
        return Ok(false);
    }
    let sorter: &mut SorterSlot = &mut roles.get_mut(rid).ok_or_else(|| gone("role", rid))?.sorter;
    let mut memo = Memo::default();
    let refusing = agent.filters.role(rid);
    let chosen = sorter.first(&ids.frameworks, &mut |fid| {
        // The sorter lists only listed frameworks; checked anyway, after the filters (which
        // are on the agent, hence in cache) since most frameworks passed over are filtered.
        !refusing.refuses(fid, offer, &mut memo)
            && frameworks.get(fid).is_some_and(|f| listed(f, rid))
    })?;
    let Some(fid) = chosen else {
        return Ok(false);
    };
    let (offer, taken) = match candidate {
        Candidate::Whole => (
            std::mem::replace(&mut agent.available, nothing.clone()),
            true,
        ),
        Candidate::Part(part) => (Arc::new(part), false),
    };
    cycle.quota.allocated(rid, &mut st.res, &offer);
    let kept = st.allocate(aid, fid, rid, offer, taken)?;
    cycle.note_for_role_sorter(rid, &st.moved);
    cycle
        .offers
        .add(stage == Stage::Fair, position, (aid, fid, rid), kept);
    let agent = st.agents.get(aid).ok_or_else(|| gone("agent", aid))?;
    Ok(!min.allows(&agent.available))
}

/// Active, subscribed to the role and not suppressed there.
fn listed(framework: &Framework, rid: Id) -> bool {
    framework.roles.get(&rid).is_some_and(|s| s.listed)
}

/// What role `rid` may be offered of agent `aid` at this stage; `None` when stage 1 would
/// give it nothing its guarantee needs and no reservation.
fn candidate(
    st: &State,
    quota: &QuotaCycle,
    stage: Stage,
    aid: Id,
    rid: Id,
) -> Result<Option<Candidate>> {
    let agent = st.agents.get(aid).ok_or_else(|| gone("agent", aid))?;
    let role = st.roles.get(rid).ok_or_else(|| gone("role", rid))?;
    // Reservations to the role or a role above it; unreserved resources go to anyone.
    let usable = |held: Option<&str>| held.map_or(true, |held| is_in_subtree(&role.name, held));
    if !quota.is_active() {
        return Ok(Some(if agent.reserved {
            Candidate::Part(agent.available.filter(|r| usable(r.role.as_deref())))
        } else {
            Candidate::Whole
        }));
    }
    let stage1 = stage == Stage::Guarantees;
    let mut offer = Resources::new();
    let mut useful = !stage1;
    for r in agent.available.iter() {
        let part = match (r.role.as_deref(), &r.value) {
            (Some(held), _) => {
                if !usable(Some(held)) {
                    continue;
                }
                useful = true;
                r.clone()
            }
            (None, Value::Scalar(amount)) => {
                let id = st.res.find(&r.name).unwrap_or(usize::MAX);
                let amount = amount.milli().min(quota.cap(rid, id, stage1, &st.headroom));
                if amount <= 0 {
                    continue;
                }
                useful |= stage1 && quota.unmet(rid, id) > 0;
                Resource::new(r.name.clone(), Scalar::from_milli(amount))
            }
            (None, _) => r.clone(),
        };
        offer
            .insert(part)
            .map_err(|e| ModuleError::failed(format!("internal: building an offer: {e}")))?;
    }
    Ok(useful.then_some(Candidate::Part(offer)))
}

/// Tells the role sorter of the allocations made on the agent just served.
fn tell_role_sorter(
    role_sorter: &mut SorterSlot,
    st: &State,
    aid: Id,
    cycle: &mut Cycle,
) -> Result<()> {
    let agent = st.agents.get(aid).ok_or_else(|| gone("agent", aid))?;
    let mut result = Ok(());
    for (rid, start, end) in cycle.role_updates.drain(..) {
        let told = match st.roles.get(rid) {
            Some(role) => quantities(&st.res, &cycle.amounts[start..end])
                .and_then(|q| role_sorter.allocated(&role.name, &agent.name, q.view())),
            None => Err(gone("role", rid)),
        };
        if result.is_ok() {
            result = told;
        }
    }
    cycle.amounts.clear();
    result
}
