//! DECLINE, KILL, ACKNOWLEDGE, RECONCILE, REVIVE, SUPPRESS.

use super::calls::{Acknowledge, Decline, Filters, Kill, Reconcile};
use crate::master::core::{Master, ToAgent};
use crate::master::events;
use crate::master::refusal::Refusal;
use crate::master::state::wall_clock;
use crate::master::wire::KillTask;
use modkit_ffi::types::{AgentId, FrameworkId, Reason, Source, TaskState, TaskStatus};
use std::sync::Arc;

impl Master {
    /// Offers already gone (rescinded, raced) are skipped, as Mesos does.
    pub fn decline(&self, framework_id: &str, decline: Decline) -> Result<(), Refusal> {
        let refuse = Filters::refuse_seconds(&decline.filters);
        let mut st = self.lock();
        for id in &decline.offer_ids {
            let ours = st
                .offers
                .get(&id.value)
                .is_some_and(|o| o.framework_id == framework_id);
            if ours {
                st.counters.offers_declined += 1;
                self.recover_offer(&mut st, &id.value, refuse);
            }
        }
        drop(st);
        self.wake.notify_one();
        Ok(())
    }

    pub fn kill(self: &Arc<Self>, framework_id: &str, kill: Kill) -> Result<(), Refusal> {
        let task_id = kill.task_id.value.clone();
        let mut message = None;
        let mut killed_staging = None;
        {
            let st = self.lock();
            let framework = st
                .frameworks
                .get(framework_id)
                .ok_or_else(|| Refusal::Forbidden("Framework is not subscribed".into()))?;
            match framework.tasks.get(&task_id) {
                None => {
                    // Unknown to the master: Mesos answers with TASK_LOST.
                    if let Some(stream) = &framework.stream {
                        let status = TaskStatus {
                            task_id: kill.task_id.clone(),
                            state: TaskState::Lost,
                            message: Some("Attempted to kill an unknown task".into()),
                            source: Some(Source::Master),
                            reason: Some(Reason::TaskUnknown),
                            agent_id: kill.agent_id.clone(),
                            timestamp: wall_clock(),
                            ..TaskStatus::default()
                        };
                        stream.send(&events::update(&status));
                    }
                }
                Some(task) => match st.agents.get(&task.agent_id) {
                    Some(agent) => {
                        message = Some(ToAgent::Kill {
                            address: agent.address.clone(),
                            kill: KillTask {
                                framework_id: FrameworkId::new(framework_id),
                                task_id: kill.task_id.clone(),
                            },
                        })
                    }
                    None => killed_staging = Some(AgentId::new(task.agent_id.clone())),
                },
            }
        }
        if let Some(agent) = killed_staging {
            let status = crate::master::core::master_status(
                &kill.task_id,
                &agent,
                TaskState::Killed,
                Reason::TaskKilledDuringLaunch,
                "Killed before it reached an agent".into(),
            );
            self.apply_status(framework_id, status);
        }
        self.deliver(message.into_iter().collect());
        Ok(())
    }

    pub fn acknowledge(&self, framework_id: &str, ack: Acknowledge) -> Result<(), Refusal> {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&ack.uuid)
            .map_err(|e| {
                Refusal::BadRequest(format!("'uuid' '{}' is not base64: {e}", ack.uuid))
            })?;
        if bytes.len() != 16 {
            return Err(Refusal::BadRequest(format!(
                "'uuid' '{}' is not a UUID ({} bytes, expected 16)",
                ack.uuid,
                bytes.len()
            )));
        }
        let mut st = self.lock();
        let framework = st
            .frameworks
            .get_mut(framework_id)
            .ok_or_else(|| Refusal::Forbidden("Framework is not subscribed".into()))?;
        match framework.pending.get(&ack.uuid) {
            Some(p) if p.status.task_id != ack.task_id || p.agent_id != ack.agent_id.value => {
                Err(Refusal::BadRequest(format!(
                    "update {} is for task {} on agent {}, not task {} on agent {}",
                    ack.uuid, p.status.task_id, p.agent_id, ack.task_id, ack.agent_id
                )))
            }
            Some(_) => {
                framework.pending.remove(&ack.uuid);
                Ok(())
            }
            // Already acknowledged, or from before a master restart: nothing to do.
            None => Ok(()),
        }
    }

    /// Explicit (the tasks named) or implicit (none named: every task the master knows).
    pub fn reconcile(&self, framework_id: &str, reconcile: Reconcile) -> Result<(), Refusal> {
        let st = self.lock();
        let framework = st
            .frameworks
            .get(framework_id)
            .ok_or_else(|| Refusal::Forbidden("Framework is not subscribed".into()))?;
        let Some(stream) = &framework.stream else {
            return Ok(());
        };
        let answer = |task: &crate::master::state::Task| {
            let mut status = task.latest.clone().unwrap_or_default();
            status.task_id = task.info.task_id.clone();
            status.state = task.state;
            status.source = Some(Source::Master);
            status.reason = Some(Reason::Reconciliation);
            status.agent_id = Some(task.info.agent_id.clone());
            status.uuid = None;
            status.timestamp = wall_clock();
            status.labels = task.info.labels.clone();
            status
        };
        if reconcile.tasks.is_empty() {
            for task in framework.tasks.values() {
                stream.send(&events::update(&answer(task)));
            }
            return Ok(());
        }
        for wanted in &reconcile.tasks {
            let id = &wanted.task_id.value;
            let known = framework.tasks.get(id).or_else(|| {
                framework
                    .completed_tasks
                    .iter()
                    .rev()
                    .find(|t| &t.info.task_id.value == id)
            });
            let status = match known {
                Some(task) => answer(task),
                None => TaskStatus {
                    task_id: wanted.task_id.clone(),
                    state: if framework.partition_aware() {
                        TaskState::Unknown
                    } else {
                        TaskState::Lost
                    },
                    message: Some("Reconciliation: task is unknown to the master".into()),
                    source: Some(Source::Master),
                    reason: Some(Reason::Reconciliation),
                    agent_id: wanted.agent_id.clone(),
                    timestamp: wall_clock(),
                    ..TaskStatus::default()
                },
            };
            stream.send(&events::update(&status));
        }
        Ok(())
    }

    pub fn revive(&self, framework_id: &str, roles: &[String]) -> Result<(), Refusal> {
        self.suppression(framework_id, roles, false)
    }

    pub fn suppress(&self, framework_id: &str, roles: &[String]) -> Result<(), Refusal> {
        self.suppression(framework_id, roles, true)
    }

    fn suppression(
        &self,
        framework_id: &str,
        roles: &[String],
        suppress: bool,
    ) -> Result<(), Refusal> {
        let mut st = self.lock();
        let framework = st
            .frameworks
            .get(framework_id)
            .ok_or_else(|| Refusal::Forbidden("Framework is not subscribed".into()))?;
        let own = framework.roles();
        if let Some(role) = roles.iter().find(|r| !own.contains(r)) {
            return Err(Refusal::BadRequest(format!(
                "role '{role}' is not one of the framework's roles ({})",
                own.join(", ")
            )));
        }
        let refs: Vec<&str> = roles.iter().map(String::as_str).collect();
        let result = if suppress {
            st.allocator.suppress(framework_id, &refs)
        } else {
            st.allocator.revive(framework_id, &refs)
        };
        result.map_err(|e| Refusal::BadRequest(format!("the allocator refused: {e}")))?;
        drop(st);
        if !suppress {
            self.wake.notify_one();
        }
        Ok(())
    }
}
