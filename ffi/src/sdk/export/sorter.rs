//! `modkit_sorter_vtable` over any [`Sorter`].

use super::{arg, exclusive, guard, write_json};
use crate::abi::write_bytes;
use crate::bindings::{
    modkit_scalars, modkit_sorter_vtable, modkit_status, modkit_str, modkit_writer,
};
use crate::sdk::{ModuleError, Quantities, Sorter};
use std::ffi::c_void;
use std::marker::PhantomData;

/// Holds the vtable constant for `T`.
pub struct Vtable<T>(PhantomData<T>);

impl<T: Sorter + 'static> Vtable<T> {
    pub const VTABLE: modkit_sorter_vtable = modkit_sorter_vtable {
        size: std::mem::size_of::<modkit_sorter_vtable>() as u32,
        add_client: Some(add_client::<T>),
        remove_client: Some(remove_client::<T>),
        activate: Some(activate::<T>),
        deactivate: Some(deactivate::<T>),
        update_weight: Some(update_weight::<T>),
        add_agent: Some(add_agent::<T>),
        remove_agent: Some(remove_agent::<T>),
        allocated: Some(allocated::<T>),
        update: Some(update::<T>),
        unallocated: Some(unallocated::<T>),
        allocation: Some(allocation::<T>),
        sort: Some(sort::<T>),
        contains: Some(contains::<T>),
        count: Some(count::<T>),
    };
}

/// One entry taking a single id.
macro_rules! by_id {
    ($name:ident, $what:literal) => {
        unsafe extern "C" fn $name<T: Sorter>(
            instance: *mut c_void,
            id: modkit_str,
            err: *mut modkit_writer,
        ) -> modkit_status {
            // SAFETY: host contract: live handle, one thread at a time, arguments valid for the call.
            guard(err, || unsafe {
                exclusive::<T>(instance)?.$name(arg(id, $what)?)
            })
        }
    };
}

by_id!(add_client, "client");
by_id!(remove_client, "client");
by_id!(activate, "client");
by_id!(deactivate, "client");
by_id!(remove_agent, "agent");

unsafe extern "C" fn update_weight<T: Sorter>(
    instance: *mut c_void,
    path: modkit_str,
    weight: f64,
    err: *mut modkit_writer,
) -> modkit_status {
    guard(err, || {
        if !(weight.is_finite() && weight > 0.0) {
            return Err(ModuleError::invalid(format!(
                "weight {weight} must be a positive number"
            )));
        }
        // SAFETY: host contract (see by_id!).
        unsafe { exclusive::<T>(instance)?.update_weight(arg(path, "path")?, weight) }
    })
}

unsafe extern "C" fn add_agent<T: Sorter>(
    instance: *mut c_void,
    agent: modkit_str,
    total: modkit_scalars,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: host contract (see by_id!).
    guard(err, || unsafe {
        exclusive::<T>(instance)?.add_agent(arg(agent, "agent")?, Quantities::from_host(total)?)
    })
}

/// Entries taking client, agent and one quantity array.
macro_rules! by_allocation {
    ($name:ident) => {
        unsafe extern "C" fn $name<T: Sorter>(
            instance: *mut c_void,
            client: modkit_str,
            agent: modkit_str,
            resources: modkit_scalars,
            err: *mut modkit_writer,
        ) -> modkit_status {
            // SAFETY: host contract (see by_id!).
            guard(err, || unsafe {
                exclusive::<T>(instance)?.$name(
                    arg(client, "client")?,
                    arg(agent, "agent")?,
                    Quantities::from_host(resources)?,
                )
            })
        }
    };
}

by_allocation!(allocated);
by_allocation!(unallocated);

unsafe extern "C" fn update<T: Sorter>(
    instance: *mut c_void,
    client: modkit_str,
    agent: modkit_str,
    old_resources: modkit_scalars,
    new_resources: modkit_scalars,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: host contract (see by_id!).
    guard(err, || unsafe {
        exclusive::<T>(instance)?.update(
            arg(client, "client")?,
            arg(agent, "agent")?,
            Quantities::from_host(old_resources)?,
            Quantities::from_host(new_resources)?,
        )
    })
}

unsafe extern "C" fn allocation<T: Sorter>(
    instance: *mut c_void,
    client: modkit_str,
    out: *mut modkit_writer,
    err: *mut modkit_writer,
) -> modkit_status {
    guard(err, || {
        // SAFETY: host contract (see by_id!).
        let pairs = unsafe { exclusive::<T>(instance)?.allocation(arg(client, "client")?) }?;
        let map: serde_json::Map<String, serde_json::Value> = pairs
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::from(v)))
            .collect();
        // SAFETY: `out` is the host's writer for this call.
        unsafe { write_json(out, &map) }
    })
}

unsafe extern "C" fn sort<T: Sorter>(
    instance: *mut c_void,
    out: *mut modkit_writer,
    err: *mut modkit_writer,
) -> modkit_status {
    guard(err, || {
        let mut refused = None;
        // SAFETY: host contract (see by_id!).
        unsafe { exclusive::<T>(instance) }?.sort(&mut |client| {
            // SAFETY: `out` is the host's writer for this call; one client per write.
            match unsafe { write_bytes(out, client.as_bytes()) } {
                Ok(()) => true,
                // The host has what it needs: not an error.
                Err(crate::abi::WriterError::Stop) => false,
                Err(e) => {
                    refused = Some(e);
                    false
                }
            }
        })?;
        refused.map_or(Ok(()), |e| Err(e.into()))
    })
}

unsafe extern "C" fn contains<T: Sorter>(
    instance: *mut c_void,
    client: modkit_str,
    out: *mut bool,
    err: *mut modkit_writer,
) -> modkit_status {
    guard(err, || {
        if out.is_null() {
            return Err(ModuleError::invalid("contains: out-pointer is null"));
        }
        // SAFETY: host contract (see by_id!); `out` checked non-null.
        unsafe { *out = exclusive::<T>(instance)?.contains(arg(client, "client")?)? };
        Ok(())
    })
}

unsafe extern "C" fn count<T: Sorter>(
    instance: *mut c_void,
    out: *mut usize,
    err: *mut modkit_writer,
) -> modkit_status {
    guard(err, || {
        if out.is_null() {
            return Err(ModuleError::invalid("count: out-pointer is null"));
        }
        // SAFETY: host contract (see by_id!); `out` checked non-null.
        unsafe { *out = exclusive::<T>(instance)?.count()? };
        Ok(())
    })
}
