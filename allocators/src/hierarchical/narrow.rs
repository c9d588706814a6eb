//! Stage 1 asks the role sorter only about the roles that still want their guarantee.
//!
//! Mesos walks the whole role order on every agent and skips the roles stage 1 has nothing
//! for; with many satisfied roles sorting before the wanting ones, most of every walk is
//! skipping. Deactivating those roles for the length of stage 1 lists exactly the wanting roles,
//! in the same relative order: a sorter orders the clients it lists the same whichever others
//! are listed, since an inactive client's allocation still counts.

use super::ids::Id;
use super::quota::QuotaCycle;
use super::state::gone;
use super::HierarchicalAllocator;
use modkit_ffi::sdk::Result;

impl HierarchicalAllocator {
    /// Deactivates the active roles that stage 1 has nothing for; they go into `hidden`.
    pub(super) fn hide_for_stage1(
        &mut self,
        quota: &QuotaCycle,
        hidden: &mut Vec<Id>,
    ) -> Result<()> {
        for (rid, role) in self.st.roles.iter() {
            if role.active && !(role.listed > 0 && quota.wants_guarantee(rid)) {
                self.role_sorter.deactivate(&role.name, rid)?;
                hidden.push(rid);
            }
        }
        Ok(())
    }

    /// Deactivates the roles among `rids` whose guarantee stage 1 has just met.
    pub(super) fn hide_met(
        &mut self,
        quota: &QuotaCycle,
        rids: &[Id],
        hidden: &mut Vec<Id>,
    ) -> Result<()> {
        for &rid in rids {
            if quota.wants_guarantee(rid) || hidden.contains(&rid) {
                continue;
            }
            let role = self.st.roles.get(rid).ok_or_else(|| gone("role", rid))?;
            self.role_sorter.deactivate(&role.name, rid)?;
            hidden.push(rid);
        }
        Ok(())
    }

    /// Activates again every role stage 1 hid.
    pub(super) fn unhide(&mut self, hidden: &mut Vec<Id>) -> Result<()> {
        let mut result = Ok(());
        for rid in hidden.drain(..) {
            let told = match self.st.roles.get(rid) {
                Some(role) => self.role_sorter.activate(&role.name, rid),
                None => Err(gone("role", rid)),
            };
            if result.is_ok() {
                result = told;
            }
        }
        result
    }
}
