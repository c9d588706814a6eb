//! Allocators: the whole allocation policy, driven by events and by `allocate(now)`.

use crate::resources::{Attributes, Resources};
use crate::sdk::{Quantities, Result};
use std::collections::BTreeMap;

/// One offer produced by [`Allocator::allocate`].
#[derive(Clone, Copy, Debug)]
pub struct Offer<'a> {
    pub framework: &'a str,
    pub agent: &'a str,
    pub role: &'a str,
    pub resources: &'a Resources,
}

/// See `modkit_allocator_vtable` in modkit.h. Time is always passed in, never read from a clock,
/// so the simulator and tests drive it.
pub trait Allocator: Send {
    fn add_framework(&mut self, framework: &str, roles: &[&str], active: bool) -> Result<()>;
    fn remove_framework(&mut self, framework: &str) -> Result<()>;
    fn activate_framework(&mut self, framework: &str) -> Result<()>;
    fn deactivate_framework(&mut self, framework: &str) -> Result<()>;
    fn update_framework(&mut self, framework: &str, roles: &[&str]) -> Result<()>;
    fn add_agent(&mut self, agent: &str, total: &Resources, attributes: &Attributes) -> Result<()>;
    fn remove_agent(&mut self, agent: &str) -> Result<()>;
    fn update_agent(&mut self, agent: &str, total: &Resources) -> Result<()>;
    fn add_used(
        &mut self,
        agent: &str,
        framework: &str,
        role: &str,
        resources: &Resources,
    ) -> Result<()>;
    /// Resources allocated to `framework` for `role` on `agent` come back. `refuse_seconds` > 0
    /// installs an offer filter (infinite allowed).
    fn recover_resources(
        &mut self,
        framework: &str,
        agent: &str,
        role: &str,
        resources: &Resources,
        refuse_seconds: f64,
    ) -> Result<()>;
    /// Empty `roles` means all of the framework's roles.
    fn suppress(&mut self, framework: &str, roles: &[&str]) -> Result<()>;
    /// Empty `roles` means all of the framework's roles; clears the framework's filters.
    fn revive(&mut self, framework: &str, roles: &[&str]) -> Result<()>;
    fn update_weights(&mut self, weights: Quantities<'_>) -> Result<()>;
    /// An empty `guarantee` means none; `limit` None means unlimited.
    fn update_quota(
        &mut self,
        role: &str,
        guarantee: &Resources,
        limit: Option<&Resources>,
    ) -> Result<()>;
    /// One batch cycle at `now` (seconds). An error from `offers` stops the cycle.
    fn allocate(&mut self, now: f64, offers: &mut dyn FnMut(Offer<'_>) -> Result<()>)
        -> Result<()>;
    fn metrics(&mut self) -> Result<BTreeMap<String, f64>> {
        Ok(BTreeMap::new())
    }
}
