//! `modkit_hook_vtable` over any [`Hook`].

use super::{guard, json_arg, shared, write_json};
use crate::bindings::{modkit_hook_vtable, modkit_status, modkit_str, modkit_writer};
use crate::sdk::Hook;
use std::ffi::c_void;
use std::marker::PhantomData;

/// Holds the vtable constant for `T`.
pub struct Vtable<T>(PhantomData<T>);

impl<T: Hook + 'static> Vtable<T> {
    pub const VTABLE: modkit_hook_vtable = modkit_hook_vtable {
        size: std::mem::size_of::<modkit_hook_vtable>() as u32,
        master_launch_task_label_decorator: Some(master_launch_task_label_decorator::<T>),
        master_launch_task_resource_decorator: Some(master_launch_task_resource_decorator::<T>),
        master_agent_lost_hook: Some(master_agent_lost_hook::<T>),
        agent_run_task_label_decorator: Some(agent_run_task_label_decorator::<T>),
        agent_executor_environment_decorator: Some(agent_executor_environment_decorator::<T>),
        agent_task_status_decorator: Some(agent_task_status_decorator::<T>),
        agent_resources_decorator: Some(agent_resources_decorator::<T>),
        agent_attributes_decorator: Some(agent_attributes_decorator::<T>),
        agent_remove_executor_hook: Some(agent_remove_executor_hook::<T>),
        agent_post_fetch_hook: Some(agent_post_fetch_hook::<T>),
    };
}

/// A decorator: typed input in, "some" written as JSON, "none" writes nothing.
macro_rules! decorator {
    ($name:ident) => {
        unsafe extern "C" fn $name<T: Hook>(
            instance: *mut c_void,
            input: modkit_str,
            out: *mut modkit_writer,
            err: *mut modkit_writer,
        ) -> modkit_status {
            // SAFETY: host contract: live handle, arguments valid for the call.
            guard(err, || unsafe {
                let input = json_arg(input, "input_json")?;
                match shared::<T>(instance)?.$name(&input)? {
                    Some(value) => write_json(out, &value),
                    None => Ok(()),
                }
            })
        }
    };
}

/// A hook without output.
macro_rules! hook {
    ($name:ident) => {
        unsafe extern "C" fn $name<T: Hook>(
            instance: *mut c_void,
            input: modkit_str,
            err: *mut modkit_writer,
        ) -> modkit_status {
            // SAFETY: host contract: live handle, arguments valid for the call.
            guard(err, || unsafe {
                let input = json_arg(input, "input_json")?;
                shared::<T>(instance)?.$name(&input)
            })
        }
    };
}

decorator!(master_launch_task_label_decorator);
decorator!(master_launch_task_resource_decorator);
hook!(master_agent_lost_hook);
decorator!(agent_run_task_label_decorator);
decorator!(agent_executor_environment_decorator);
decorator!(agent_task_status_decorator);
decorator!(agent_resources_decorator);
decorator!(agent_attributes_decorator);
hook!(agent_remove_executor_hook);
hook!(agent_post_fetch_hook);
