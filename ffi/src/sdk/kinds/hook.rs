//! Hooks: decorators that run in `--hooks` order, each seeing the previous one's result.
//!
//! Returning `Ok(None)` is Mesos's "none" (leave the value as it is), `Ok(Some(v))` is "some"
//! (replace it). Inputs are the JSON objects documented in modkit.h, typed here.

use crate::resources::{Attributes, Resources};
use crate::sdk::Result;
use crate::types::{
    AgentInfo, ContainerId, Environment, ExecutorInfo, FrameworkId, FrameworkInfo, Labels,
    TaskInfo, TaskStatus,
};
use serde::{Deserialize, Serialize};

/// Input of the master launch-task label decorator.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TaskLabelInput {
    pub task_info: TaskInfo,
    #[serde(default)]
    pub framework_info: FrameworkInfo,
    #[serde(default)]
    pub agent_info: AgentInfo,
}

/// Input of the agent run-task label decorator.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RunTaskLabelInput {
    pub task_info: TaskInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_info: Option<ExecutorInfo>,
    #[serde(default)]
    pub framework_info: FrameworkInfo,
    #[serde(default)]
    pub agent_info: AgentInfo,
}

/// Input of the master launch-task resource decorator.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TaskResourceInput {
    pub task_info: TaskInfo,
    #[serde(default)]
    pub resources: Resources,
}

/// Input of the hooks that only see an agent.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AgentInput {
    pub agent_info: AgentInfo,
}

/// Input of the executor environment decorator.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ExecutorInput {
    pub executor_info: ExecutorInfo,
}

/// Input of the task status decorator.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TaskStatusInput {
    pub framework_id: FrameworkId,
    pub task_status: TaskStatus,
}

/// Input of the remove-executor hook.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RemoveExecutorInput {
    #[serde(default)]
    pub framework_info: FrameworkInfo,
    pub executor_info: ExecutorInfo,
}

/// Input of the post-fetch hook.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PostFetchInput {
    pub container_id: ContainerId,
    pub directory: String,
}

/// See `modkit_hook_vtable` in modkit.h. Every entry defaults to "none".
pub trait Hook: Send + Sync {
    fn master_launch_task_label_decorator(
        &self,
        _input: &TaskLabelInput,
    ) -> Result<Option<Labels>> {
        Ok(None)
    }
    fn master_launch_task_resource_decorator(
        &self,
        _input: &TaskResourceInput,
    ) -> Result<Option<Resources>> {
        Ok(None)
    }
    fn master_agent_lost_hook(&self, _input: &AgentInput) -> Result<()> {
        Ok(())
    }
    fn agent_run_task_label_decorator(&self, _input: &RunTaskLabelInput) -> Result<Option<Labels>> {
        Ok(None)
    }
    fn agent_executor_environment_decorator(
        &self,
        _input: &ExecutorInput,
    ) -> Result<Option<Environment>> {
        Ok(None)
    }
    /// Only the labels and container status of the result are kept by the host.
    fn agent_task_status_decorator(&self, _input: &TaskStatusInput) -> Result<Option<TaskStatus>> {
        Ok(None)
    }
    fn agent_resources_decorator(&self, _input: &AgentInput) -> Result<Option<Resources>> {
        Ok(None)
    }
    fn agent_attributes_decorator(&self, _input: &AgentInput) -> Result<Option<Attributes>> {
        Ok(None)
    }
    fn agent_remove_executor_hook(&self, _input: &RemoveExecutorInput) -> Result<()> {
        Ok(())
    }
    fn agent_post_fetch_hook(&self, _input: &PostFetchInput) -> Result<()> {
        Ok(())
    }
}
