//! `modkit_allocator_vtable` over any [`Allocator`].

use super::{arg, exclusive, guard, write_json};
use crate::abi::{read_sized, str_slice, to_ffi};
use crate::bindings::{
    modkit_allocator_vtable, modkit_offer_sink, modkit_scalars, modkit_status, modkit_str,
    modkit_writer,
};
use crate::resources::{Attributes, Resources};
use crate::sdk::{Allocator, ModuleError, Quantities};
use std::ffi::c_void;
use std::marker::PhantomData;

/// Holds the vtable constant for `T`.
pub struct Vtable<T>(PhantomData<T>);

impl<T: Allocator + 'static> Vtable<T> {
    pub const VTABLE: modkit_allocator_vtable = modkit_allocator_vtable {
        size: std::mem::size_of::<modkit_allocator_vtable>() as u32,
        add_framework: Some(add_framework::<T>),
        remove_framework: Some(remove_framework::<T>),
        activate_framework: Some(activate_framework::<T>),
        deactivate_framework: Some(deactivate_framework::<T>),
        update_framework: Some(update_framework::<T>),
        add_agent: Some(add_agent::<T>),
        remove_agent: Some(remove_agent::<T>),
        update_agent: Some(update_agent::<T>),
        add_used: Some(add_used::<T>),
        recover_resources: Some(recover_resources::<T>),
        suppress: Some(suppress::<T>),
        revive: Some(revive::<T>),
        update_weights: Some(update_weights::<T>),
        update_quota: Some(update_quota::<T>),
        allocate: Some(allocate::<T>),
        metrics: Some(metrics::<T>),
    };
}

/// Resource text argument, parsed; the error names the argument.
///
/// # Safety
/// Same as [`arg`].
unsafe fn resources_arg(s: modkit_str, what: &'static str) -> Result<Resources, ModuleError> {
    // SAFETY: forwarded caller contract.
    let text = unsafe { arg(s, what) }?;
    Resources::parse(text).map_err(|e| ModuleError::invalid(format!("{what}: {e}")))
}

/// # Safety
/// `ptr` must point to `len` valid strings for the call.
unsafe fn roles_arg<'a>(ptr: *const modkit_str, len: usize) -> Result<Vec<&'a str>, ModuleError> {
    // SAFETY: forwarded caller contract.
    unsafe { str_slice(ptr, len) }
        .iter()
        // SAFETY: forwarded caller contract.
        .map(|s| unsafe { arg(*s, "role") })
        .collect()
}

macro_rules! by_framework {
    ($name:ident) => {
        unsafe extern "C" fn $name<T: Allocator>(
            instance: *mut c_void,
            framework: modkit_str,
            err: *mut modkit_writer,
        ) -> modkit_status {
            // SAFETY: host contract: live handle, one thread at a time, arguments valid for the call.
            guard(err, || unsafe {
                exclusive::<T>(instance)?.$name(arg(framework, "framework")?)
            })
        }
    };
}

by_framework!(remove_framework);
by_framework!(activate_framework);
by_framework!(deactivate_framework);

unsafe extern "C" fn add_framework<T: Allocator>(
    instance: *mut c_void,
    framework: modkit_str,
    roles: *const modkit_str,
    roles_len: usize,
    active: bool,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see by_framework!.
    guard(err, || unsafe {
        exclusive::<T>(instance)?.add_framework(
            arg(framework, "framework")?,
            &roles_arg(roles, roles_len)?,
            active,
        )
    })
}

unsafe extern "C" fn update_framework<T: Allocator>(
    instance: *mut c_void,
    framework: modkit_str,
    roles: *const modkit_str,
    roles_len: usize,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see by_framework!.
    guard(err, || unsafe {
        exclusive::<T>(instance)?
            .update_framework(arg(framework, "framework")?, &roles_arg(roles, roles_len)?)
    })
}

unsafe extern "C" fn add_agent<T: Allocator>(
    instance: *mut c_void,
    agent: modkit_str,
    total: modkit_str,
    attributes: modkit_str,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see by_framework!.
    guard(err, || unsafe {
        let attributes = Attributes::parse(arg(attributes, "attributes")?)
            .map_err(|e| ModuleError::invalid(format!("attributes: {e}")))?;
        exclusive::<T>(instance)?.add_agent(
            arg(agent, "agent")?,
            &resources_arg(total, "total")?,
            &attributes,
        )
    })
}

unsafe extern "C" fn remove_agent<T: Allocator>(
    instance: *mut c_void,
    agent: modkit_str,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see by_framework!.
    guard(err, || unsafe {
        exclusive::<T>(instance)?.remove_agent(arg(agent, "agent")?)
    })
}

unsafe extern "C" fn update_agent<T: Allocator>(
    instance: *mut c_void,
    agent: modkit_str,
    total: modkit_str,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see by_framework!.
    guard(err, || unsafe {
        exclusive::<T>(instance)?
            .update_agent(arg(agent, "agent")?, &resources_arg(total, "total")?)
    })
}

unsafe extern "C" fn add_used<T: Allocator>(
    instance: *mut c_void,
    agent: modkit_str,
    framework: modkit_str,
    role: modkit_str,
    resources: modkit_str,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see by_framework!.
    guard(err, || unsafe {
        exclusive::<T>(instance)?.add_used(
            arg(agent, "agent")?,
            arg(framework, "framework")?,
            arg(role, "role")?,
            &resources_arg(resources, "resources")?,
        )
    })
}

unsafe extern "C" fn recover_resources<T: Allocator>(
    instance: *mut c_void,
    framework: modkit_str,
    agent: modkit_str,
    role: modkit_str,
    resources: modkit_str,
    refuse_seconds: f64,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see by_framework!.
    guard(err, || unsafe {
        if refuse_seconds.is_nan() {
            return Err(ModuleError::invalid("refuse_seconds is NaN"));
        }
        exclusive::<T>(instance)?.recover_resources(
            arg(framework, "framework")?,
            arg(agent, "agent")?,
            arg(role, "role")?,
            &resources_arg(resources, "resources")?,
            refuse_seconds,
        )
    })
}

macro_rules! by_framework_roles {
    ($name:ident) => {
        unsafe extern "C" fn $name<T: Allocator>(
            instance: *mut c_void,
            framework: modkit_str,
            roles: *const modkit_str,
            roles_len: usize,
            err: *mut modkit_writer,
        ) -> modkit_status {
            // SAFETY: see by_framework!.
            guard(err, || unsafe {
                exclusive::<T>(instance)?
                    .$name(arg(framework, "framework")?, &roles_arg(roles, roles_len)?)
            })
        }
    };
}

by_framework_roles!(suppress);
by_framework_roles!(revive);

unsafe extern "C" fn update_weights<T: Allocator>(
    instance: *mut c_void,
    weights: modkit_scalars,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see by_framework!.
    guard(err, || unsafe {
        exclusive::<T>(instance)?.update_weights(Quantities::from_host(weights)?)
    })
}

unsafe extern "C" fn update_quota<T: Allocator>(
    instance: *mut c_void,
    role: modkit_str,
    guarantee: modkit_str,
    limit: modkit_str,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see by_framework!.
    guard(err, || unsafe {
        let guarantee = resources_arg(guarantee, "guarantee")?;
        let limit = if arg(limit, "limit")?.trim().is_empty() {
            None
        } else {
            Some(resources_arg(limit, "limit")?)
        };
        exclusive::<T>(instance)?.update_quota(arg(role, "role")?, &guarantee, limit.as_ref())
    })
}

unsafe extern "C" fn allocate<T: Allocator>(
    instance: *mut c_void,
    now: f64,
    offers: *const modkit_offer_sink,
    err: *mut modkit_writer,
) -> modkit_status {
    guard(err, || {
        if offers.is_null() {
            return Err(ModuleError::invalid("allocate: offer sink is null"));
        }
        if !now.is_finite() {
            return Err(ModuleError::invalid(format!(
                "allocate: now = {now} is not finite"
            )));
        }
        // SAFETY: non-null; the host's sink is valid for this call.
        let sink = unsafe { read_sized(offers, (*offers).size as usize) };
        let offer = sink
            .offer
            .ok_or_else(|| ModuleError::invalid("allocate: the offer sink has no `offer`"))?;
        // SAFETY: see by_framework!.
        let this = unsafe { exclusive::<T>(instance) }?;
        this.allocate(now, &mut |o| {
            let text = o.resources.to_string();
            // SAFETY: `offer`/`ctx` come from the host's sink, valid for this call.
            let status = unsafe {
                offer(
                    sink.ctx,
                    to_ffi(o.framework),
                    to_ffi(o.agent),
                    to_ffi(o.role),
                    to_ffi(&text),
                )
            };
            if status == crate::abi::status::OK {
                Ok(())
            } else {
                Err(ModuleError::from_status(
                    status,
                    "the host refused the offer".into(),
                ))
            }
        })
    })
}

unsafe extern "C" fn metrics<T: Allocator>(
    instance: *mut c_void,
    out: *mut modkit_writer,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see by_framework!.
    guard(err, || unsafe {
        write_json(out, &exclusive::<T>(instance)?.metrics()?)
    })
}
