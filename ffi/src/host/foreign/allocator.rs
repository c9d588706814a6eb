//! [`Allocator`] over a C `modkit_allocator_vtable`.

use super::{parse_output, Handle};
use crate::abi::{status, str_from_ffi, to_ffi};
use crate::bindings::{modkit_allocator_vtable, modkit_offer_sink, modkit_status, modkit_str};
use crate::resources::{Attributes, Resources};
use crate::sdk::{Allocator, ModuleError, Offer, Quantities, Result};
use std::collections::BTreeMap;
use std::ffi::c_void;

pub(crate) struct ForeignAllocator {
    handle: Handle,
    vt: modkit_allocator_vtable,
}

impl ForeignAllocator {
    pub(crate) fn new(handle: Handle, vt: modkit_allocator_vtable) -> Self {
        ForeignAllocator { handle, vt }
    }
}

macro_rules! entry {
    ($self:ident . $name:ident) => {
        $self
            .vt
            .$name
            .ok_or_else(|| ModuleError::Unsupported(stringify!($name).into()))?
    };
}

fn roles_ffi(roles: &[&str]) -> Vec<modkit_str> {
    roles.iter().map(|r| to_ffi(r)).collect()
}

/// State of one `allocate` call, behind the offer sink's `ctx`.
struct OfferCtx<'a, 'b> {
    offers: &'a mut dyn FnMut(Offer<'_>) -> Result<()>,
    module: &'b str,
    /// The first failure: the host's refusal or an offer the host could not read.
    failure: Option<ModuleError>,
}

unsafe extern "C" fn offer(
    ctx: *mut c_void,
    framework: modkit_str,
    agent: modkit_str,
    role: modkit_str,
    resources: modkit_str,
) -> modkit_status {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: `ctx` is the OfferCtx of the running allocate call.
        let this = unsafe { &mut *ctx.cast::<OfferCtx<'_, '_>>() };
        if this.failure.is_some() {
            return status::ERROR;
        }
        // SAFETY: the module passes strings valid for the call.
        let parsed = unsafe {
            (|| -> std::result::Result<_, String> {
                let f = str_from_ffi(framework, "framework").map_err(|e| e.to_string())?;
                let a = str_from_ffi(agent, "agent").map_err(|e| e.to_string())?;
                let r = str_from_ffi(role, "role").map_err(|e| e.to_string())?;
                let text = str_from_ffi(resources, "resources").map_err(|e| e.to_string())?;
                let res = Resources::parse(text).map_err(|e| e.to_string())?;
                Ok((f, a, r, res))
            })()
        };
        let result = match parsed {
            Ok((framework, agent, role, resources)) => (this.offers)(Offer {
                framework,
                agent,
                role,
                resources: &resources,
            }),
            Err(e) => Err(ModuleError::BadOutput(format!(
                "allocator {} made an unreadable offer: {e}",
                this.module
            ))),
        };
        match result {
            Ok(()) => status::OK,
            Err(e) => {
                let code = e.status();
                this.failure = Some(e);
                code
            }
        }
    }));
    outcome.unwrap_or(status::PANIC)
}

impl Allocator for ForeignAllocator {
    fn add_framework(&mut self, framework: &str, roles: &[&str], active: bool) -> Result<()> {
        let f = entry!(self.add_framework);
        let roles = roles_ffi(roles);
        // SAFETY (every call below): live instance, arguments borrowed for the call, writers valid.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(framework), roles.as_ptr(), roles.len(), active, e) })
    }

    fn remove_framework(&mut self, framework: &str) -> Result<()> {
        let f = entry!(self.remove_framework);
        // SAFETY: see add_framework.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(framework), e) })
    }

    fn activate_framework(&mut self, framework: &str) -> Result<()> {
        let f = entry!(self.activate_framework);
        // SAFETY: see add_framework.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(framework), e) })
    }

    fn deactivate_framework(&mut self, framework: &str) -> Result<()> {
        let f = entry!(self.deactivate_framework);
        // SAFETY: see add_framework.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(framework), e) })
    }

    fn update_framework(&mut self, framework: &str, roles: &[&str]) -> Result<()> {
        let f = entry!(self.update_framework);
        let roles = roles_ffi(roles);
        // SAFETY: see add_framework.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(framework), roles.as_ptr(), roles.len(), e) })
    }

    fn add_agent(&mut self, agent: &str, total: &Resources, attributes: &Attributes) -> Result<()> {
        let f = entry!(self.add_agent);
        let (total, attributes) = (total.to_string(), attributes.to_string());
        // SAFETY: see add_framework.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(agent), to_ffi(&total), to_ffi(&attributes), e) })
    }

    fn remove_agent(&mut self, agent: &str) -> Result<()> {
        let f = entry!(self.remove_agent);
        // SAFETY: see add_framework.
        self.handle.call(|i, e| unsafe { f(i, to_ffi(agent), e) })
    }

    fn update_agent(&mut self, agent: &str, total: &Resources) -> Result<()> {
        let f = entry!(self.update_agent);
        let total = total.to_string();
        // SAFETY: see add_framework.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(agent), to_ffi(&total), e) })
    }

    fn add_used(
        &mut self,
        agent: &str,
        framework: &str,
        role: &str,
        resources: &Resources,
    ) -> Result<()> {
        let f = entry!(self.add_used);
        let resources = resources.to_string();
        self.handle
            // SAFETY: see add_framework.
            .call(|i, e| unsafe {
                f(
                    i,
                    to_ffi(agent),
                    to_ffi(framework),
                    to_ffi(role),
                    to_ffi(&resources),
                    e,
                )
            })
    }

    fn recover_resources(
        &mut self,
        framework: &str,
        agent: &str,
        role: &str,
        resources: &Resources,
        refuse_seconds: f64,
    ) -> Result<()> {
        let f = entry!(self.recover_resources);
        let resources = resources.to_string();
        self.handle.call(|i, e| {
            // SAFETY: see add_framework.
            unsafe {
                f(
                    i,
                    to_ffi(framework),
                    to_ffi(agent),
                    to_ffi(role),
                    to_ffi(&resources),
                    refuse_seconds,
                    e,
                )
            }
        })
    }

    fn suppress(&mut self, framework: &str, roles: &[&str]) -> Result<()> {
        let f = entry!(self.suppress);
        let roles = roles_ffi(roles);
        // SAFETY: see add_framework.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(framework), roles.as_ptr(), roles.len(), e) })
    }

    fn revive(&mut self, framework: &str, roles: &[&str]) -> Result<()> {
        let f = entry!(self.revive);
        let roles = roles_ffi(roles);
        // SAFETY: see add_framework.
        self.handle
            .call(|i, e| unsafe { f(i, to_ffi(framework), roles.as_ptr(), roles.len(), e) })
    }

    fn update_weights(&mut self, weights: Quantities<'_>) -> Result<()> {
        let f = entry!(self.update_weights);
        // SAFETY: see add_framework.
        self.handle
            .call(|i, e| unsafe { f(i, weights.to_ffi(), e) })
    }

    fn update_quota(
        &mut self,
        role: &str,
        guarantee: &Resources,
        limit: Option<&Resources>,
    ) -> Result<()> {
        let f = entry!(self.update_quota);
        let guarantee = guarantee.to_string();
        let limit = limit.map(ToString::to_string).unwrap_or_default();
        self.handle
            // SAFETY: see add_framework.
            .call(|i, e| unsafe { f(i, to_ffi(role), to_ffi(&guarantee), to_ffi(&limit), e) })
    }

    fn allocate(
        &mut self,
        now: f64,
        offers: &mut dyn FnMut(Offer<'_>) -> Result<()>,
    ) -> Result<()> {
        let f = entry!(self.allocate);
        let mut ctx = OfferCtx {
            offers,
            module: &self.handle.module,
            failure: None,
        };
        let sink = modkit_offer_sink {
            size: std::mem::size_of::<modkit_offer_sink>() as u32,
            ctx: (&mut ctx as *mut OfferCtx<'_, '_>).cast::<c_void>(),
            offer: Some(offer),
        };
        // SAFETY: see add_framework; `sink` and `ctx` outlive the call.
        let result = self.handle.call(|i, e| unsafe { f(i, now, &sink, e) });
        match ctx.failure {
            Some(failure) => Err(failure),
            None => result,
        }
    }

    fn metrics(&mut self) -> Result<BTreeMap<String, f64>> {
        let Some(f) = self.vt.metrics else {
            return Ok(BTreeMap::new());
        };
        // SAFETY: see add_framework.
        let bytes = self
            .handle
            .call_out(Vec::new(), |i, o, e| unsafe { f(i, o, e) })?;
        Ok(parse_output(
            &bytes,
            "allocator metrics (a JSON object of name to number)",
        )?
        .unwrap_or_default())
    }
}
