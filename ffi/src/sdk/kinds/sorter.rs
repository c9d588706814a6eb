//! Sorters order clients (roles or frameworks) by fairness.

use crate::sdk::{Quantities, Result};

/// See `modkit_sorter_vtable` in modkit.h for the meaning of each call. Used by one thread at a
/// time (the allocator's), hence `&mut self`.
pub trait Sorter: Send {
    fn add_client(&mut self, client: &str) -> Result<()>;
    fn remove_client(&mut self, client: &str) -> Result<()>;
    fn activate(&mut self, client: &str) -> Result<()>;
    fn deactivate(&mut self, client: &str) -> Result<()>;
    fn update_weight(&mut self, path: &str, weight: f64) -> Result<()>;
    fn add_agent(&mut self, agent: &str, total: Quantities<'_>) -> Result<()>;
    fn remove_agent(&mut self, agent: &str) -> Result<()>;
    fn allocated(&mut self, client: &str, agent: &str, resources: Quantities<'_>) -> Result<()>;
    fn update(
        &mut self,
        client: &str,
        agent: &str,
        old_resources: Quantities<'_>,
        new_resources: Quantities<'_>,
    ) -> Result<()>;
    fn unallocated(&mut self, client: &str, agent: &str, resources: Quantities<'_>) -> Result<()>;
    /// The client's total allocation, name → quantity.
    fn allocation(&mut self, client: &str) -> Result<Vec<(String, f64)>>;
    /// Hands the active clients to `out` in fairness order, until `out` returns false (the
    /// caller needs no more: an allocator stops at the first eligible client).
    fn sort(&mut self, out: &mut dyn FnMut(&str) -> bool) -> Result<()>;
    fn contains(&mut self, client: &str) -> Result<bool>;
    fn count(&mut self) -> Result<usize>;
}

/// Any sorter trait object is a sorter: lets the host hand out built-in and loaded sorters alike
/// through one C vtable (`modkit_host.create_sorter`).
impl Sorter for Box<dyn Sorter> {
    fn add_client(&mut self, client: &str) -> Result<()> {
        (**self).add_client(client)
    }
    fn remove_client(&mut self, client: &str) -> Result<()> {
        (**self).remove_client(client)
    }
    fn activate(&mut self, client: &str) -> Result<()> {
        (**self).activate(client)
    }
    fn deactivate(&mut self, client: &str) -> Result<()> {
        (**self).deactivate(client)
    }
    fn update_weight(&mut self, path: &str, weight: f64) -> Result<()> {
        (**self).update_weight(path, weight)
    }
    fn add_agent(&mut self, agent: &str, total: Quantities<'_>) -> Result<()> {
        (**self).add_agent(agent, total)
    }
    fn remove_agent(&mut self, agent: &str) -> Result<()> {
        (**self).remove_agent(agent)
    }
    fn allocated(&mut self, client: &str, agent: &str, resources: Quantities<'_>) -> Result<()> {
        (**self).allocated(client, agent, resources)
    }
    fn update(
        &mut self,
        client: &str,
        agent: &str,
        old_resources: Quantities<'_>,
        new_resources: Quantities<'_>,
    ) -> Result<()> {
        (**self).update(client, agent, old_resources, new_resources)
    }
    fn unallocated(&mut self, client: &str, agent: &str, resources: Quantities<'_>) -> Result<()> {
        (**self).unallocated(client, agent, resources)
    }
    fn allocation(&mut self, client: &str) -> Result<Vec<(String, f64)>> {
        (**self).allocation(client)
    }
    fn sort(&mut self, out: &mut dyn FnMut(&str) -> bool) -> Result<()> {
        (**self).sort(out)
    }
    fn contains(&mut self, client: &str) -> Result<bool> {
        (**self).contains(client)
    }
    fn count(&mut self) -> Result<usize> {
        (**self).count()
    }
}
