//! The hierarchical allocator (Mesos's default): two-level fair sharing (roles by the role
//! sorter, then each role's frameworks by its own framework sorter), static reservations,
//! quota guarantees and limits with headroom, offer filters, suppress/revive and the minimum
//! allocatable offer. Time only comes in through `allocate(now)`, so callers drive the clock.
//!
//! Files: `config` (settings), `ids` (dense ids and name lookups), `qty` (scalar books),
//! `holdings` (what frameworks hold on an agent), `remainder` (shared remainders),
//! `state` (agents, frameworks, roles and the allocation books), `order` (sorters with their
//! cached orders), `tracking` (which framework is in which sorter, and active or not),
//! `events` (the trait's calls other than the cycle), `filters`, `quota`, `allocate` (the
//! cycle), `narrow` (what stage 1 asks the role sorter), `offers` (collecting and handing out
//! a cycle's offers), `metrics`.

mod allocate;
mod config;
mod events;
mod filters;
mod holdings;
mod ids;
mod metrics;
mod module;
mod narrow;
mod offers;
mod order;
mod qty;
mod quota;
mod remainder;
mod state;
mod tracking;

#[cfg(test)]
mod tests;

pub use config::{AllocatorConfig, DEFAULT_REFUSE_SECONDS};

use ids::Names;
use modkit_ffi::resources::{Attributes, Resources};
use modkit_ffi::sdk::{Allocator, Offer, Quantities, Result, Sorter};
use order::SorterSlot;
use qty::Minimum;
use quota::Quota;
use state::State;
use std::collections::BTreeMap;

/// Makes one framework sorter per role, when the role first appears.
pub type SorterFactory = Box<dyn FnMut() -> Result<Box<dyn Sorter>> + Send>;

/// Name lookups, kept apart from [`State`] so that a cycle can resolve the names a sorter
/// hands back while it changes the state.
#[derive(Default)]
struct Ids {
    agents: Names,
    frameworks: Names,
    roles: Names,
}

/// Mesos's hierarchical DRF allocator over any pair of sorters.
pub struct HierarchicalAllocator {
    config: AllocatorConfig,
    min: Minimum,
    make_sorter: SorterFactory,
    role_sorter: SorterSlot,
    ids: Ids,
    st: State,
    quotas: BTreeMap<String, Quota>,
}

impl HierarchicalAllocator {
    /// An allocator ordering roles with `role_sorter` and each role's frameworks with a sorter
    /// from `framework_sorters`. Fails on invalid settings or when the role sorter refuses the
    /// configured weights.
    pub fn new(
        config: AllocatorConfig,
        role_sorter: Box<dyn Sorter>,
        framework_sorters: SorterFactory,
    ) -> Result<Self> {
        config.validate()?;
        let mut role_sorter = SorterSlot::new(role_sorter, config.reuse_sort_orders);
        for (role, weight) in &config.weights {
            role_sorter.update_weight(role, *weight)?;
        }
        Ok(HierarchicalAllocator {
            min: Minimum::new(config.min_allocatable_cpus, config.min_allocatable_mem),
            config,
            make_sorter: framework_sorters,
            role_sorter,
            ids: Ids::default(),
            st: State::default(),
            quotas: BTreeMap::new(),
        })
    }

    /// The settings it was made with.
    pub fn config(&self) -> &AllocatorConfig {
        &self.config
    }
}

impl Allocator for HierarchicalAllocator {
    fn add_framework(&mut self, framework: &str, roles: &[&str], active: bool) -> Result<()> {
        self.new_framework(framework, roles, active)
    }

    fn remove_framework(&mut self, framework: &str) -> Result<()> {
        self.drop_framework(framework)
    }

    fn activate_framework(&mut self, framework: &str) -> Result<()> {
        self.set_framework_active(framework, true)
    }

    fn deactivate_framework(&mut self, framework: &str) -> Result<()> {
        self.set_framework_active(framework, false)
    }

    fn update_framework(&mut self, framework: &str, roles: &[&str]) -> Result<()> {
        self.resubscribe(framework, roles)
    }

    fn add_agent(
        &mut self,
        agent: &str,
        total: &Resources,
        _attributes: &Attributes,
    ) -> Result<()> {
        // Attributes matter to frameworks, not to the allocation policy.
        self.new_agent(agent, total)
    }

    fn remove_agent(&mut self, agent: &str) -> Result<()> {
        self.drop_agent(agent)
    }

    fn update_agent(&mut self, agent: &str, total: &Resources) -> Result<()> {
        self.resize_agent(agent, total)
    }

    fn add_used(
        &mut self,
        agent: &str,
        framework: &str,
        role: &str,
        resources: &Resources,
    ) -> Result<()> {
        self.record_used(agent, framework, role, resources)
    }

    fn recover_resources(
        &mut self,
        framework: &str,
        agent: &str,
        role: &str,
        resources: &Resources,
        refuse_seconds: f64,
    ) -> Result<()> {
        self.give_back(framework, agent, role, resources, refuse_seconds)
    }

    fn suppress(&mut self, framework: &str, roles: &[&str]) -> Result<()> {
        self.set_suppressed(framework, roles, true)
    }

    fn revive(&mut self, framework: &str, roles: &[&str]) -> Result<()> {
        self.set_suppressed(framework, roles, false)
    }

    fn update_weights(&mut self, weights: Quantities<'_>) -> Result<()> {
        self.set_weights(weights)
    }

    fn update_quota(
        &mut self,
        role: &str,
        guarantee: &Resources,
        limit: Option<&Resources>,
    ) -> Result<()> {
        self.set_quota(role, guarantee, limit)
    }

    fn allocate(
        &mut self,
        now: f64,
        offers: &mut dyn FnMut(Offer<'_>) -> Result<()>,
    ) -> Result<()> {
        self.cycle(now, offers)
    }

    fn metrics(&mut self) -> Result<BTreeMap<String, f64>> {
        Ok(self.collect_metrics())
    }
}
