//! Agents: registration and re-registration (with the tasks they run), pings, status
//! updates, and removal of agents silent for `--agent_ping_timeout` × `--max_agent_ping_timeouts`.

use super::core::{master_status, Master};
use super::events;
use super::refusal::Refusal;
use super::state::{wall_clock, AgentEntry, Framework, Task};
use super::wire::{Ping, RegisterAgent, Registered, StatusUpdate};
use modkit_ffi::sdk::AgentInput;
use modkit_ffi::types::{AgentId, FrameworkInfo, Reason, TaskState};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

impl Master {
    /// How long an agent may stay silent before it is removed.
    pub fn agent_deadline(&self) -> std::time::Duration {
        self.config.timing.agent_ping_timeout * self.config.max_agent_ping_timeouts
    }

    pub fn register_agent(&self, msg: RegisterAgent) -> Result<Registered, Refusal> {
        if msg.address.trim().is_empty() {
            return Err(Refusal::BadRequest("'address' is empty".into()));
        }
        let mut st = self.lock();
        let id = match &msg.agent_id {
            Some(id) if st.removed_agents.contains(&id.value) => {
                return Err(Refusal::Gone(format!(
                    "agent {id} was removed (silent too long); register as a new agent"
                )))
            }
            Some(id) => id.value.clone(),
            None => {
                let n = st.next();
                format!("{}-S{n}", self.config.id)
            }
        };
        let mut info = msg.agent_info.clone();
        info.id = Some(AgentId::new(id.clone()));
        if st.agents.contains_key(&id) {
            // The agent restarted: its old registration (and what it used) goes first.
            if let Err(e) = st.allocator.remove_agent(&id) {
                tracing::error!(agent = %id, "allocator: {e}");
            }
            self.withdraw_agent_offers(&mut st, &id);
        }
        if let Err(e) = st
            .allocator
            .add_agent(&id, &info.resources, &info.attributes)
        {
            return Err(Refusal::BadRequest(format!(
                "the allocator refused agent {id}: {e}"
            )));
        }
        st.agents.insert(
            id.clone(),
            AgentEntry {
                id: id.clone(),
                info,
                address: msg.address.clone(),
                last_ping: Instant::now(),
                registered_time: wall_clock(),
            },
        );
        // The tasks it reports: known ones keep their state; others (a master restart) are
        // adopted, under a framework that waits for its scheduler to subscribe again.
        let reported: Vec<(String, String)> = msg
            .tasks
            .iter()
            .map(|t| (t.framework_id.value.clone(), t.task.task_id.value.clone()))
            .collect();
        for reported_task in msg.tasks {
            let framework_id = reported_task.framework_id.value.clone();
            let role = reported_task
                .task
                .resources
                .iter()
                .next()
                .map(|r| r.role_name().to_string())
                .unwrap_or_else(|| "*".into());
            let framework = st
                .frameworks
                .entry(framework_id.clone())
                .or_insert_with(|| Framework {
                    id: framework_id.clone(),
                    info: FrameworkInfo {
                        id: Some(reported_task.framework_id.clone()),
                        ..FrameworkInfo::default()
                    },
                    principal: None,
                    stream: None,
                    in_allocator: false,
                    registered_time: wall_clock(),
                    disconnected_at: Some(Instant::now()),
                    tasks: BTreeMap::new(),
                    completed_tasks: Default::default(),
                    pending: BTreeMap::new(),
                });
            let task_id = reported_task.task.task_id.value.clone();
            let known_role = framework.tasks.get(&task_id).map(|t| t.role.clone());
            let role = known_role.unwrap_or(role);
            let mut task_info = reported_task.task;
            task_info.agent_id = AgentId::new(id.clone());
            let task = Task {
                framework_id: framework_id.clone(),
                agent_id: id.clone(),
                role: role.clone(),
                state: reported_task.status.state,
                statuses: vec![reported_task.status.clone()],
                latest: Some(reported_task.status),
                info: task_info,
            };
            let resources = task.info.resources.clone();
            framework.tasks.insert(task_id, task);
            if !framework.in_allocator {
                let roles = vec![role.as_str()];
                if let Err(e) = st.allocator.add_framework(&framework_id, &roles, false) {
                    tracing::error!(framework = %framework_id, "allocator: {e}");
                }
                if let Some(f) = st.frameworks.get_mut(&framework_id) {
                    f.in_allocator = true;
                }
            }
            if let Err(e) = st.allocator.add_used(&id, &framework_id, &role, &resources) {
                tracing::error!(agent = %id, "allocator: add used: {e}");
            }
        }
        // Tasks the master placed on this agent that it no longer runs are lost.
        let mut lost = Vec::new();
        if msg.agent_id.is_some() {
            for framework in st.frameworks.values() {
                for task in framework.tasks.values() {
                    if task.agent_id == id
                        && !reported
                            .contains(&(framework.id.clone(), task.info.task_id.value.clone()))
                        && task.state != TaskState::Staging
                    {
                        lost.push((framework.id.clone(), task.info.task_id.clone()));
                    }
                }
            }
        }
        drop(st);
        for (framework_id, task_id) in lost {
            let status = master_status(
                &task_id,
                &AgentId::new(id.clone()),
                TaskState::Lost,
                Reason::AgentRestarted,
                format!("agent {id} re-registered without task {task_id}"),
            );
            self.apply_status(&framework_id, status);
        }
        tracing::info!(agent = %id, address = %msg.address, "agent registered");
        self.wake.notify_one();
        let interval = (self.config.timing.agent_ping_timeout.as_secs_f64() / 3.0).max(0.05);
        Ok(Registered {
            agent_id: AgentId::new(id),
            ping_interval_seconds: interval,
        })
    }

    pub fn ping(&self, ping: &Ping) -> Result<(), Refusal> {
        let mut st = self.lock();
        if st.removed_agents.contains(&ping.agent_id.value) {
            return Err(Refusal::Gone(format!(
                "agent {} was removed",
                ping.agent_id
            )));
        }
        match st.agents.get_mut(&ping.agent_id.value) {
            Some(agent) => {
                agent.last_ping = Instant::now();
                Ok(())
            }
            None => Err(Refusal::NotFound(format!(
                "agent {} is not registered",
                ping.agent_id
            ))),
        }
    }

    /// A status update from an agent: acknowledged (200) once recorded here; the master
    /// then owns delivering it to the framework.
    pub fn agent_status(&self, update: StatusUpdate) -> Result<(), Refusal> {
        {
            let mut st = self.lock();
            if st.removed_agents.contains(&update.agent_id.value) {
                return Err(Refusal::Gone(format!(
                    "agent {} was removed",
                    update.agent_id
                )));
            }
            match st.agents.get_mut(&update.agent_id.value) {
                Some(agent) => agent.last_ping = Instant::now(),
                None => {
                    return Err(Refusal::NotFound(format!(
                        "agent {} is not registered",
                        update.agent_id
                    )))
                }
            }
        }
        let mut status = update.status;
        if status.agent_id.is_none() {
            status.agent_id = Some(update.agent_id.clone());
        }
        self.apply_status(&update.framework_id.value, status);
        Ok(())
    }

    /// Removes the agents that missed too many pings.
    pub fn check_agents(self: &Arc<Self>) {
        let deadline = self.agent_deadline();
        let silent: Vec<String> = self
            .lock()
            .agents
            .values()
            .filter(|a| a.last_ping.elapsed() > deadline)
            .map(|a| a.id.clone())
            .collect();
        for id in silent {
            self.remove_agent(&id, "health check timed out");
        }
    }

    /// The agent is gone: its offers are rescinded, its tasks become TASK_LOST (or
    /// TASK_UNREACHABLE for PARTITION_AWARE frameworks), the allocator and hooks are told.
    pub fn remove_agent(self: &Arc<Self>, id: &str, why: &str) {
        let mut statuses = Vec::new();
        let info = {
            let mut st = self.lock();
            let Some(agent) = st.agents.remove(id) else {
                return;
            };
            st.removed_agents.insert(id.to_string());
            st.counters.agents_removed += 1;
            self.withdraw_agent_offers(&mut st, id);
            if let Err(e) = st.allocator.remove_agent(id) {
                tracing::error!(agent = id, "allocator: {e}");
            }
            for framework in st.frameworks.values() {
                let mut any = false;
                for task in framework.tasks.values().filter(|t| t.agent_id == id) {
                    any = true;
                    let state = if framework.partition_aware() {
                        TaskState::Unreachable
                    } else {
                        TaskState::Lost
                    };
                    statuses.push((
                        framework.id.clone(),
                        master_status(
                            &task.info.task_id,
                            &AgentId::new(id),
                            state,
                            Reason::AgentRemoved,
                            format!("Agent {id} removed: {why}"),
                        ),
                    ));
                }
                if any {
                    if let Some(stream) = &framework.stream {
                        stream.send(&events::failure_agent(id));
                    }
                }
            }
            // Their resources left the allocator with the agent: apply_status recovers
            // nothing for an agent it no longer knows.
            agent.info
        };
        tracing::warn!(agent = id, "agent removed: {why}");
        for (framework_id, status) in statuses {
            self.apply_status(&framework_id, status);
        }
        if !self.hooks.is_empty() {
            if let Err(e) = self
                .hooks
                .master_agent_lost_hook(&AgentInput { agent_info: info })
            {
                tracing::error!(agent = id, "{e}");
            }
        }
        self.wake.notify_one();
    }
}
