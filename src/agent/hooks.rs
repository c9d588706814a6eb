//! Where the agent runs its hooks (`--hooks`): on its resources and attributes at start, on
//! each LAUNCH_CONTAINER (run-task labels, then the executor environment), on the status a
//! WAIT_CONTAINER reports, and (remove-executor) when a container is gone.
//!
//! The operator API has no tasks or frameworks: the task and its command executor are built
//! from the container (task id = executor id = container id, no framework id).

use crate::hooks::{HookChain, HookError};
use modkit_containerizers::{ContainerRequest, ContainerTermination, Containerizer};
use modkit_ffi::sdk::{
    AgentInput, ExecutorInput, RemoveExecutorInput, RunTaskLabelInput, TaskStatusInput,
};
use modkit_ffi::types::{
    AgentInfo, ContainerId, ContainerStatus, Environment, ExecutorId, ExecutorInfo, Labels, Source,
    TaskId, TaskInfo, TaskStatus,
};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

/// Ended containers whose labels are kept for a later WAIT_CONTAINER.
const ENDED_KEPT: usize = 1024;

/// The agent's hook chain and the labels its containers were launched with.
#[derive(Clone, Default)]
pub struct AgentHooks {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    chain: HookChain,
    labels: Mutex<Labelled>,
}

#[derive(Default)]
struct Labelled {
    by_container: HashMap<String, Labels>,
    ended: VecDeque<String>,
}

impl AgentHooks {
    pub fn new(chain: HookChain) -> Self {
        AgentHooks {
            inner: Arc::new(Inner {
                chain,
                labels: Mutex::default(),
            }),
        }
    }

    pub fn chain(&self) -> &HookChain {
        &self.inner.chain
    }

    /// The resources and attributes the agent advertises, after the decorators.
    pub fn decorate_agent(&self, mut info: AgentInfo) -> Result<AgentInfo, HookError> {
        if self.chain().is_empty() {
            return Ok(info);
        }
        let input = AgentInput {
            agent_info: info.clone(),
        };
        info.resources = self.chain().agent_resources_decorator(&input)?;
        info.attributes = self.chain().agent_attributes_decorator(&input)?;
        Ok(info)
    }

    /// Decorates a launch: its labels, then its environment (which then holds the command's
    /// own variables, the call's `environment` over them, and what the hooks set).
    pub fn decorate_launch(
        &self,
        agent: &AgentInfo,
        mut request: ContainerRequest,
    ) -> Result<ContainerRequest, HookError> {
        if self.chain().is_empty() {
            return Ok(request);
        }
        let id = request.container_id.clone();
        let mut environment = request.command.environment.take().unwrap_or_default();
        if let Some(extra) = request.environment.take() {
            environment.merge(&extra);
        }
        let mut command = request.command.clone();
        command.environment = (!environment.is_empty()).then_some(environment);
        let executor = ExecutorInfo {
            executor_id: ExecutorId::new(id.clone()),
            source: Some(id.clone()),
            command: Some(command.clone()),
            resources: request.resources.clone(),
            ..ExecutorInfo::default()
        };
        let task = TaskInfo {
            name: id.clone(),
            task_id: TaskId::new(id.clone()),
            agent_id: agent.id.clone().unwrap_or_default(),
            resources: request.resources.clone(),
            command: Some(command),
            labels: request.labels.take(),
            ..TaskInfo::default()
        };
        request.labels = self
            .chain()
            .agent_run_task_label_decorator(&RunTaskLabelInput {
                task_info: task,
                executor_info: Some(executor.clone()),
                framework_info: Default::default(),
                agent_info: agent.clone(),
            })?;
        request.environment = self
            .chain()
            .agent_executor_environment_decorator(&ExecutorInput {
                executor_info: executor,
            })?
            .filter(|env: &Environment| !env.is_empty());
        Ok(request)
    }

    /// After a successful launch: remembers the labels and, when the container is gone, runs
    /// the remove-executor hook (from a thread that waits for it).
    pub fn launched(
        &self,
        containerizer: &Arc<dyn Containerizer>,
        id: &str,
        labels: Option<Labels>,
    ) {
        if self.chain().is_empty() {
            return;
        }
        if let Some(labels) = labels {
            self.labelled().by_container.insert(id.to_string(), labels);
        }
        let (hooks, containerizer, watched) = (self.clone(), containerizer.clone(), id.to_string());
        let watcher = std::thread::Builder::new()
            .name(format!("hooks-{id}"))
            .spawn(move || {
                // An error here means the containerizer no longer knows it: gone all the same.
                let _ = containerizer.wait(&watched, None);
                hooks.removed(&watched);
            });
        if let Err(e) = watcher {
            tracing::error!(container = %id, "cannot watch the container for the remove-executor hook: {e}");
        }
    }

    fn removed(&self, id: &str) {
        {
            let mut labelled = self.labelled();
            labelled.ended.push_back(id.to_string());
            while labelled.ended.len() > ENDED_KEPT {
                if let Some(old) = labelled.ended.pop_front() {
                    labelled.by_container.remove(&old);
                }
            }
        }
        let input = RemoveExecutorInput {
            framework_info: Default::default(),
            executor_info: ExecutorInfo {
                executor_id: ExecutorId::new(id),
                source: Some(id.to_string()),
                ..ExecutorInfo::default()
            },
        };
        if let Err(e) = self.chain().agent_remove_executor_hook(&input) {
            tracing::error!(container = %id, "{e}");
        }
    }

    /// The WAIT_CONTAINER answer: the termination, plus the labels and container status of the
    /// task status the decorator returns. A decorator error (policy `fail`) is logged and the
    /// undecorated status answered: a container's end is never hidden by a hook.
    pub fn wait_answer(&self, id: &str, termination: &ContainerTermination) -> Value {
        let mut answer = serde_json::to_value(termination).unwrap_or(Value::Null);
        if self.chain().is_empty() {
            return answer;
        }
        let status = TaskStatus {
            task_id: TaskId::new(id),
            state: termination.state,
            message: Some(termination.message.clone()),
            source: Some(Source::Executor),
            reason: termination.reason,
            executor_id: Some(ExecutorId::new(id)),
            labels: self.labelled().by_container.get(id).cloned(),
            container_status: Some(ContainerStatus {
                container_id: Some(ContainerId::new(id)),
                ..ContainerStatus::default()
            }),
            ..TaskStatus::default()
        };
        let input = TaskStatusInput {
            framework_id: Default::default(),
            task_status: status.clone(),
        };
        let decorated = self
            .chain()
            .agent_task_status_decorator(&input)
            .unwrap_or_else(|e| {
                tracing::error!(container = %id, "{e}; answering the undecorated status");
                status
            });
        if let Value::Object(fields) = &mut answer {
            if let Some(labels) = decorated.labels {
                fields.insert(
                    "labels".into(),
                    serde_json::to_value(labels).unwrap_or_default(),
                );
            }
            if let Some(container) = decorated.container_status {
                fields.insert(
                    "container_status".into(),
                    serde_json::to_value(container).unwrap_or_default(),
                );
            }
        }
        answer
    }

    fn labelled(&self) -> MutexGuard<'_, Labelled> {
        self.inner.labels.lock().unwrap_or_else(|p| p.into_inner())
    }
}
