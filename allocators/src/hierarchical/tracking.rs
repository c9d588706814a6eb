//! Keeps the sorters in step with frameworks and roles: a role is a client of the role sorter
//! while a framework is tracked under it (active while one is subscribed and listed), and a framework is a
//! client of the role's framework sorter while it is subscribed to the role or holds resources
//! there (listed while active, subscribed and not suppressed).

use super::ids::Id;
use super::order::SorterSlot;
use super::state::{gone, quantities, FwRole, Role};
use super::HierarchicalAllocator;
use modkit_ffi::sdk::Result;

impl HierarchicalAllocator {
    /// The id of `role`, making the role (and its framework sorter) on first use.
    pub(super) fn role_id(&mut self, role: &str) -> Result<Id> {
        if let Some(rid) = self.ids.roles.get(role) {
            return Ok(rid);
        }
        let mut sorter = SorterSlot::new((self.make_sorter)()?, self.config.reuse_sort_orders);
        self.ids.agents.sort();
        for (name, aid) in self.ids.agents.sorted() {
            let agent = self.st.agents.get(aid).ok_or_else(|| gone("agent", aid))?;
            sorter.add_agent(name, quantities(&self.st.res, &agent.total_amounts)?.view())?;
        }
        self.role_sorter.add_client(role)?;
        let rid = self.st.roles.insert(Role::new(role, sorter));
        self.ids.roles.insert(role, rid);
        Ok(rid)
    }

    /// Tracks `fid` under `rid` (subscribed, or only holding resources), then brings its
    /// listing up to date.
    pub(super) fn track(&mut self, fid: Id, rid: Id, subscribe: bool) -> Result<()> {
        let framework = self
            .st
            .frameworks
            .get_mut(fid)
            .ok_or_else(|| gone("framework", fid))?;
        let role = self
            .st
            .roles
            .get_mut(rid)
            .ok_or_else(|| gone("role", rid))?;
        if !framework.roles.contains_key(&rid) {
            role.sorter.add_client(&framework.name)?;
            role.tracked += 1;
        }
        // Held until `untrack_if_idle` finds it neither subscribed nor holding anything.
        let standing = framework.roles.entry(rid).or_default();
        if subscribe && !standing.subscribed {
            standing.subscribed = true;
            role.subscribed += 1;
        }
        self.sync(fid, rid)
    }

    /// Lists or unlists `fid` in `rid`'s framework sorter, and activates or deactivates the
    /// role in the role sorter, to match their flags.
    pub(super) fn sync(&mut self, fid: Id, rid: Id) -> Result<()> {
        let framework = self
            .st
            .frameworks
            .get_mut(fid)
            .ok_or_else(|| gone("framework", fid))?;
        let role = self
            .st
            .roles
            .get_mut(rid)
            .ok_or_else(|| gone("role", rid))?;
        if let Some(standing) = framework.roles.get_mut(&rid) {
            let listed = framework.active && standing.subscribed && !standing.suppressed;
            if listed != standing.listed {
                if listed {
                    role.sorter.activate(&framework.name, fid)?;
                    role.listed += 1;
                } else {
                    role.sorter.deactivate(&framework.name, fid)?;
                    role.listed -= 1;
                }
                standing.listed = listed;
            }
        }
        // A role without listed frameworks could take nothing: leaving it out of the role
        // sorter's order spares every agent's walk from passing over it. The order of the
        // roles listed is the same (an inactive client's allocation still counts).
        let active = role.subscribed > 0 && role.listed > 0;
        if active != role.active {
            if active {
                self.role_sorter.activate(&role.name, rid)?;
            } else {
                self.role_sorter.deactivate(&role.name, rid)?;
            }
            role.active = active;
        }
        Ok(())
    }

    /// Ends `fid`'s subscription to `rid`: no more offers or filters there; it stays tracked
    /// while it holds resources in the role.
    pub(super) fn unsubscribe(&mut self, fid: Id, rid: Id) -> Result<()> {
        let framework = self
            .st
            .frameworks
            .get_mut(fid)
            .ok_or_else(|| gone("framework", fid))?;
        if let Some(standing) = framework.roles.get_mut(&rid) {
            if standing.subscribed {
                standing.subscribed = false;
                standing.suppressed = false;
                if let Some(role) = self.st.roles.get_mut(rid) {
                    role.subscribed -= 1;
                }
            }
        }
        self.sync(fid, rid)?;
        self.st.clear_filters(fid, |_, r| r == rid);
        self.untrack_if_idle(fid, rid)
    }

    /// Stops tracking `fid` under `rid` once it is neither subscribed nor holding anything
    /// there; a role left without frameworks goes, with its framework sorter.
    pub(super) fn untrack_if_idle(&mut self, fid: Id, rid: Id) -> Result<()> {
        let framework = self
            .st
            .frameworks
            .get_mut(fid)
            .ok_or_else(|| gone("framework", fid))?;
        let Some(standing) = framework.roles.get(&rid).copied() else {
            return Ok(());
        };
        if standing.tracked() {
            return Ok(());
        }
        // While the role is still among the framework's: filters are looked for there.
        self.st.clear_filters(fid, |_, r| r == rid);
        let framework = self
            .st
            .frameworks
            .get_mut(fid)
            .ok_or_else(|| gone("framework", fid))?;
        let role = self
            .st
            .roles
            .get_mut(rid)
            .ok_or_else(|| gone("role", rid))?;
        role.sorter.remove_client(&framework.name, fid)?;
        framework.roles.remove(&rid);
        role.tracked -= 1;
        if standing.listed {
            role.listed -= 1;
            if role.listed == 0 && role.active {
                self.role_sorter.deactivate(&role.name, rid)?;
                role.active = false;
            }
        }
        self.drop_role_if_empty(rid)
    }

    fn drop_role_if_empty(&mut self, rid: Id) -> Result<()> {
        let role = self.st.roles.get(rid).ok_or_else(|| gone("role", rid))?;
        if role.tracked > 0 {
            return Ok(());
        }
        self.role_sorter.remove_client(&role.name, rid)?;
        self.ids.roles.remove(&role.name);
        self.st.roles.remove(rid);
        Ok(())
    }

    /// The standing of `fid` in `rid`, if tracked.
    pub(super) fn standing(&self, fid: Id, rid: Id) -> Option<FwRole> {
        self.st.frameworks.get(fid)?.roles.get(&rid).copied()
    }
}
