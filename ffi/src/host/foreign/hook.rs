//! [`Hook`] over a C `modkit_hook_vtable`. Absent entries are "none".

use super::Handle;
use crate::abi::to_ffi;
use crate::bindings::modkit_hook_vtable;
use crate::resources::{Attributes, Resources};
use crate::sdk::*;
use crate::types::{Environment, Labels, TaskStatus};

pub(crate) struct ForeignHook {
    handle: Handle,
    vt: modkit_hook_vtable,
}

impl ForeignHook {
    pub(crate) fn new(handle: Handle, vt: modkit_hook_vtable) -> Self {
        ForeignHook { handle, vt }
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| ModuleError::failed(format!("encoding hook input: {e}")))
}

macro_rules! decorator {
    ($name:ident, $input:ty, $output:ty, $what:literal) => {
        fn $name(&self, input: &$input) -> Result<Option<$output>> {
            let Some(f) = self.vt.$name else {
                return Ok(None);
            };
            let input = to_json(input)?;
            // SAFETY: live instance, input borrowed for the call, writers valid.
            self.handle
                .call_json($what, |i, o, e| unsafe { f(i, to_ffi(&input), o, e) })
        }
    };
}

macro_rules! hook {
    ($name:ident, $input:ty) => {
        fn $name(&self, input: &$input) -> Result<()> {
            let Some(f) = self.vt.$name else {
                return Ok(());
            };
            let input = to_json(input)?;
            // SAFETY: live instance, input borrowed for the call, writer valid.
            self.handle.call(|i, e| unsafe { f(i, to_ffi(&input), e) })
        }
    };
}

impl Hook for ForeignHook {
    decorator!(
        master_launch_task_label_decorator,
        TaskLabelInput,
        Labels,
        "decorated Labels"
    );
    decorator!(
        master_launch_task_resource_decorator,
        TaskResourceInput,
        Resources,
        "decorated Resources"
    );
    hook!(master_agent_lost_hook, AgentInput);
    decorator!(
        agent_run_task_label_decorator,
        RunTaskLabelInput,
        Labels,
        "decorated Labels"
    );
    decorator!(
        agent_executor_environment_decorator,
        ExecutorInput,
        Environment,
        "decorated Environment"
    );
    decorator!(
        agent_task_status_decorator,
        TaskStatusInput,
        TaskStatus,
        "decorated TaskStatus"
    );
    decorator!(
        agent_resources_decorator,
        AgentInput,
        Resources,
        "decorated Resources"
    );
    decorator!(
        agent_attributes_decorator,
        AgentInput,
        Attributes,
        "decorated Attributes"
    );
    hook!(agent_remove_executor_hook, RemoveExecutorInput);
    hook!(agent_post_fetch_hook, PostFetchInput);
}
