//! Running the master's tasks: each becomes a container (the agent's hooks decorate it as
//! they do a LAUNCH_CONTAINER); its STARTING, RUNNING and final status go to the master.

use super::checkpoint::LinkedTask;
use super::Link;
use crate::agent::state::Agent;
use crate::master::wire::{self, KillTask, RunTask};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use modkit_containerizers::ContainerRequest;
use modkit_ffi::types::{
    ContainerId, ContainerStatus, ExecutorId, FrameworkId, Reason, Source, TaskInfo, TaskState,
    TaskStatus,
};
use std::sync::Arc;

fn status(task: &TaskInfo, state: TaskState, source: Source) -> TaskStatus {
    TaskStatus {
        task_id: task.task_id.clone(),
        state,
        source: Some(source),
        executor_id: Some(ExecutorId::new(task.task_id.value.clone())),
        labels: task.labels.clone(),
        timestamp: wire::now(),
        ..TaskStatus::default()
    }
}

fn no_link() -> Response {
    (
        StatusCode::CONFLICT,
        "this agent has no --master; it takes no tasks from one\n",
    )
        .into_response()
}

/// `POST /agent/internal/run_task`: answers at once; the outcome comes as status updates.
pub async fn run_task(State(agent): State<Arc<Agent>>, body: Bytes) -> Response {
    let Some(link) = agent.link.get().cloned() else {
        return no_link();
    };
    let run: RunTask = match serde_json::from_slice(&body) {
        Ok(run) => run,
        Err(e) => {
            return (StatusCode::BAD_REQUEST, format!("invalid run_task: {e}\n")).into_response()
        }
    };
    tokio::task::spawn_blocking(move || launch(link, agent, run));
    StatusCode::OK.into_response()
}

fn launch(link: Arc<Link>, agent: Arc<Agent>, run: RunTask) {
    let mut task = run.task;
    let framework_id = run.framework_id;
    let fail = |link: &Link, task: &TaskInfo, message: String| {
        let mut s = status(task, TaskState::Failed, Source::Agent);
        s.reason = Some(Reason::ContainerLaunchFailed);
        s.message = Some(message);
        link.send_status(framework_id.clone(), s);
    };
    let Some(command) = task.command.clone() else {
        return fail(&link, &task, "the task has no command".into());
    };
    let user = command
        .user
        .clone()
        .or_else(|| (!run.framework_info.user.is_empty()).then(|| run.framework_info.user.clone()));
    let container_id = wire::new_id();
    let request = ContainerRequest {
        container_id: container_id.clone(),
        command,
        resources: task.resources.clone(),
        environment: None,
        labels: task.labels.clone(),
        user,
        container: task.container.clone(),
    };
    let request = match agent.hooks.decorate_launch(&agent.info, request) {
        Ok(r) => r,
        Err(e) => return fail(&link, &task, e.to_string()),
    };
    task.labels = request.labels.clone();
    let linked = LinkedTask {
        framework_id: framework_id.clone(),
        container_id: container_id.clone(),
        task: task.clone(),
        state: TaskState::Staging,
    };
    link.remember(&task.task_id.value, Some(linked.clone()));
    let labels = request.labels.clone();
    match agent.launch(request) {
        Ok(()) => {
            agent
                .hooks
                .launched(&agent.containerizer, &container_id, labels);
            link.send_status(
                framework_id.clone(),
                status(&task, TaskState::Starting, Source::Executor),
            );
            let mut running = status(&task, TaskState::Running, Source::Executor);
            running.container_status = Some(ContainerStatus {
                container_id: Some(ContainerId::new(container_id.clone())),
                executor_pid: agent
                    .containerizer
                    .status(&container_id)
                    .ok()
                    .and_then(|s| s.executor_pid),
                ..ContainerStatus::default()
            });
            link.send_status(framework_id, running);
            watch(link, agent, linked);
        }
        Err(e) => {
            link.remember(&task.task_id.value, None);
            fail(&link, &task, e.to_string());
        }
    }
}

/// Waits for the task's container (from a thread) and reports how it ended.
pub fn watch(link: Arc<Link>, agent: Arc<Agent>, linked: LinkedTask) {
    let task_id = linked.task.task_id.clone();
    let name = format!("task-{task_id}");
    let spawned = std::thread::Builder::new().name(name).spawn(move || {
        let task = &linked.task;
        let ended = match agent.containerizer.wait(&linked.container_id, None) {
            Ok(Some(t)) => {
                let mut s = status(task, t.state, Source::Executor);
                s.reason = t.reason;
                s.message = Some(t.message.clone());
                s.container_status = Some(ContainerStatus {
                    container_id: Some(ContainerId::new(linked.container_id.clone())),
                    ..ContainerStatus::default()
                });
                s
            }
            Ok(None) | Err(_) => {
                let mut s = status(task, TaskState::Lost, Source::Agent);
                s.reason = Some(Reason::ExecutorTerminated);
                s.message =
                    Some("the task's container is gone (lost across an agent restart)".into());
                s
            }
        };
        // The task stays checkpointed until the master has its final status (a master
        // restarted meanwhile learns of it at re-registration).
        link.send_status(linked.framework_id.clone(), ended);
    });
    if let Err(e) = spawned {
        tracing::error!(task = %task_id, "cannot watch the task's container: {e}");
    }
}

/// `POST /agent/internal/kill_task`: SIGTERM, then SIGKILL after the grace period.
pub async fn kill_task(State(agent): State<Arc<Agent>>, body: Bytes) -> Response {
    let Some(link) = agent.link.get().cloned() else {
        return no_link();
    };
    let kill: KillTask = match serde_json::from_slice(&body) {
        Ok(kill) => kill,
        Err(e) => {
            return (StatusCode::BAD_REQUEST, format!("invalid kill_task: {e}\n")).into_response()
        }
    };
    match link.container_of(&kill.task_id.value) {
        Some(container) => {
            if let Err(e) = agent.containerizer.kill(&container, libc::SIGTERM) {
                tracing::warn!(task = %kill.task_id, "kill: {e}");
            }
        }
        None => {
            // Unknown here: Mesos's agent answers TASK_LOST.
            let task = TaskInfo {
                task_id: kill.task_id.clone(),
                ..TaskInfo::default()
            };
            let mut s = status(&task, TaskState::Lost, Source::Agent);
            s.executor_id = None;
            s.reason = Some(Reason::TaskUnknown);
            s.message = Some("Attempted to kill an unknown task".into());
            link.send_status(FrameworkId::new(kill.framework_id.value), s);
        }
    }
    StatusCode::OK.into_response()
}
