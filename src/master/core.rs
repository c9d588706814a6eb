//! The master object shared by every handler and background loop.

use super::flags::Timing;
use super::state::{wall_clock, Framework, State, Task};
use super::wire::{self, KillTask, RunTask};
use crate::auth::AuthPolicy;
use crate::hooks::HookChain;
use modkit_ffi::types::{AgentId, Reason, Source, TaskId, TaskState, TaskStatus};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Fixed at start.
pub struct Config {
    pub id: String,
    pub hostname: String,
    pub ip: String,
    pub port: u16,
    pub timing: Timing,
    pub max_agent_ping_timeouts: u32,
    pub roles: Option<Vec<String>>,
    pub flags: BTreeMap<String, String>,
    pub allocator: String,
}

pub struct Master {
    state: Mutex<State>,
    pub config: Config,
    pub hooks: HookChain,
    pub auth: AuthPolicy,
    /// Wakes the allocation loop after a change that may make new offers.
    pub wake: Notify,
    epoch: Instant,
    pub start_time: f64,
    /// One HTTP client for messages to agents: connections are kept and reused.
    http: ureq::Agent,
    /// Keeps the allocator's and hooks' libraries loaded.
    _modules: Mutex<crate::modules::ModuleManager>,
}

/// A message for an agent, sent after the state lock is released.
pub enum ToAgent {
    Run { address: String, run: Box<RunTask> },
    Kill { address: String, kill: KillTask },
}

impl Master {
    pub fn new(
        state: State,
        config: Config,
        hooks: HookChain,
        auth: AuthPolicy,
        modules: crate::modules::ModuleManager,
    ) -> Master {
        Master {
            state: Mutex::new(state),
            config,
            hooks,
            auth,
            wake: Notify::new(),
            epoch: Instant::now(),
            start_time: wall_clock(),
            http: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(10))
                .build(),
            _modules: Mutex::new(modules),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The allocator's clock: seconds since the master started.
    pub fn now(&self) -> f64 {
        self.epoch.elapsed().as_secs_f64()
    }

    pub fn master_info(&self) -> Value {
        json!({"id": self.config.id, "hostname": self.config.hostname,
               "ip": self.config.ip, "port": self.config.port,
               "address": {"hostname": self.config.hostname, "ip": self.config.ip,
                           "port": self.config.port},
               "version": env!("CARGO_PKG_VERSION")})
    }

    /// Sends the messages for agents, each from its own blocking task. A launch the agent
    /// cannot be reached for ends TASK_LOST (Mesos: the agent is gone, the task with it).
    pub fn deliver(self: &Arc<Self>, messages: Vec<ToAgent>) {
        for message in messages {
            let master = self.clone();
            tokio::task::spawn_blocking(move || match message {
                ToAgent::Run { address, run } => {
                    let url = format!("http://{address}{}", wire::RUN_TASK_PATH);
                    if let Err(e) = post(&master.http, &url, &run) {
                        tracing::warn!(task = %run.task.task_id, "cannot reach agent {address}: {e}");
                        let status = master_status(
                            &run.task.task_id,
                            &run.task.agent_id,
                            TaskState::Lost,
                            Reason::AgentDisconnected,
                            format!("cannot reach agent at {address}: {e}"),
                        );
                        master.apply_status(&run.framework_id.value, status);
                    }
                }
                ToAgent::Kill { address, kill } => {
                    let url = format!("http://{address}{}", wire::KILL_TASK_PATH);
                    if let Err(e) = post(&master.http, &url, &kill) {
                        tracing::warn!(task = %kill.task_id, "kill: cannot reach agent {address}: {e}");
                    }
                }
            });
        }
    }

    /// Records a status (from an agent or made here), forwards it to the framework as an
    /// UPDATE and keeps resending it until acknowledged (when it has a uuid).
    pub fn apply_status(&self, framework_id: &str, mut status: TaskStatus) {
        let mut st = self.lock();
        st.counters.status_updates += 1;
        let Some(framework) = st.frameworks.get_mut(framework_id) else {
            tracing::debug!(
                framework = framework_id,
                "status for an unknown framework dropped"
            );
            return;
        };
        let task_id = status.task_id.value.clone();
        let Some(task) = framework.tasks.get_mut(&task_id) else {
            tracing::debug!(task = %task_id, "status for an unknown or completed task dropped");
            return;
        };
        if status.labels.is_none() {
            status.labels = task.info.labels.clone();
        }
        task.state = status.state;
        task.statuses.push(status.clone());
        task.latest = Some(status.clone());
        let terminal = status.state.is_terminal() || status.state == TaskState::Unreachable;
        let (agent, role, resources) = (
            task.agent_id.clone(),
            task.role.clone(),
            task.info.resources.clone(),
        );
        if terminal {
            if let Some(task) = framework.tasks.remove(&task_id) {
                push_completed(framework, task);
            }
        }
        if status.uuid.is_some() {
            queue_update(framework, &agent, status.clone());
        } else if let Some(stream) = &framework.stream {
            stream.send(&super::events::update(&status));
        }
        let in_allocator = framework.in_allocator;
        if terminal {
            *st.counters
                .by_terminal_state
                .entry(status.state.as_str())
                .or_default() += 1;
            if in_allocator && st.agents.contains_key(&agent) {
                if let Err(e) =
                    st.allocator
                        .recover_resources(framework_id, &agent, &role, &resources, 0.0)
                {
                    tracing::error!("allocator: recover task {task_id}'s resources: {e}");
                }
                drop(st);
                self.wake.notify_one();
            }
        }
    }

    /// Resends every unacknowledged UPDATE whose time has come (with exponential backoff).
    pub fn resend_updates(&self) {
        let now = Instant::now();
        let mut st = self.lock();
        for framework in st.frameworks.values_mut() {
            let Some(stream) = framework.stream.clone() else {
                continue;
            };
            for pending in framework.pending.values_mut() {
                if pending.next_send <= now {
                    stream.send(&super::events::update(&pending.status));
                    pending.backoff = (pending.backoff * 2).min(MAX_UPDATE_BACKOFF);
                    pending.next_send = now + pending.backoff;
                }
            }
        }
    }

    /// Sends every unacknowledged update now (after a re-subscription).
    pub fn send_pending(framework: &mut Framework) {
        let Some(stream) = framework.stream.clone() else {
            return;
        };
        for pending in framework.pending.values() {
            stream.send(&super::events::update(&pending.status));
        }
    }
}

pub const FIRST_UPDATE_BACKOFF: Duration = Duration::from_secs(2);
pub const MAX_UPDATE_BACKOFF: Duration = Duration::from_secs(60);

/// Queues an update for acknowledgement and sends it if the framework is connected.
pub fn queue_update(framework: &mut Framework, agent: &str, status: TaskStatus) {
    let Some(uuid) = status.uuid.clone() else {
        return;
    };
    if let Some(stream) = &framework.stream {
        stream.send(&super::events::update(&status));
    }
    framework.pending.insert(
        uuid,
        super::state::PendingUpdate {
            agent_id: agent.to_string(),
            status,
            next_send: Instant::now() + FIRST_UPDATE_BACKOFF,
            backoff: FIRST_UPDATE_BACKOFF,
        },
    );
}

pub fn push_completed(framework: &mut Framework, task: Task) {
    framework.completed_tasks.push_back(task);
    while framework.completed_tasks.len() > super::state::COMPLETED_KEPT {
        framework.completed_tasks.pop_front();
    }
}

/// A status the master itself generates (source MASTER), with a uuid to acknowledge.
pub fn master_status(
    task: &TaskId,
    agent: &AgentId,
    state: TaskState,
    reason: Reason,
    message: String,
) -> TaskStatus {
    TaskStatus {
        task_id: task.clone(),
        state,
        message: Some(message),
        source: Some(Source::Master),
        reason: Some(reason),
        agent_id: (!agent.value.is_empty()).then(|| agent.clone()),
        timestamp: wall_clock(),
        uuid: Some(wire::new_uuid()),
        ..TaskStatus::default()
    }
}

/// POSTs JSON; any answer but 2xx is an error with the body.
pub fn post<T: serde::Serialize>(http: &ureq::Agent, url: &str, body: &T) -> Result<(), String> {
    match http.post(url).send_json(body) {
        Ok(_) => Ok(()),
        Err(ureq::Error::Status(code, r)) => Err(format!(
            "{code}: {}",
            r.into_string().unwrap_or_default().trim()
        )),
        Err(e) => Err(e.to_string()),
    }
}
