//! The allocator's calls other than the cycle: frameworks and agents coming, changing and
//! going, resources used and given back, suppress/revive, weights and quota.

use super::config::DEFAULT_REFUSE_SECONDS;
use super::ids::Id;
use super::quota::parse_quota;
use super::state::{gone, quantities, Agent, Framework};
use super::HierarchicalAllocator;
use modkit_ffi::resources::{is_in_subtree, validate_role, Resources};
use modkit_ffi::sdk::{ModuleError, Quantities, QuantityBuf, Result};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Refuses what Mesos refuses for `--weights`: a bad role or a weight that is not positive.
pub(super) fn check_weight(role: &str, weight: f64) -> Result<()> {
    check_role(role)?;
    if weight.is_finite() && weight > 0.0 {
        Ok(())
    } else {
        Err(ModuleError::invalid(format!(
            "weight of role '{role}' is {weight} (must be a positive finite number)"
        )))
    }
}

fn check_role(role: &str) -> Result<()> {
    validate_role(role).map_err(|why| ModuleError::invalid(format!("role '{role}': {why}")))
}

/// The roles asked for, checked, each once, in name order.
fn role_set<'a>(roles: &[&'a str]) -> Result<BTreeSet<&'a str>> {
    roles.iter().try_for_each(|r| check_role(r))?;
    Ok(roles.iter().copied().collect())
}

impl HierarchicalAllocator {
    pub(super) fn framework_id(&self, framework: &str) -> Result<Id> {
        self.ids
            .frameworks
            .get(framework)
            .ok_or_else(|| ModuleError::not_found(format!("framework '{framework}'")))
    }

    pub(super) fn agent_id(&self, agent: &str) -> Result<Id> {
        self.ids
            .agents
            .get(agent)
            .ok_or_else(|| ModuleError::not_found(format!("agent '{agent}'")))
    }

    pub(super) fn new_framework(&mut self, name: &str, roles: &[&str], active: bool) -> Result<()> {
        if self.ids.frameworks.get(name).is_some() {
            return Err(ModuleError::invalid(format!(
                "framework '{name}' is already added"
            )));
        }
        if name.is_empty() {
            return Err(ModuleError::invalid("a framework name may not be empty"));
        }
        let roles = role_set(roles)?;
        let fid = self.st.frameworks.insert(Framework::new(name, active));
        self.ids.frameworks.insert(name, fid);
        for role in roles {
            let rid = self.role_id(role)?;
            self.track(fid, rid, true)?;
        }
        Ok(())
    }

    /// Takes back everything the framework holds and forgets it.
    pub(super) fn drop_framework(&mut self, name: &str) -> Result<()> {
        let fid = self.framework_id(name)?;
        if self.st.frameworks.get(fid).is_none() {
            return Err(gone("framework", fid));
        }
        // Every agent is asked (its holdings are a short vector): a set per framework would
        // cost every offer and decline a hash update, and removals are rare. Agents in id
        // order, so that the sorters are told the same on every run.
        let held: Vec<(Id, Id)> = self
            .st
            .agents
            .iter()
            .flat_map(|(aid, agent)| {
                agent
                    .allocations
                    .keys()
                    .filter(move |&(f, _)| f == fid)
                    .map(move |(_, rid)| (aid, rid))
            })
            .collect();
        for (aid, rid) in held {
            self.take_back_all(fid, aid, rid)?;
        }
        self.st.clear_filters(fid, |_, _| true);
        let framework = self
            .st
            .frameworks
            .get(fid)
            .ok_or_else(|| gone("framework", fid))?;
        let roles: Vec<Id> = framework.roles.keys().copied().collect();
        for rid in roles {
            self.unsubscribe(fid, rid)?;
        }
        self.st.frameworks.remove(fid);
        self.ids.frameworks.remove(name);
        Ok(())
    }

    /// Returns all `fid` holds on `aid` in `rid` to the agent, telling both sorters.
    fn take_back_all(&mut self, fid: Id, aid: Id, rid: Id) -> Result<()> {
        let agent = self.st.agents.get(aid).ok_or_else(|| gone("agent", aid))?;
        let Some(held) = agent.allocations.get((fid, rid)).cloned() else {
            return Ok(());
        };
        self.st.deallocate(aid, fid, rid, &held, true)?;
        let (_, agent, role) = self.st.names(fid, aid, rid)?;
        self.role_sorter
            .unallocated(role, agent, QuantityBuf::from_resources(&held).view())
    }

    /// Deactivation also drops the framework's filters, as in Mesos.
    pub(super) fn set_framework_active(&mut self, name: &str, active: bool) -> Result<()> {
        let fid = self.framework_id(name)?;
        let framework = self
            .st
            .frameworks
            .get_mut(fid)
            .ok_or_else(|| gone("framework", fid))?;
        framework.active = active;
        let roles: Vec<Id> = framework.roles.keys().copied().collect();
        for rid in roles {
            self.sync(fid, rid)?;
        }
        if !active {
            self.st.clear_filters(fid, |_, _| true);
        }
        Ok(())
    }

    /// Subscribes the framework to exactly `roles`; a role it leaves keeps what it holds there
    /// until that comes back.
    pub(super) fn resubscribe(&mut self, name: &str, roles: &[&str]) -> Result<()> {
        let fid = self.framework_id(name)?;
        let wanted = role_set(roles)?;
        let framework = self
            .st
            .frameworks
            .get(fid)
            .ok_or_else(|| gone("framework", fid))?;
        let leaving: Vec<Id> = framework
            .roles
            .iter()
            .filter(|(rid, standing)| {
                standing.subscribed
                    && self
                        .st
                        .roles
                        .get(**rid)
                        .is_some_and(|r| !wanted.contains(r.name.as_str()))
            })
            .map(|(rid, _)| *rid)
            .collect();
        for rid in leaving {
            self.unsubscribe(fid, rid)?;
        }
        for role in wanted {
            let rid = self.role_id(role)?;
            self.track(fid, rid, true)?;
        }
        Ok(())
    }

    pub(super) fn new_agent(&mut self, name: &str, total: &Resources) -> Result<()> {
        if self.ids.agents.get(name).is_some() {
            return Err(ModuleError::invalid(format!(
                "agent '{name}' is already added"
            )));
        }
        if name.is_empty() {
            return Err(ModuleError::invalid("an agent name may not be empty"));
        }
        let q = QuantityBuf::from_resources(total);
        self.role_sorter.add_agent(name, q.view())?;
        for (_, role) in self.st.roles.iter_mut() {
            role.sorter.add_agent(name, q.view())?;
        }
        let shared = self.st.last_total.share(total);
        let agent = Agent::new(&mut self.st.res, name, shared);
        let aid = self.st.agents.insert(agent);
        self.ids.agents.insert(name, aid);
        let st = &mut self.st;
        st.totals.add_scalars(&mut st.res, total, 1, |_| true);
        st.headroom
            .add_scalars(&mut st.res, total, 1, |role| role.is_none());
        Ok(())
    }

    /// Takes back what frameworks hold on the agent, then forgets it and its filters.
    pub(super) fn drop_agent(&mut self, name: &str) -> Result<()> {
        let aid = self.agent_id(name)?;
        let agent = self.st.agents.get(aid).ok_or_else(|| gone("agent", aid))?;
        let held: Vec<(Id, Id)> = agent.allocations.keys().collect();
        for (fid, rid) in held {
            self.take_back_all(fid, aid, rid)?;
            self.untrack_if_idle(fid, rid)?;
        }
        self.st.clear_agent_filters(aid);
        self.role_sorter.remove_agent(name)?;
        for (_, role) in self.st.roles.iter_mut() {
            role.sorter.remove_agent(name)?;
        }
        let agent = self
            .st
            .agents
            .remove(aid)
            .ok_or_else(|| gone("agent", aid))?;
        self.ids.agents.remove(name);
        let st = &mut self.st;
        st.totals
            .add_scalars(&mut st.res, &agent.total, -1, |_| true);
        st.headroom
            .add_scalars(&mut st.res, &agent.available, -1, |role| role.is_none());
        Ok(())
    }

    /// A new total must still hold everything allocated on the agent.
    pub(super) fn resize_agent(&mut self, name: &str, total: &Resources) -> Result<()> {
        let aid = self.agent_id(name)?;
        let agent = self.st.agents.get(aid).ok_or_else(|| gone("agent", aid))?;
        let allocated = agent.allocated();
        if !total.contains(&allocated) {
            return Err(ModuleError::invalid(format!(
                "new total '{total}' of agent '{name}' does not hold what is allocated there \
                 ('{allocated}')"
            )));
        }
        let q = QuantityBuf::from_resources(total);
        self.role_sorter.remove_agent(name)?;
        self.role_sorter.add_agent(name, q.view())?;
        for (_, role) in self.st.roles.iter_mut() {
            role.sorter.remove_agent(name)?;
            role.sorter.add_agent(name, q.view())?;
        }
        let st = &mut self.st;
        let agent = st.agents.get_mut(aid).ok_or_else(|| gone("agent", aid))?;
        st.totals
            .add_scalars(&mut st.res, &agent.total, -1, |_| true);
        st.headroom
            .add_scalars(&mut st.res, &agent.available, -1, |role| role.is_none());
        // Allocations and filters stay; only the totals change.
        let fresh = Agent::new(&mut st.res, name, Arc::new(total.clone()));
        agent.available = Arc::new(total - &allocated);
        agent.total = fresh.total;
        agent.total_amounts = fresh.total_amounts;
        agent.reserved = fresh.reserved;
        st.totals.add_scalars(&mut st.res, total, 1, |_| true);
        st.headroom
            .add_scalars(&mut st.res, &agent.available, 1, |role| role.is_none());
        Ok(())
    }

    /// Resources already in use when the agent or framework (re)appears count as allocated to
    /// `framework` in `role`, which need not be one of its roles.
    pub(super) fn record_used(
        &mut self,
        agent: &str,
        framework: &str,
        role: &str,
        resources: &Resources,
    ) -> Result<()> {
        let aid = self.agent_id(agent)?;
        let fid = self.framework_id(framework)?;
        check_role(role)?;
        if resources.is_empty() {
            return Ok(());
        }
        // Shared first: agents starting with the same tasks then share the test and what is left.
        let used = self.st.last_used.share(resources);
        let available = &self
            .st
            .agents
            .get(aid)
            .ok_or_else(|| gone("agent", aid))?
            .available;
        if !self.st.remainder.holds(available, &used) {
            return Err(ModuleError::invalid(format!(
                "'{resources}' is not available on agent '{agent}' (available: '{available}')"
            )));
        }
        if let Some(bad) = resources.iter().find(|r| {
            r.role
                .as_deref()
                .is_some_and(|held| !is_in_subtree(role, held))
        }) {
            return Err(ModuleError::invalid(format!(
                "'{bad}' is reserved to another role and cannot be used by role '{role}'"
            )));
        }
        let rid = self.role_id(role)?;
        // A framework already tracked in the role is in step with its sorters.
        if self.standing(fid, rid).is_none() {
            self.track(fid, rid, false)?;
        }
        self.st.allocate(aid, fid, rid, used, false)?;
        // `moved` holds the scalars just allocated, as the role sorter takes them.
        let moved = quantities(&self.st.res, &self.st.moved)?;
        self.role_sorter.allocated(role, agent, moved.view())
    }

    /// Resources come back from `framework` (declined, or its task ended); `refuse_seconds` > 0
    /// keeps them from it for that long. A negative value means Mesos's default (5 s).
    pub(super) fn give_back(
        &mut self,
        framework: &str,
        agent: &str,
        role: &str,
        resources: &Resources,
        refuse_seconds: f64,
    ) -> Result<()> {
        let fid = self.framework_id(framework)?;
        let aid = self.agent_id(agent)?;
        if refuse_seconds.is_nan() {
            return Err(ModuleError::invalid("refuse_seconds is NaN"));
        }
        let refuse_seconds = if refuse_seconds < 0.0 {
            DEFAULT_REFUSE_SECONDS
        } else {
            refuse_seconds
        };
        if resources.is_empty() {
            return Ok(());
        }
        let rid = self.ids.roles.get(role);
        let empty = Resources::new();
        let held = rid
            .and_then(|rid| self.st.agents.get(aid)?.allocations.get((fid, rid)))
            .map_or(&empty, |held| &**held);
        // Equality first: a decline returns exactly what was offered.
        let whole = held == resources;
        let rid = match rid {
            Some(rid) if whole || held.contains(resources) => rid,
            _ => {
                let held = if held.is_empty() {
                    "nothing".to_string()
                } else {
                    format!("'{held}'")
                };
                return Err(ModuleError::invalid(format!(
                    "cannot recover '{resources}' from framework '{framework}' in role \
                     '{role}' on agent '{agent}': it holds {held} there"
                )));
            }
        };
        let back = self.st.deallocate(aid, fid, rid, resources, whole)?;
        let moved = quantities(&self.st.res, &self.st.moved)?;
        self.role_sorter.unallocated(role, agent, moved.view())?;
        if refuse_seconds > 0.0 && self.standing(fid, rid).is_some_and(|s| s.subscribed) {
            self.st
                .install_filter((fid, aid, rid), resources, back, refuse_seconds)?;
        }
        self.untrack_if_idle(fid, rid)
    }

    /// Suppresses or revives the framework in `roles` (all its roles when empty); reviving
    /// also drops its filters in those roles.
    pub(super) fn set_suppressed(
        &mut self,
        framework: &str,
        roles: &[&str],
        suppressed: bool,
    ) -> Result<()> {
        let fid = self.framework_id(framework)?;
        let fw = self
            .st
            .frameworks
            .get(fid)
            .ok_or_else(|| gone("framework", fid))?;
        let targets: Vec<Id> = if roles.is_empty() {
            fw.roles
                .iter()
                .filter(|(_, s)| s.subscribed)
                .map(|(rid, _)| *rid)
                .collect()
        } else {
            let mut targets = Vec::new();
            for role in role_set(roles)? {
                match self.ids.roles.get(role) {
                    Some(rid) if fw.roles.get(&rid).is_some_and(|s| s.subscribed) => {
                        targets.push(rid)
                    }
                    _ => {
                        return Err(ModuleError::invalid(format!(
                            "framework '{framework}' is not subscribed to role '{role}'"
                        )))
                    }
                }
            }
            targets
        };
        for &rid in &targets {
            if let Some(standing) = self
                .st
                .frameworks
                .get_mut(fid)
                .and_then(|f| f.roles.get_mut(&rid))
            {
                standing.suppressed = suppressed;
            }
            self.sync(fid, rid)?;
        }
        if !suppressed {
            if roles.is_empty() {
                self.st.clear_filters(fid, |_, _| true);
            } else {
                self.st.clear_filters(fid, |_, rid| targets.contains(&rid));
            }
        }
        Ok(())
    }

    /// All weights are checked before any is applied.
    pub(super) fn set_weights(&mut self, weights: Quantities<'_>) -> Result<()> {
        for (role, weight) in weights.iter() {
            check_weight(role, weight)?;
        }
        for (role, weight) in weights.iter() {
            self.role_sorter.update_weight(role, weight)?;
        }
        Ok(())
    }

    pub(super) fn set_quota(
        &mut self,
        role: &str,
        guarantee: &Resources,
        limit: Option<&Resources>,
    ) -> Result<()> {
        match parse_quota(&mut self.st.res, role, guarantee, limit)? {
            Some(quota) => self.quotas.insert(role.to_string(), quota),
            None => self.quotas.remove(role),
        };
        Ok(())
    }
}
