//! `modkit_isolator_vtable` over any [`Isolator`].

use super::{arg, guard, json_arg, shared, write_json};
use crate::abi::{read_sized, to_ffi};
use crate::bindings::{
    modkit_isolator_vtable, modkit_limitation_sink, modkit_status, modkit_str, modkit_writer,
};
use crate::resources::Resources;
use crate::sdk::{Isolator, LimitationSink, ModuleError};
use crate::types::{ContainerConfig, ContainerId, ContainerState};
use std::ffi::c_void;
use std::marker::PhantomData;

/// Holds the vtable constant for `T`.
pub struct Vtable<T>(PhantomData<T>);

impl<T: Isolator + 'static> Vtable<T> {
    pub const VTABLE: modkit_isolator_vtable = modkit_isolator_vtable {
        size: std::mem::size_of::<modkit_isolator_vtable>() as u32,
        recover: Some(recover::<T>),
        prepare: Some(prepare::<T>),
        isolate: Some(isolate::<T>),
        watch: Some(watch::<T>),
        update: Some(update::<T>),
        usage: Some(usage::<T>),
        status: Some(status::<T>),
        cleanup: Some(cleanup::<T>),
    };
}

unsafe extern "C" fn recover<T: Isolator>(
    instance: *mut c_void,
    states: modkit_str,
    orphans: modkit_str,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY (all entries here): host contract: live handle, arguments valid for the call.
    guard(err, || unsafe {
        let states: Vec<ContainerState> = json_arg(states, "states_json")?;
        let orphans: Vec<ContainerId> = json_arg(orphans, "orphans_json")?;
        shared::<T>(instance)?.recover(&states, &orphans)
    })
}

unsafe extern "C" fn prepare<T: Isolator>(
    instance: *mut c_void,
    container_id: modkit_str,
    config: modkit_str,
    launch_info: *mut modkit_writer,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see recover.
    guard(err, || unsafe {
        let config: ContainerConfig = json_arg(config, "config_json")?;
        match shared::<T>(instance)?.prepare(arg(container_id, "container_id")?, &config)? {
            Some(info) => write_json(launch_info, &info),
            None => Ok(()),
        }
    })
}

unsafe extern "C" fn isolate<T: Isolator>(
    instance: *mut c_void,
    container_id: modkit_str,
    pid: i32,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see recover.
    guard(err, || unsafe {
        shared::<T>(instance)?.isolate(arg(container_id, "container_id")?, pid)
    })
}

/// The host's sink, kept by the module until cleanup.
struct ForeignSink(modkit_limitation_sink);

// SAFETY: the header says `raise` may be called from any thread while the sink is valid.
unsafe impl Send for ForeignSink {}
// SAFETY: as above; the sink is never mutated.
unsafe impl Sync for ForeignSink {}

impl ForeignSink {
    fn raise(&self, json: &str) {
        if let Some(raise) = self.0.raise {
            // SAFETY: `raise`/`ctx` come from the host's sink, valid until cleanup.
            unsafe { raise(self.0.ctx, to_ffi(json)) }
        }
    }
}

unsafe extern "C" fn watch<T: Isolator>(
    instance: *mut c_void,
    container_id: modkit_str,
    sink: *const modkit_limitation_sink,
    err: *mut modkit_writer,
) -> modkit_status {
    guard(err, || {
        if sink.is_null() {
            return Err(ModuleError::invalid("watch: sink is null"));
        }
        // SAFETY: non-null; the host keeps the sink valid until cleanup of this container.
        let raw = ForeignSink(unsafe { read_sized(sink, (*sink).size as usize) });
        let sink = LimitationSink::new(move |limitation| {
            if let Ok(json) = serde_json::to_string(&limitation) {
                raw.raise(&json);
            }
        });
        // SAFETY: see recover.
        unsafe { shared::<T>(instance)?.watch(arg(container_id, "container_id")?, sink) }
    })
}

unsafe extern "C" fn update<T: Isolator>(
    instance: *mut c_void,
    container_id: modkit_str,
    resources: modkit_str,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see recover.
    guard(err, || unsafe {
        let resources: Resources = json_arg(resources, "resources_json")?;
        shared::<T>(instance)?.update(arg(container_id, "container_id")?, &resources)
    })
}

unsafe extern "C" fn usage<T: Isolator>(
    instance: *mut c_void,
    container_id: modkit_str,
    statistics: *mut modkit_writer,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see recover.
    guard(err, || unsafe {
        let stats = shared::<T>(instance)?.usage(arg(container_id, "container_id")?)?;
        write_json(statistics, &stats)
    })
}

unsafe extern "C" fn status<T: Isolator>(
    instance: *mut c_void,
    container_id: modkit_str,
    out: *mut modkit_writer,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see recover.
    guard(err, || unsafe {
        let status = shared::<T>(instance)?.status(arg(container_id, "container_id")?)?;
        write_json(out, &status)
    })
}

unsafe extern "C" fn cleanup<T: Isolator>(
    instance: *mut c_void,
    container_id: modkit_str,
    err: *mut modkit_writer,
) -> modkit_status {
    // SAFETY: see recover.
    guard(err, || unsafe {
        shared::<T>(instance)?.cleanup(arg(container_id, "container_id")?)
    })
}
