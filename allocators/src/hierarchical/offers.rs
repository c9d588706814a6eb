//! The offers of one cycle: allocations as they are made, merged per (agent, framework, role),
//! then handed out in a stable order at the end (or taken back if they cannot be).

use super::ids::Id;
use super::state::{gone, Kept};
use super::HierarchicalAllocator;
use modkit_ffi::resources::Resources;
use modkit_ffi::sdk::{Offer, QuantityBuf, Result};
use std::sync::Arc;

/// An allocation made in this cycle, offered at its end.
pub(super) struct Made {
    /// Place of the agent in the cycle's (name) order.
    position: usize,
    agent: Id,
    framework: Id,
    role: Id,
    /// `None` when the allocation is new in this cycle and is exactly what is offered.
    own: Option<Arc<Resources>>,
}

#[derive(Default)]
pub(super) struct Offers {
    made: Vec<Made>,
    /// Per agent (by position): the range of `made` that stage 1 filled.
    stage1: Vec<(usize, usize)>,
}

impl Offers {
    pub(super) fn new(agents: usize) -> Offers {
        Offers {
            made: Vec::new(),
            stage1: vec![(0, 0); agents],
        }
    }

    pub(super) fn len(&self) -> usize {
        self.made.len()
    }

    /// Remembers which allocations stage 1 made on the agent at `position`.
    pub(super) fn stage1_made(&mut self, position: usize, start: usize) {
        let end = self.made.len();
        if let Some(range) = self.stage1.get_mut(position) {
            *range = (start, end);
        }
    }

    /// Records an allocation. In stage 2 (`merge`), one to the framework and role that stage 1
    /// served on the same agent adds to that offer, so that the two make one.
    pub(super) fn add(
        &mut self,
        merge: bool,
        position: usize,
        (agent, framework, role): (Id, Id, Id),
        kept: Kept,
    ) {
        if merge {
            let (start, end) = self.stage1.get(position).copied().unwrap_or((0, 0));
            let earlier = self.made[start..end]
                .iter_mut()
                .find(|m| m.framework == framework && m.role == role);
            if let Some(m) = earlier {
                // A new allocation already holds the sum; an older one grew by `kept`.
                if let (Some(own), Kept::Own(more)) = (&mut m.own, kept) {
                    *Arc::make_mut(own) += &*more;
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
}

impl HierarchicalAllocator {
    /// Hands out the offers sorted by agent, framework and role. When `out` fails, that offer
    /// and the ones after it go back to their agents.
    pub(super) fn send(
        &mut self,
        offers: Offers,
        out: &mut dyn FnMut(Offer<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut made = offers.made;
        let st = &self.st;
        let name = |m: &Made| {
            (
                st.frameworks.get(m.framework).map(|x| x.name.as_str()),
                st.roles.get(m.role).map(|x| x.name.as_str()),
            )
        };
        made.sort_by(|a, b| {
            a.position
                .cmp(&b.position)
                .then_with(|| name(a).cmp(&name(b)))
        });
        for (i, m) in made.iter().enumerate() {
            let sent = self
                .offered(m)
                .and_then(|(framework, agent, role, resources)| {
                    out(Offer {
                        framework,
                        agent,
                        role,
                        resources,
                    })
                });
            if let Err(e) = sent {
                self.take_back_made(&made[i..])?;
                return Err(e);
            }
        }
        Ok(())
    }

    /// Undoes every allocation of a cycle that stopped before its offers went out.
    pub(super) fn take_back(&mut self, offers: &Offers) -> Result<()> {
        self.take_back_made(&offers.made)
    }

    /// The names and resources of an offer.
    fn offered<'a>(&'a self, m: &'a Made) -> Result<(&'a str, &'a str, &'a str, &'a Resources)> {
        let (framework, agent, role) = self.st.names(m.framework, m.agent, m.role)?;
        let resources = match &m.own {
            Some(own) => &**own,
            None => self
                .st
                .agents
                .get(m.agent)
                .and_then(|a| a.allocations.get((m.framework, m.role)))
                .map(|held| &**held)
                .ok_or_else(|| gone("allocation on agent", m.agent))?,
        };
        Ok((framework, agent, role, resources))
    }

    fn take_back_made(&mut self, made: &[Made]) -> Result<()> {
        for m in made {
            let resources = self.offered(m)?.3.clone();
            // A new allocation is all that is held; an older one grew by `own`.
            self.st
                .deallocate(m.agent, m.framework, m.role, &resources, m.own.is_none())?;
            let (_, agent, role) = self.st.names(m.framework, m.agent, m.role)?;
            self.role_sorter.unallocated(
                role,
                agent,
                QuantityBuf::from_resources(&resources).view(),
            )?;
        }
        Ok(())
    }
}
