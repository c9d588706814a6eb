//! ACCEPT: offers from one agent, LAUNCH operations checked against them, the master's
//! label decorator on every task, the unused rest recovered with the call's filter.

use super::calls::{Accept, Filters};
use crate::auth::Action;
use crate::master::core::{Master, ToAgent};
use crate::master::refusal::Refusal;
use crate::master::state::{wall_clock, Task};
use crate::master::wire::{self, RunTask};
use modkit_ffi::resources::Resources;
use modkit_ffi::sdk::{TaskLabelInput, TaskResourceInput};
use modkit_ffi::types::{FrameworkId, Reason, Source, TaskInfo, TaskState, TaskStatus};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Mesos's TaskID rules: not empty, no `/`, not `.` or `..`, no whitespace or control
/// characters.
pub fn validate_task_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("task id is empty".into());
    }
    if id == "." || id == ".." {
        return Err(format!("task id '{id}' is '.' or '..'"));
    }
    if let Some(c) = id
        .chars()
        .find(|c| *c == '/' || c.is_whitespace() || c.is_control())
    {
        return Err(format!("task id '{id}' contains {c:?}"));
    }
    Ok(())
}

impl Master {
    /// The master launch-task resource decorator (Mesos: before validation; its input's
    /// `resources` are the agent's).
    fn decorate_resources(&self, task: &TaskInfo, agent: &Resources) -> Result<TaskInfo, Refusal> {
        if self.hooks.is_empty() {
            return Ok(task.clone());
        }
        let resources = self
            .hooks
            .master_launch_task_resource_decorator(&TaskResourceInput {
                task_info: task.clone(),
                resources: agent.clone(),
            })
            .map_err(|e| Refusal::BadRequest(format!("Task '{}': {e}", task.task_id)))?;
        Ok(TaskInfo {
            resources,
            ..task.clone()
        })
    }

    pub fn accept(
        self: &Arc<Self>,
        framework_id: &str,
        accept: Accept,
        principal: Option<&str>,
    ) -> Result<(), Refusal> {
        let bad = |m: String| Refusal::BadRequest(m);
        let mut messages = Vec::new();
        let mut errors: Vec<TaskStatus> = Vec::new();
        {
            let mut st = self.lock();
            if accept.offer_ids.is_empty() {
                return Err(bad("ACCEPT names no offer in 'offer_ids'".into()));
            }
            let mut seen = BTreeSet::new();
            let mut agent_id: Option<String> = None;
            let mut pools: BTreeMap<String, Resources> = BTreeMap::new();
            for id in &accept.offer_ids {
                if !seen.insert(id.value.clone()) {
                    return Err(bad(format!("Offer {id} is listed twice")));
                }
                let offer = st
                    .offers
                    .get(&id.value)
                    .ok_or_else(|| bad(format!("Offer {id} is no longer valid")))?;
                if offer.framework_id != framework_id {
                    return Err(bad(format!(
                        "Offer {id} is not for framework {framework_id}"
                    )));
                }
                match &agent_id {
                    Some(a) if *a != offer.agent_id => {
                        return Err(bad(format!(
                            "Offer {id} is from agent {} but the others are from agent {a}",
                            offer.agent_id
                        )))
                    }
                    _ => agent_id = Some(offer.agent_id.clone()),
                }
                *pools.entry(offer.role.clone()).or_default() += &offer.resources;
            }
            let agent_id = agent_id.expect("at least one offer");
            let agent = st
                .agents
                .get(&agent_id)
                .ok_or_else(|| bad(format!("agent {agent_id} of the offers is gone")))?;
            let (agent_info, address) = (agent.info.clone(), agent.address.clone());
            let framework = st
                .frameworks
                .get(framework_id)
                .ok_or_else(|| Refusal::Forbidden("Framework is not subscribed".into()))?;
            let framework_info = framework.info.clone();
            let mut tasks: Vec<(TaskInfo, String)> = Vec::new();
            let mut ids = BTreeSet::new();
            let mut unauthorized: BTreeMap<String, String> = BTreeMap::new();
            for op in &accept.operations {
                if op.r#type != "LAUNCH" {
                    return Err(bad(format!(
                        "operation '{}' is not supported (only LAUNCH)",
                        op.r#type
                    )));
                }
                let launch = op.launch.as_ref().ok_or_else(|| {
                    bad("Expecting 'launch' to be present in a LAUNCH operation".into())
                })?;
                for task in &launch.task_infos {
                    let tid = &task.task_id.value;
                    let task = &self.decorate_resources(task, &agent_info.resources)?;
                    validate_task_id(tid).map_err(|e| bad(format!("Task '{tid}': {e}")))?;
                    if !ids.insert(tid.clone()) || framework.tasks.contains_key(tid) {
                        return Err(bad(format!("Task '{tid}': duplicate task id")));
                    }
                    if task.agent_id.value != agent_id {
                        return Err(bad(format!(
                            "Task '{tid}' names agent '{}' but the offers are from agent {agent_id}",
                            task.agent_id
                        )));
                    }
                    if task.executor.is_some() || task.command.is_none() {
                        return Err(bad(format!(
                            "Task '{tid}' needs a 'command' (custom executors are not supported)"
                        )));
                    }
                    if task.resources.is_empty() {
                        return Err(bad(format!("Task '{tid}' uses no resources")));
                    }
                    let role = pools
                        .iter()
                        .find(|(_, pool)| pool.contains(&task.resources))
                        .map(|(role, _)| role.clone())
                        .ok_or_else(|| {
                            let left: Resources = pools.values().sum();
                            bad(format!(
                                "Task '{tid}' uses resources {} beyond what the offers have left ({left})",
                                task.resources
                            ))
                        })?;
                    let user = task
                        .command
                        .as_ref()
                        .and_then(|c| c.user.clone())
                        .unwrap_or_else(|| framework_info.user.clone());
                    // Mesos: the ACCEPT stands and the task ends TASK_ERROR
                    // (REASON_TASK_UNAUTHORIZED); its resources come back with that status.
                    if let Err(denied) = self.auth.authorize(Action::RunTask, principal, &user) {
                        unauthorized.insert(tid.clone(), denied.to_string());
                    }
                    if let Some(pool) = pools.get_mut(&role) {
                        *pool -= &task.resources;
                    }
                    tasks.push((task.clone(), role));
                }
            }
            // Valid: the offers are used up.
            for id in &accept.offer_ids {
                st.offers.remove(&id.value);
                st.counters.offers_accepted += 1;
            }
            let refuse = Filters::refuse_seconds(&accept.filters);
            for (role, rest) in &pools {
                if rest.is_empty() {
                    continue;
                }
                if let Err(e) =
                    st.allocator
                        .recover_resources(framework_id, &agent_id, role, rest, refuse)
                {
                    tracing::error!("allocator: recover unused offer resources: {e}");
                }
            }
            for (mut task, role) in tasks {
                let decorated = match unauthorized.remove(&task.task_id.value) {
                    Some(message) => {
                        errors.push(TaskStatus {
                            task_id: task.task_id.clone(),
                            state: TaskState::Error,
                            message: Some(message),
                            source: Some(Source::Master),
                            reason: Some(Reason::TaskUnauthorized),
                            agent_id: Some(task.agent_id.clone()),
                            timestamp: wall_clock(),
                            uuid: Some(wire::new_uuid()),
                            ..TaskStatus::default()
                        });
                        Ok(task.labels.clone())
                    }
                    None => self
                        .hooks
                        .master_launch_task_label_decorator(&TaskLabelInput {
                            task_info: task.clone(),
                            framework_info: framework_info.clone(),
                            agent_info: agent_info.clone(),
                        }),
                };
                let labels = match decorated {
                    Ok(labels) => labels,
                    Err(e) => {
                        // --hook_error_policy=fail: the task does not run.
                        errors.push(TaskStatus {
                            task_id: task.task_id.clone(),
                            state: TaskState::Error,
                            message: Some(e.to_string()),
                            source: Some(Source::Master),
                            reason: Some(Reason::TaskInvalid),
                            agent_id: Some(task.agent_id.clone()),
                            timestamp: wall_clock(),
                            uuid: Some(wire::new_uuid()),
                            ..TaskStatus::default()
                        });
                        task.labels.clone()
                    }
                };
                task.labels = labels;
                let staging = TaskStatus {
                    task_id: task.task_id.clone(),
                    state: TaskState::Staging,
                    source: Some(Source::Master),
                    agent_id: Some(task.agent_id.clone()),
                    timestamp: wall_clock(),
                    labels: task.labels.clone(),
                    ..TaskStatus::default()
                };
                let record = Task {
                    framework_id: framework_id.to_string(),
                    agent_id: agent_id.clone(),
                    role,
                    state: TaskState::Staging,
                    statuses: vec![staging.clone()],
                    latest: Some(staging),
                    info: task.clone(),
                };
                st.counters.tasks_launched += 1;
                if let Some(f) = st.frameworks.get_mut(framework_id) {
                    f.tasks.insert(task.task_id.value.clone(), record);
                }
                if !errors.iter().any(|e| e.task_id == task.task_id) {
                    messages.push(ToAgent::Run {
                        address: address.clone(),
                        run: Box::new(RunTask {
                            framework_id: FrameworkId::new(framework_id),
                            framework_info: framework_info.clone(),
                            task,
                        }),
                    });
                }
            }
        }
        for status in errors {
            self.apply_status(framework_id, status);
        }
        self.deliver(messages);
        self.wake.notify_one();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_ids() {
        assert!(validate_task_id("web.1-a_b:c").is_ok());
        for bad in ["", ".", "..", "a/b", "a b", "a\nb"] {
            assert!(validate_task_id(bad).is_err(), "{bad:?}");
        }
        assert!(validate_task_id("a/b").unwrap_err().contains("'/'"));
    }
}
