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

use super::filters::{filtered, Memo};
use super::ids::Id;
use super::order::SorterSlot;
use super::qty::{Minimum, ResId};
use super::quota::{Quota, QuotaCycle};
use super::state::{gone, quantities, Framework, Kept, State};
use super::{HierarchicalAllocator, Ids};
use modkit_ffi::resources::{is_in_subtree, Resource, Resources, Scalar, Value};
use modkit_ffi::sdk::{ModuleError, Offer, QuantityBuf, Result};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Stage 1: unmet quota guarantees.
    Guarantees,
    /// Stage 2: fair sharing of the rest.
    Fair,
}

/// An allocation made in this cycle, offered at its end.
struct Made {
    /// Place of the agent in the cycle's (name) order.
    position: usize,
    agent: Id,
    framework: Id,
    role: Id,
    /// `None` when the allocation is new in this cycle and is exactly what is offered.
    own: Option<Resources>,
}

/// What a role may be offered of an agent.
enum Candidate {
    /// All that is available (no reservation and no quota to cut it): taken, not copied.
    Whole,
    Part(Resources),
}

struct Cycle {
    quota: QuotaCycle,
    made: Vec<Made>,
    /// Per agent (by position): the range of `made` that stage 1 filled.
    stage1: Vec<(usize, usize)>,
    /// Allocations on the current agent, for the role sorter once the agent is done: the role
    /// and a range of `amounts`.
    role_updates: Vec<(Id, usize, usize)>,
    amounts: Vec<(ResId, i64)>,
}

impl Cycle {
    /// Records an allocation; stage 2 adds to what stage 1 gave the same framework and role
    /// on the same agent, so that they make one offer.
    fn add(&mut self, stage: Stage, position: usize, (agent, framework, role): (Id, Id, Id), kept: Kept) {
        if stage == Stage::Fair {
            let (start, end) = self.stage1.get(position).copied().unwrap_or((0, 0));
            let earlier = self.made[start..end]
                .iter_mut()
                .find(|m| m.framework == framework && m.role == role);
            if let Some(m) = earlier {
                // A new allocation already holds the sum; an older one grew by `kept`.
                if let (Some(own), Kept::Own(more)) = (&mut m.own, kept) {
                    *own += &more;
                }
                return;
            }
        }
        self.made.push(Made {
            position,
            agent,
            framework,
            role,
            own: match kept {
                Kept::InAllocation => None,
                Kept::Own(resources) => Some(resources),
            },
        });
    }

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
            return Err(ModuleError::invalid(format!("now is {now} (must be finite)")));
        }
        self.st.clock = now;
        self.st.runs += 1;
        self.st.expire_filters(now);
        let mut cycle = Cycle {
            quota: QuotaCycle::new(&self.quotas, &mut self.st, &self.ids.roles),
            made: Vec::new(),
            stage1: Vec::new(),
            role_updates: Vec::new(),
            amounts: Vec::new(),
        };
        let agents: Vec<Id> = self.ids.agents.sorted().map(|(_, id)| id).collect();
        cycle.stage1 = vec![(0, 0); agents.len()];
        let guarantees = has_guarantees(&self.quotas);
        let mut run = |stage| -> Result<()> {
            for (position, &aid) in agents.iter().enumerate() {
                self.offer_agent(position, aid, stage, &mut cycle)?;
            }
            Ok(())
        };
        let stages = if guarantees {
            run(Stage::Guarantees).and_then(|()| run(Stage::Fair))
        } else {
            run(Stage::Fair)
        };
        if let Err(e) = stages {
            self.take_back(&cycle.made)?;
            return Err(e);
        }
        self.send(cycle.made, offers)
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
        let start = cycle.made.len();
        let visited = role_sorter.visit(&ids.roles, &mut |rid| {
            offer_in_role(st, ids, cycle, min, stage, (position, aid), rid)
        });
        if stage == Stage::Guarantees {
            if let Some(range) = cycle.stage1.get_mut(position) {
                *range = (start, cycle.made.len());
            }
        }
        let told = tell_role_sorter(role_sorter, st, aid, cycle);
        visited.and(told)
    }

    fn send(
        &mut self,
        mut made: Vec<Made>,
        offers: &mut dyn FnMut(Offer<'_>) -> Result<()>,
    ) -> Result<()> {
        let st = &self.st;
        let name = |m: &Made| {
            (
                st.frameworks.get(m.framework).map(|x| x.name.as_str()),
                st.roles.get(m.role).map(|x| x.name.as_str()),
            )
        };
        made.sort_by(|a, b| a.position.cmp(&b.position).then_with(|| name(a).cmp(&name(b))));
        for (i, m) in made.iter().enumerate() {
            let sent = self.offered(m).and_then(|(framework, agent, role, resources)| {
                offers(Offer {
                    framework,
                    agent,
                    role,
                    resources,
                })
            });
            if let Err(e) = sent {
                self.take_back(&made[i..])?;
                return Err(e);
            }
        }
        Ok(())
    }

    /// The names and resources of an offer.
    fn offered<'a>(&'a self, m: &'a Made) -> Result<(&'a str, &'a str, &'a str, &'a Resources)> {
        let (framework, agent, role) = self.st.names(m.framework, m.agent, m.role)?;
        let resources = match &m.own {
            Some(own) => own,
            None => self
                .st
                .agents
                .get(m.agent)
                .and_then(|a| a.allocations.get(&(m.framework, m.role)))
                .ok_or_else(|| gone("allocation on agent", m.agent))?,
        };
        Ok((framework, agent, role, resources))
    }

    /// Undoes allocations of this cycle that were never offered.
    fn take_back(&mut self, made: &[Made]) -> Result<()> {
        for m in made {
            let resources = self.offered(m)?.3.clone();
            self.st
                .deallocate(m.agent, m.framework, m.role, &resources)?;
            let (_, agent, role) = self.st.names(m.framework, m.agent, m.role)?;
            self.role_sorter
                .unallocated(role, agent, QuantityBuf::from_resources(&resources).view())?;
        }
        Ok(())
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
        ..
    } = &mut *st;
    let agent = agents.get_mut(aid).ok_or_else(|| gone("agent", aid))?;
    let offer = match &candidate {
        Candidate::Whole => &agent.available,
        Candidate::Part(part) => part,
    };
    if !min.allows(offer) {
        return Ok(false);
    }
    let sorter: &mut SorterSlot = &mut roles.get_mut(rid).ok_or_else(|| gone("role", rid))?.sorter;
    let mut memo = Memo::default();
    let chosen = sorter.first(&ids.frameworks, &mut |fid| {
        // The sorter lists only listed frameworks; checked anyway, after the filters (which
        // are on the agent, hence in cache) since most frameworks passed over are filtered.
        !filtered(agent, fid, rid, offer, &mut memo)
            && frameworks.get(fid).is_some_and(|f| listed(f, rid))
    })?;
    let Some(fid) = chosen else {
        return Ok(false);
    };
    let (offer, taken) = match candidate {
        Candidate::Whole => (std::mem::take(&mut agent.available), true),
        Candidate::Part(part) => (part, false),
    };
    cycle.quota.allocated(rid, &mut st.res, &offer);
    let kept = st.allocate(aid, fid, rid, offer, taken)?;
    cycle.note_for_role_sorter(rid, &st.moved);
    cycle.add(stage, position, (aid, fid, rid), kept);
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
                let amount = amount
                    .milli()
                    .min(quota.cap(rid, id, stage1, &st.headroom));
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
