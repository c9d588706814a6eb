//! One method per entry of `modkit_hook_vtable`, as Mesos's hook manager has them. Decorators
//! return the value after the whole chain (the input's own value when every hook said "none").

use super::{HookChain, HookError};
use modkit_ffi::resources::{Attributes, Resources};
use modkit_ffi::sdk::{
    AgentInput, ExecutorInput, PostFetchInput, RemoveExecutorInput, RunTaskLabelInput,
    TaskLabelInput, TaskResourceInput, TaskStatusInput,
};
use modkit_ffi::types::{Environment, Labels, TaskStatus};

impl HookChain {
    /// Master: the labels a task is launched with.
    pub fn master_launch_task_label_decorator(
        &self,
        input: &TaskLabelInput,
    ) -> Result<Option<Labels>, HookError> {
        let mut state = input.clone();
        self.fold(
            "master_launch_task_label_decorator",
            &mut state,
            |hook, state| hook.master_launch_task_label_decorator(state),
            |state, labels| state.task_info.labels = Some(labels),
        )?;
        Ok(state.task_info.labels)
    }

    /// Master: the resources a task is launched with (`input.resources` are the agent's).
    pub fn master_launch_task_resource_decorator(
        &self,
        input: &TaskResourceInput,
    ) -> Result<Resources, HookError> {
        let mut state = input.clone();
        self.fold(
            "master_launch_task_resource_decorator",
            &mut state,
            |hook, state| hook.master_launch_task_resource_decorator(state),
            |state, resources| state.task_info.resources = resources,
        )?;
        Ok(state.task_info.resources)
    }

    /// Master: an agent was lost.
    pub fn master_agent_lost_hook(&self, input: &AgentInput) -> Result<(), HookError> {
        self.notify("master_agent_lost_hook", |hook| {
            hook.master_agent_lost_hook(input)
        })
    }

    /// Agent: the labels of a task about to run.
    pub fn agent_run_task_label_decorator(
        &self,
        input: &RunTaskLabelInput,
    ) -> Result<Option<Labels>, HookError> {
        let mut state = input.clone();
        self.fold(
            "agent_run_task_label_decorator",
            &mut state,
            |hook, state| hook.agent_run_task_label_decorator(state),
            |state, labels| state.task_info.labels = Some(labels),
        )?;
        Ok(state.task_info.labels)
    }

    /// Agent: the environment of an executor's command (its `command.environment`).
    pub fn agent_executor_environment_decorator(
        &self,
        input: &ExecutorInput,
    ) -> Result<Option<Environment>, HookError> {
        let mut state = input.clone();
        self.fold(
            "agent_executor_environment_decorator",
            &mut state,
            |hook, state| hook.agent_executor_environment_decorator(state),
            |state, environment| {
                state
                    .executor_info
                    .command
                    .get_or_insert_with(Default::default)
                    .environment = Some(environment)
            },
        )?;
        Ok(state.executor_info.command.and_then(|c| c.environment))
    }

    /// Agent: a status update. Of each hook's result only the labels and the container status
    /// are kept, and only when the result has them (Mesos's rule): a hook cannot change a
    /// task's state.
    pub fn agent_task_status_decorator(
        &self,
        input: &TaskStatusInput,
    ) -> Result<TaskStatus, HookError> {
        let mut state = input.clone();
        self.fold(
            "agent_task_status_decorator",
            &mut state,
            |hook, state| hook.agent_task_status_decorator(state),
            |state, status| {
                if status.labels.is_some() {
                    state.task_status.labels = status.labels;
                }
                if status.container_status.is_some() {
                    state.task_status.container_status = status.container_status;
                }
            },
        )?;
        Ok(state.task_status)
    }

    /// Agent: the resources it advertises.
    pub fn agent_resources_decorator(&self, input: &AgentInput) -> Result<Resources, HookError> {
        let mut state = input.clone();
        self.fold(
            "agent_resources_decorator",
            &mut state,
            |hook, state| hook.agent_resources_decorator(state),
            |state, resources| state.agent_info.resources = resources,
        )?;
        Ok(state.agent_info.resources)
    }

    /// Agent: the attributes it advertises.
    pub fn agent_attributes_decorator(&self, input: &AgentInput) -> Result<Attributes, HookError> {
        let mut state = input.clone();
        self.fold(
            "agent_attributes_decorator",
            &mut state,
            |hook, state| hook.agent_attributes_decorator(state),
            |state, attributes| state.agent_info.attributes = attributes,
        )?;
        Ok(state.agent_info.attributes)
    }

    /// Agent: an executor (for a command task, its container) is gone.
    pub fn agent_remove_executor_hook(&self, input: &RemoveExecutorInput) -> Result<(), HookError> {
        self.notify("agent_remove_executor_hook", |hook| {
            hook.agent_remove_executor_hook(input)
        })
    }

    /// Agent: a container's URIs were fetched into its sandbox.
    pub fn agent_post_fetch_hook(&self, input: &PostFetchInput) -> Result<(), HookError> {
        self.notify("agent_post_fetch_hook", |hook| {
            hook.agent_post_fetch_hook(input)
        })
    }
}
