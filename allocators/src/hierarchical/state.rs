//! What the allocator knows: agents, frameworks and roles under dense ids, and the books that
//! move resources between an agent's available pool and the allocations made from it.

use super::filters::{AgentFilters, FilterIndex};
use super::holdings::Holdings;
use super::ids::{Id, Slab};
use super::order::SorterSlot;
use super::qty::{Qty, ResId, ResNames};
use super::remainder::LastRemainder;
use modkit_ffi::resources::{Resources, Scalar, Value};
use modkit_ffi::sdk::{ModuleError, QuantityBuf, Result};
use std::collections::BTreeMap;
use std::sync::Arc;

pub(super) struct Agent {
    pub name: String,
    /// Shared with other agents of the same total.
    pub total: Arc<Resources>,
    /// `total` less every allocation, kept up to date so a cycle never recomputes it. Shared
    /// (copied on write): an offer of all of it takes this copy, and its decline gives it back.
    pub available: Arc<Resources>,
    /// (framework, role) → what it holds here.
    pub allocations: Holdings,
    /// The scalars of `total`, as every new framework sorter is told.
    pub total_amounts: Vec<(ResId, i64)>,
    /// Whether `total` holds reservations (most agents do not, and skip the role checks).
    pub reserved: bool,
    /// (framework, role) → its offer filters here.
    pub filters: AgentFilters,
}

impl Agent {
    /// An agent whose total is `total` (a shared copy), all of it available.
    pub(super) fn new(names: &mut ResNames, name: &str, total: Arc<Resources>) -> Agent {
        let mut total_amounts = Vec::new();
        read_scalars(names, &total, &mut total_amounts, &mut Vec::new());
        Agent {
            name: name.to_string(),
            available: total.clone(),
            reserved: total.iter().any(|r| r.is_reserved()),
            total,
            allocations: Holdings::default(),
            total_amounts,
            filters: AgentFilters::default(),
        }
    }

    /// Everything allocated here.
    pub(super) fn allocated(&self) -> Resources {
        self.allocations.total()
    }
}

/// The last copy made of some resources, handed out again for equal ones: agents of one shape,
/// frameworks starting with the same tasks, declines of the same remainder round after round
/// then share one copy, and equal copies are recognised by address.
#[derive(Debug, Default)]
pub(super) struct LastCopy(Option<Arc<Resources>>);

impl LastCopy {
    /// A shared copy of `resources`.
    pub(super) fn share(&mut self, resources: &Resources) -> Arc<Resources> {
        match &self.0 {
            Some(last) if **last == *resources => last.clone(),
            _ => self.keep(Arc::new(resources.clone())),
        }
    }

    /// `copy`, or the last copy when that is equal to it.
    pub(super) fn adopt(&mut self, copy: Arc<Resources>) -> Arc<Resources> {
        match &self.0 {
            Some(last) if Arc::ptr_eq(last, &copy) || **last == *copy => last.clone(),
            _ => self.keep(copy),
        }
    }

    /// The copy the next equal resources would get.
    pub(super) fn current(&self) -> Option<&Arc<Resources>> {
        self.0.as_ref()
    }

    fn keep(&mut self, copy: Arc<Resources>) -> Arc<Resources> {
        self.0 = Some(copy.clone());
        copy
    }
}

/// A framework's standing in one role.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct FwRole {
    /// The framework asked for this role (it may also hold resources in a role it left).
    pub subscribed: bool,
    pub suppressed: bool,
    /// Active in the role's framework sorter: framework active, subscribed, not suppressed.
    pub listed: bool,
    /// Agents on which it holds resources in this role.
    pub allocations: u32,
}

impl FwRole {
    /// Tracked while subscribed or holding resources, as Mesos keeps a framework under a role
    /// it left until its resources there come back.
    pub(super) fn tracked(&self) -> bool {
        self.subscribed || self.allocations > 0
    }
}

pub(super) struct Framework {
    pub name: String,
    pub active: bool,
    pub roles: BTreeMap<Id, FwRole>,
    /// Agents where it has had filters since its filters were last cleared (repeats and
    /// stale entries allowed): revive visits these instead of every agent.
    pub filtered: Vec<Id>,
}

impl Framework {
    pub(super) fn new(name: &str, active: bool) -> Framework {
        Framework {
            name: name.to_string(),
            active,
            roles: BTreeMap::new(),
            filtered: Vec::new(),
        }
    }
}

/// A role with at least one framework tracked under it.
pub(super) struct Role {
    pub name: String,
    /// Orders the role's frameworks; made by the factory when the role appears.
    pub sorter: SorterSlot,
    /// Frameworks tracked under the role.
    pub tracked: u32,
    /// Frameworks subscribed to it.
    pub subscribed: u32,
    /// Active in the role sorter: `subscribed` > 0 and `listed` > 0.
    pub active: bool,
    /// Frameworks listed in its sorter: a cycle skips the role when there is none.
    pub listed: u32,
    /// Scalars allocated in this role (not its sub-roles), for quota and metrics.
    pub allocated: Qty,
    /// Offer filters held for this role.
    pub filters: u32,
}

impl Role {
    pub(super) fn new(name: &str, sorter: SorterSlot) -> Role {
        Role {
            name: name.to_string(),
            sorter,
            tracked: 0,
            subscribed: 0,
            active: false,
            listed: 0,
            allocated: Qty::default(),
            filters: 0,
        }
    }
}

/// Everything but the role sorter and the name indexes, which a cycle borrows apart from it.
#[derive(Default)]
pub(super) struct State {
    pub res: ResNames,
    pub agents: Slab<Agent>,
    pub frameworks: Slab<Framework>,
    pub roles: Slab<Role>,
    pub filters: FilterIndex,
    /// Unallocated unreserved scalars over all agents: what quota headroom is drawn from.
    pub headroom: Qty,
    /// Every agent's total, for dominant shares in metrics.
    pub totals: Qty,
    /// Scratch: the scalars moved by the last allocate/deallocate, merged by name (all of them,
    /// then the unreserved part); the cycle passes the first on to the role sorter.
    pub moved: Vec<(ResId, i64)>,
    moved_unreserved: Vec<(ResId, i64)>,
    /// The `now` of the last cycle: filters are installed relative to it.
    pub clock: f64,
    pub runs: u64,
    /// Shared copies of agent totals and of resources in use as agents come.
    pub last_total: LastCopy,
    pub last_used: LastCopy,
    /// What was left of the last shared copy allocations were taken out of.
    pub remainder: LastRemainder,
    /// Left in place of what an offer of all of an agent's resources took.
    pub nothing: Arc<Resources>,
}

/// Where the resources of an allocation just made can be read back: the allocation itself when
/// it is new (nothing was copied), or the caller's own copy when it was added to older holdings.
pub(super) enum Kept {
    InAllocation,
    Own(Arc<Resources>),
}

/// A dangling id is a bug of this module, not of its caller.
pub(super) fn gone(what: &str, id: Id) -> ModuleError {
    ModuleError::failed(format!("internal: no {what} with id {id}"))
}

impl State {
    /// Moves `resources` on `aid` from available to `fid`'s allocation in `rid`, and tells the
    /// role's framework sorter (the role sorter is the caller's, with `moved`). The caller
    /// checked that they are available and allocatable to the role; `taken` says it already
    /// took them out of `available` itself (the whole of it, without a copy).
    pub(super) fn allocate(
        &mut self,
        aid: Id,
        fid: Id,
        rid: Id,
        resources: Arc<Resources>,
        taken: bool,
    ) -> Result<Kept> {
        let agent = self.agents.get_mut(aid).ok_or_else(|| gone("agent", aid))?;
        let framework = self
            .frameworks
            .get_mut(fid)
            .ok_or_else(|| gone("framework", fid))?;
        let role = self.roles.get_mut(rid).ok_or_else(|| gone("role", rid))?;
        read_scalars(
            &mut self.res,
            &resources,
            &mut self.moved,
            &mut self.moved_unreserved,
        );
        let told = quantities(&self.res, &self.moved).and_then(|q| {
            role.sorter
                .allocated(&framework.name, &agent.name, q.view())
        });
        if let Err(e) = told {
            if taken {
                agent.available = resources;
            }
            return Err(e);
        }
        if !taken {
            self.remainder.subtract(&mut agent.available, &resources);
        }
        for &(id, milli) in &self.moved {
            role.allocated.add(id, milli);
        }
        for &(id, milli) in &self.moved_unreserved {
            self.headroom.add(id, -milli);
        }
        Ok(match agent.allocations.add((fid, rid), resources) {
            None => {
                framework.roles.entry(rid).or_default().allocations += 1;
                Kept::InAllocation
            }
            Some(resources) => Kept::Own(resources),
        })
    }

    /// The reverse of [`State::allocate`]; the caller checked that `fid` holds `resources`,
    /// and `whole` says they are all it holds there: the held copy then goes back as it is,
    /// and is returned (shared) for a filter on them.
    pub(super) fn deallocate(
        &mut self,
        aid: Id,
        fid: Id,
        rid: Id,
        resources: &Resources,
        whole: bool,
    ) -> Result<Option<Arc<Resources>>> {
        let agent = self.agents.get_mut(aid).ok_or_else(|| gone("agent", aid))?;
        let framework = self
            .frameworks
            .get_mut(fid)
            .ok_or_else(|| gone("framework", fid))?;
        let role = self.roles.get_mut(rid).ok_or_else(|| gone("role", rid))?;
        read_scalars(
            &mut self.res,
            resources,
            &mut self.moved,
            &mut self.moved_unreserved,
        );
        quantities(&self.res, &self.moved).and_then(|q| {
            role.sorter
                .unallocated(&framework.name, &agent.name, q.view())
        })?;
        let key = (fid, rid);
        let back = if whole {
            agent.allocations.remove(key)
        } else {
            None
        };
        let emptied = back.is_some() || agent.allocations.subtract(key, resources) == Some(true);
        if emptied {
            if let Some(standing) = framework.roles.get_mut(&rid) {
                standing.allocations = standing.allocations.saturating_sub(1);
            }
        }
        match &back {
            Some(back) if agent.available.is_empty() => agent.available = back.clone(),
            Some(back) => *Arc::make_mut(&mut agent.available) += &**back,
            None if agent.available.is_empty() => {
                agent.available = Arc::new(resources.clone());
            }
            None => *Arc::make_mut(&mut agent.available) += resources,
        }
        for &(id, milli) in &self.moved {
            role.allocated.add(id, -milli);
        }
        for &(id, milli) in &self.moved_unreserved {
            self.headroom.add(id, milli);
        }
        Ok(back)
    }

    /// Names of a (framework, agent, role) triple, for messages and sorter calls.
    pub(super) fn names(&self, fid: Id, aid: Id, rid: Id) -> Result<(&str, &str, &str)> {
        Ok((
            &self
                .frameworks
                .get(fid)
                .ok_or_else(|| gone("framework", fid))?
                .name,
            &self.agents.get(aid).ok_or_else(|| gone("agent", aid))?.name,
            &self.roles.get(rid).ok_or_else(|| gone("role", rid))?.name,
        ))
    }
}

/// The scalars of `resources` by id, merged, into `all` and (unreserved only) `unreserved`.
fn read_scalars(
    names: &mut ResNames,
    resources: &Resources,
    all: &mut Vec<(ResId, i64)>,
    unreserved: &mut Vec<(ResId, i64)>,
) {
    all.clear();
    unreserved.clear();
    let merge =
        |list: &mut Vec<(ResId, i64)>, id, milli| match list.iter_mut().find(|(i, _)| *i == id) {
            Some((_, sum)) => *sum += milli,
            None => list.push((id, milli)),
        };
    for r in resources {
        if let Value::Scalar(amount) = r.value {
            let id = names.id(&r.name);
            merge(all, id, amount.milli());
            if r.role.is_none() {
                merge(unreserved, id, amount.milli());
            }
        }
    }
}

/// `amounts` as the sorters take them.
pub(super) fn quantities<'a>(
    names: &'a ResNames,
    amounts: &[(ResId, i64)],
) -> Result<QuantityBuf<'a>> {
    QuantityBuf::from_pairs(
        amounts
            .iter()
            .map(|&(id, milli)| (names.name(id), Scalar::from_milli(milli).as_f64())),
    )
}
