//! Framework lifecycle: SUBSCRIBE (new, failover, re-subscribe after a disconnect),
//! disconnect and the failover timeout, TEARDOWN.

use super::core::{push_completed, Master, ToAgent};
use super::events::{self, EventStream};
use super::refusal::Refusal;
use super::state::{wall_clock, Framework, COMPLETED_KEPT};
use super::wire::KillTask;
use axum::body::Bytes;
use modkit_ffi::resources::validate_role;
use modkit_ffi::types::{FrameworkId, FrameworkInfo, Reason, Source, TaskState, TaskStatus};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

pub struct Subscription {
    pub framework_id: String,
    pub stream: EventStream,
    pub events: UnboundedReceiver<Bytes>,
}

impl Master {
    /// Checks the roles a framework subscribes with (ACLs are checked by the caller).
    pub fn check_roles(&self, info: &FrameworkInfo) -> Result<(), Refusal> {
        if !info.roles.is_empty() && info.role.is_some() {
            return Err(Refusal::BadRequest(
                "'framework_info.role' and 'framework_info.roles' cannot both be set".into(),
            ));
        }
        if !info.roles.is_empty() && !info.has_capability("MULTI_ROLE") {
            return Err(Refusal::BadRequest(
                "'framework_info.roles' needs the MULTI_ROLE capability".into(),
            ));
        }
        let roles = info.effective_roles();
        for (i, role) in roles.iter().enumerate() {
            validate_role(role)
                .map_err(|e| Refusal::BadRequest(format!("role '{role}' is invalid: {e}")))?;
            if roles[..i].contains(role) {
                return Err(Refusal::BadRequest(format!(
                    "role '{role}' is listed twice"
                )));
            }
            if let Some(allowed) = &self.config.roles {
                if !allowed.iter().any(|a| a == role) {
                    return Err(Refusal::BadRequest(format!(
                        "role '{role}' is not one of --roles ({})",
                        allowed.join(", ")
                    )));
                }
            }
        }
        Ok(())
    }

    /// SUBSCRIBE: a new framework, or one coming back with its `framework_id` (its tasks and
    /// unacknowledged updates are kept; the old stream, if any, gets an ERROR and is closed).
    pub fn subscribe(
        &self,
        mut info: FrameworkInfo,
        principal: Option<String>,
    ) -> Result<Subscription, Refusal> {
        self.check_roles(&info)?;
        let mut st = self.lock();
        let id = match &info.id {
            Some(id) => {
                if st.completed_frameworks.iter().any(|f| f.id == id.value) {
                    return Err(Refusal::Forbidden(format!(
                        "Framework {id} has been removed (torn down or failed over too late)"
                    )));
                }
                id.value.clone()
            }
            None => {
                let n = st.next();
                format!("{}-{n:04}", self.config.id)
            }
        };
        if id.is_empty() {
            return Err(Refusal::BadRequest("'framework_info.id' is empty".into()));
        }
        info.id = Some(FrameworkId::new(id.clone()));
        let stream_id = super::wire::new_uuid();
        let (stream, events) = EventStream::new(stream_id);
        let roles: Vec<String> = info
            .effective_roles()
            .into_iter()
            .map(String::from)
            .collect();
        let role_refs: Vec<&str> = roles.iter().map(String::as_str).collect();
        let existing = st.frameworks.contains_key(&id);
        if existing {
            // Outstanding offers go back: the framework starts over with a new stream.
            self.recover_framework_offers(&mut st, &id);
            let st = &mut *st;
            let framework = st.frameworks.get_mut(&id).expect("checked");
            if let Some(old) = framework.stream.take() {
                old.send(&events::error("Framework failed over"));
            }
            let result = if framework.in_allocator {
                st.allocator
                    .update_framework(&id, &role_refs)
                    .and_then(|()| st.allocator.activate_framework(&id))
            } else {
                st.allocator.add_framework(&id, &role_refs, true)
            };
            if let Err(e) = result {
                tracing::error!(framework = %id, "allocator: {e}");
            }
            framework.in_allocator = true;
            framework.info = info;
            framework.principal = principal;
            framework.stream = Some(stream.clone());
            framework.disconnected_at = None;
        } else {
            if let Err(e) = st.allocator.add_framework(&id, &role_refs, true) {
                return Err(Refusal::BadRequest(format!("the allocator refused: {e}")));
            }
            st.frameworks.insert(
                id.clone(),
                Framework {
                    id: id.clone(),
                    info,
                    principal,
                    stream: Some(stream.clone()),
                    in_allocator: true,
                    registered_time: wall_clock(),
                    disconnected_at: None,
                    tasks: BTreeMap::new(),
                    completed_tasks: Default::default(),
                    pending: BTreeMap::new(),
                },
            );
        }
        stream.send(&events::subscribed(
            &id,
            self.config.timing.heartbeat_interval.as_secs_f64(),
            &self.master_info(),
        ));
        if let Some(framework) = st.frameworks.get_mut(&id) {
            Master::send_pending(framework);
        }
        drop(st);
        tracing::info!(framework = %id, resubscribed = existing, "framework subscribed");
        self.wake.notify_one();
        Ok(Subscription {
            framework_id: id,
            stream,
            events,
        })
    }

    /// Whether `stream_id` is the framework's current stream.
    pub fn is_current(&self, framework_id: &str, stream_id: &str) -> bool {
        self.lock()
            .frameworks
            .get(framework_id)
            .and_then(|f| f.stream.as_ref())
            .is_some_and(|s| s.id == stream_id)
    }

    /// The framework's stream closed. If it is still the current one, the framework is
    /// deactivated, its offers recovered, and removed after its `failover_timeout`.
    pub fn disconnected(self: &Arc<Self>, framework_id: &str, stream_id: &str) {
        let timeout = {
            let mut st = self.lock();
            let Some(framework) = st.frameworks.get_mut(framework_id) else {
                return;
            };
            if framework.stream.as_ref().map(|s| s.id.as_str()) != Some(stream_id) {
                return;
            }
            framework.stream = None;
            framework.disconnected_at = Some(Instant::now());
            let timeout = framework.info.failover_timeout.unwrap_or(0.0);
            if let Err(e) = st.allocator.deactivate_framework(framework_id) {
                tracing::error!(framework = framework_id, "allocator: {e}");
            }
            self.recover_framework_offers(&mut st, framework_id);
            timeout
        };
        tracing::info!(
            framework = framework_id,
            "framework disconnected; failover timeout {timeout}s"
        );
        let master = self.clone();
        let id = framework_id.to_string();
        let wait = Duration::try_from_secs_f64(timeout.max(0.0)).unwrap_or(Duration::MAX);
        tokio::spawn(async move {
            tokio::time::sleep(wait.min(Duration::from_secs(365 * 86400))).await;
            let expired = {
                let st = master.lock();
                st.frameworks
                    .get(&id)
                    .and_then(|f| f.disconnected_at)
                    .is_some_and(|at| at.elapsed() >= wait)
            };
            if expired {
                tracing::info!(framework = %id, "failover timeout: removing the framework");
                master.remove_framework(&id);
            }
        });
        self.wake.notify_one();
    }

    /// TEARDOWN or failover timeout: kills its tasks, recovers its offers and removes it.
    pub fn remove_framework(self: &Arc<Self>, framework_id: &str) {
        let mut kills = Vec::new();
        {
            let mut st = self.lock();
            self.recover_framework_offers(&mut st, framework_id);
            let Some(mut framework) = st.frameworks.remove(framework_id) else {
                return;
            };
            if framework.in_allocator {
                if let Err(e) = st.allocator.remove_framework(framework_id) {
                    tracing::error!(framework = framework_id, "allocator: {e}");
                }
            }
            if let Some(stream) = framework.stream.take() {
                stream.send(&events::error("Framework has been removed"));
            }
            let tasks = std::mem::take(&mut framework.tasks);
            for (_, mut task) in tasks {
                if let Some(agent) = st.agents.get(&task.agent_id) {
                    kills.push(ToAgent::Kill {
                        address: agent.address.clone(),
                        kill: KillTask {
                            framework_id: FrameworkId::new(framework_id),
                            task_id: task.info.task_id.clone(),
                        },
                    });
                }
                let status = TaskStatus {
                    task_id: task.info.task_id.clone(),
                    state: TaskState::Killed,
                    message: Some("Framework removed".into()),
                    source: Some(Source::Master),
                    reason: Some(Reason::FrameworkRemoved),
                    agent_id: Some(task.info.agent_id.clone()),
                    timestamp: wall_clock(),
                    ..TaskStatus::default()
                };
                task.state = TaskState::Killed;
                task.statuses.push(status.clone());
                task.latest = Some(status);
                push_completed(&mut framework, task);
            }
            framework.pending.clear();
            st.completed_frameworks.push_back(framework);
            while st.completed_frameworks.len() > COMPLETED_KEPT {
                st.completed_frameworks.pop_front();
            }
        }
        self.deliver(kills);
        self.wake.notify_one();
    }
}
