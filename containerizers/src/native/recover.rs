//! Agent restart: every checkpointed container is re-adopted (`reconnect`) or killed
//! (`cleanup`); those that ended while the agent was down are reaped with their real exit
//! status (the supervisor's status file); cgroups nobody checkpointed are orphans and go.

use super::checkpoint::{CONFIG, PID, TERMINATION};
use super::container::{Cause, Container, Phase};
use super::error::Result;
use super::model::{ContainerRequest, PidRecord, RecoverMode, RecoveryReport};
use super::{process, Inner};
use modkit_ffi::types::{ContainerId, ContainerState};
use std::collections::BTreeSet;
use std::sync::Arc;

enum Found {
    Live(ContainerRequest, PidRecord),
    Dead(ContainerRequest, Option<PidRecord>),
}

impl Inner {
    pub(super) fn recover(self: &Arc<Self>, mode: RecoverMode) -> Result<RecoveryReport> {
        let mut report = RecoveryReport::default();
        let ids = self.store.ids()?;
        let known: BTreeSet<String> = ids.iter().cloned().collect();
        let requests = self.store.unended(
            &ids,
            (TERMINATION, CONFIG, "config"),
            |id, end| self.containers.remember(id, end),
            &mut report.corrupt,
        );
        let mut found = Vec::new();
        for request in requests {
            match self.store.read::<PidRecord>(&request.container_id, PID) {
                Ok(Some(pid)) if process::is_alive(pid.pid, pid.start_time) => {
                    found.push(Found::Live(request, pid))
                }
                Ok(pid) => found.push(Found::Dead(request, pid)),
                Err(e) => {
                    report
                        .corrupt
                        .push((request.container_id.clone(), e.to_string()));
                }
            }
        }

        // Orphans: cgroups under our root that no checkpoint names.
        let mut orphans: Vec<String> = Vec::new();
        if let Some(cgroups) = &self.config.cgroups {
            match cgroups.children("freezer", &self.config.cgroups_root) {
                Ok(children) => orphans.extend(children.into_iter().filter(|c| !known.contains(c))),
                Err(e) => tracing::warn!("listing orphan containers: {e}"),
            }
        }
        let corrupt_ids: Vec<String> = report.corrupt.iter().map(|(id, _)| id.clone()).collect();
        let mut states = Vec::new();
        let mut orphan_ids: Vec<ContainerId> = orphans
            .iter()
            .chain(&corrupt_ids)
            .map(|id| ContainerId::new(id.clone()))
            .collect();
        for entry in &found {
            match entry {
                Found::Live(request, pid) | Found::Dead(request, Some(pid)) => {
                    states.push(ContainerState {
                        container_id: ContainerId::new(request.container_id.clone()),
                        pid: pid.pid as u64,
                        directory: self
                            .sandbox(&request.container_id)
                            .to_string_lossy()
                            .into_owned(),
                        ..ContainerState::default()
                    })
                }
                // Its launch never finished: nothing to re-adopt, only to clean.
                Found::Dead(request, None) => {
                    orphan_ids.push(ContainerId::new(request.container_id.clone()))
                }
            }
        }
        for slot in &self.isolators {
            if let Err(e) = slot.isolator.recover(&states, &orphan_ids) {
                tracing::error!(isolator = %slot.name, "recover: {e}");
            }
        }

        for id in orphans.iter().chain(&corrupt_ids) {
            self.destroy_unknown(id);
        }
        for id in &corrupt_ids {
            if let Err(e) = self.store.remove(id) {
                tracing::warn!(container = %id, "{e}");
            }
        }
        report.orphans = orphans;

        for entry in found {
            match entry {
                Found::Live(request, pid) => {
                    let id = request.container_id.clone();
                    let container = self.adopt(request, Some(pid));
                    match mode {
                        RecoverMode::Reconnect => {
                            self.watch(&container);
                            self.spawn_reaper(container.clone(), pid, false);
                            report.adopted.push(id);
                        }
                        RecoverMode::Cleanup => {
                            container.update(|s| s.kill_requested = true);
                            self.spawn_reaper(container.clone(), pid, false);
                            self.destroy(&container, Cause::Killed);
                            report.ended.push(id);
                        }
                    }
                }
                Found::Dead(request, pid) => {
                    let id = request.container_id.clone();
                    let container = self.adopt(request, pid);
                    container.update(|s| s.supervisor_exit = Some(None));
                    let cause = if pid.is_some() {
                        Cause::Exited
                    } else {
                        Cause::Recovery(
                            "The agent restarted before the container's launch finished".into(),
                        )
                    };
                    self.destroy(&container, cause);
                    report.ended.push(id);
                }
            }
        }
        Ok(report)
    }

    fn adopt(&self, request: ContainerRequest, pid: Option<PidRecord>) -> Arc<Container> {
        let id = request.container_id.clone();
        let sandbox = self.sandbox(&id);
        let container = Arc::new(Container::new(request, sandbox, Phase::Running));
        container.update(|s| s.pid = pid);
        self.containers.lock_live().insert(id, container.clone());
        container
    }

    /// Kills and removes what an unknown or unreadable container left in the kernel.
    fn destroy_unknown(&self, id: &str) {
        if let Some(cgroups) = &self.config.cgroups {
            if let Err(e) = cgroups.kill_all("freezer", &self.cgroup(id)) {
                tracing::error!(container = id, "orphan: {e}");
            }
        }
        self.cleanup_isolators(id);
        self.remove_launcher_cgroup(id);
    }
}
