//! The native (Mesos) containerizer: the isolator pipeline around the launcher, with every
//! container checkpointed so an agent restart re-adopts or cleans it up.
//!
//! Isolators come from the host's module registry (built-in and `--modules` alike) in
//! `--isolation` order: `prepare` in that order, `cleanup` in reverse, `isolate`, `update`,
//! `usage`, `status` to all, usage merged. Every ending goes through one destroy path (kill the
//! tree, reap, clean up isolators, remove the launcher's cgroup, checkpoint the termination).

pub(crate) mod checkpoint;
mod container;
mod destroy;
mod launch;
mod process;
mod recover;
mod spec;

// The containerizer-neutral model, under the names this module's files use.
use crate::{error, model};

pub use crate::error::{ContainerizerError, Result};
pub use crate::model::{
    ContainerRequest, ContainerSummary, ContainerTermination, PidRecord, RecoverMode,
    RecoveryReport,
};

use crate::containers::Containers;
use checkpoint::Store;
use container::{Cause, Phase, State};
pub(crate) use launch::validate_id;
use modkit_cgroups::Cgroups;
use modkit_ffi::resources::Resources;
use modkit_ffi::sdk::Isolator;
use modkit_ffi::types::{ContainerStatus, ResourceStatistics, TimeInfo};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// An isolator instance with the name it was selected by (for messages).
pub struct IsolatorSlot {
    pub name: String,
    pub isolator: Box<dyn Isolator>,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Sandboxes go to `<work_dir>/containers/<id>`, checkpoints to `<work_dir>/meta`.
    pub work_dir: PathBuf,
    /// The hierarchy the launcher keeps every container's processes in (v1 freezer, or the
    /// unified one), so destroy can kill every process. `None` without cgroups (not root):
    /// then the supervisor's process group is killed instead.
    pub cgroups: Option<Cgroups>,
    pub cgroups_root: String,
    /// Run tasks as the user they name (`--switch_user`).
    pub switch_user: bool,
    /// Between a kill's signal and SIGKILL (`--executor_shutdown_grace_period`).
    pub grace_period: Duration,
}

pub struct NativeContainerizer {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    isolators: Vec<IsolatorSlot>,
    store: Store,
    containers: Containers<State>,
}

impl NativeContainerizer {
    pub fn new(config: Config, isolators: Vec<IsolatorSlot>) -> NativeContainerizer {
        let store = Store::new(&config.work_dir.join("meta"));
        NativeContainerizer {
            inner: Arc::new(Inner {
                config,
                isolators,
                store,
                containers: Containers::default(),
            }),
        }
    }

    pub fn isolator_names(&self) -> Vec<String> {
        self.inner
            .isolators
            .iter()
            .map(|s| s.name.clone())
            .collect()
    }

    /// Launches a container and returns once its command has exec'd (or failed, leaving
    /// nothing behind). Blocking.
    pub fn launch(&self, request: ContainerRequest) -> Result<()> {
        self.inner.launch(request)
    }

    /// Blocks until the container ends (or `timeout`); `Ok(None)` on timeout.
    pub fn wait(
        &self,
        id: &str,
        timeout: Option<Duration>,
    ) -> Result<Option<ContainerTermination>> {
        if let Some(container) = self.inner.containers.get(id) {
            container.wait_until(timeout, |s| s.termination.is_some());
            return Ok(container.state().termination.clone());
        }
        self.inner
            .containers
            .ended(id)
            .map(Some)
            .ok_or_else(|| ContainerizerError::Unknown(id.to_string()))
    }

    /// Sends `signal` to the container's command; unless it was SIGKILL, the container is
    /// destroyed after the grace period if still running. Returns at once.
    pub fn kill(&self, id: &str, signal: i32) -> Result<()> {
        let container = self
            .inner
            .containers
            .get(id)
            .ok_or_else(|| ContainerizerError::Unknown(id.to_string()))?;
        container.update(|s| s.kill_requested = true);
        let inner = self.inner.clone();
        let pid = container.pid();
        if signal != libc::SIGKILL {
            if let Some(pid) = pid {
                if let Err(e) = crate::launcher::signal(pid, signal) {
                    tracing::warn!(container = id, "signal {signal}: {e}");
                }
            }
        }
        let grace = if signal == libc::SIGKILL || pid.is_none() {
            Duration::ZERO
        } else {
            inner.config.grace_period
        };
        std::thread::spawn(move || {
            if !container.wait_until(Some(grace), |s| s.termination.is_some()) {
                inner.destroy(&container, Cause::Killed);
            }
        });
        Ok(())
    }

    /// Kills and removes the container; returns its termination. Blocking.
    pub fn destroy(&self, id: &str) -> Result<ContainerTermination> {
        let container = self
            .inner
            .containers
            .get(id)
            .ok_or_else(|| ContainerizerError::Unknown(id.to_string()))?;
        container.update(|s| s.kill_requested = true);
        self.inner.destroy(&container, Cause::Killed);
        container.wait_until(None, |s| s.termination.is_some());
        let termination = container.state().termination.clone();
        termination.ok_or_else(|| ContainerizerError::Unknown(id.to_string()))
    }

    /// The isolators' statistics merged, with a timestamp.
    pub fn usage(&self, id: &str) -> Result<ResourceStatistics> {
        self.inner
            .containers
            .get(id)
            .ok_or_else(|| ContainerizerError::Unknown(id.to_string()))?;
        self.inner.usage(id)
    }

    pub fn status(&self, id: &str) -> Result<ContainerStatus> {
        let container = self
            .inner
            .containers
            .get(id)
            .ok_or_else(|| ContainerizerError::Unknown(id.to_string()))?;
        let mut status = ContainerStatus {
            container_id: Some(modkit_ffi::types::ContainerId::new(id)),
            executor_pid: container.pid().map(|p| p as u32),
            ..ContainerStatus::default()
        };
        for slot in &self.inner.isolators {
            match slot.isolator.status(id) {
                Ok(part) => {
                    status.network_infos.extend(part.network_infos);
                    if part.cgroup_info.is_some() {
                        status.cgroup_info = part.cgroup_info;
                    }
                }
                Err(e) => tracing::warn!(container = id, isolator = %slot.name, "status: {e}"),
            }
        }
        Ok(status)
    }

    /// Changes a running container's resources through every isolator.
    pub fn update(&self, id: &str, resources: &Resources) -> Result<()> {
        self.inner
            .containers
            .get(id)
            .ok_or_else(|| ContainerizerError::Unknown(id.to_string()))?;
        for slot in &self.inner.isolators {
            slot.isolator
                .update(id, resources)
                .map_err(|e| ContainerizerError::Isolator {
                    id: id.to_string(),
                    isolator: slot.name.clone(),
                    step: "update",
                    message: e.to_string(),
                })?;
        }
        Ok(())
    }

    /// Live containers, sorted by id; with statistics when `with_usage`.
    pub fn containers(&self, with_usage: bool) -> Vec<ContainerSummary> {
        self.inner
            .containers
            .sorted()
            .into_iter()
            .filter(|c| c.state().phase == Phase::Running)
            .map(|c| c.summary(c.pid(), with_usage.then(|| self.inner.usage(&c.id))))
            .collect()
    }

    /// After a restart: re-adopts (or, with `Cleanup`, kills) checkpointed containers, reaps
    /// those that ended meanwhile and destroys orphans. Call once, before any launch.
    pub fn recover(&self, mode: RecoverMode) -> Result<RecoveryReport> {
        self.inner.recover(mode)
    }
}

impl Inner {
    fn cgroup(&self, id: &str) -> String {
        format!("{}/{}", self.config.cgroups_root, id)
    }

    fn sandbox(&self, id: &str) -> PathBuf {
        self.config.work_dir.join("containers").join(id)
    }

    fn usage(&self, id: &str) -> Result<ResourceStatistics> {
        let mut statistics = ResourceStatistics {
            timestamp: TimeInfo::now().nanoseconds as f64 / 1e9,
            ..ResourceStatistics::default()
        };
        for slot in &self.isolators {
            let part = slot
                .isolator
                .usage(id)
                .map_err(|e| ContainerizerError::Isolator {
                    id: id.to_string(),
                    isolator: slot.name.clone(),
                    step: "report usage",
                    message: e.to_string(),
                })?;
            statistics.merge(&part);
        }
        Ok(statistics)
    }
}

impl crate::Containerizer for NativeContainerizer {
    fn name(&self) -> &str {
        "mesos"
    }

    /// Mesos containers: no `ContainerInfo`, or one of type MESOS.
    fn can_launch(&self, request: &ContainerRequest) -> bool {
        match &request.container {
            None => true,
            Some(c) => c.r#type == modkit_ffi::types::ContainerType::Mesos && c.docker.is_none(),
        }
    }

    fn recover(&self, mode: RecoverMode) -> Result<RecoveryReport> {
        NativeContainerizer::recover(self, mode)
    }

    fn launch(&self, request: ContainerRequest) -> Result<()> {
        NativeContainerizer::launch(self, request)
    }

    fn wait(&self, id: &str, timeout: Option<Duration>) -> Result<Option<ContainerTermination>> {
        NativeContainerizer::wait(self, id, timeout)
    }

    fn kill(&self, id: &str, signal: i32) -> Result<()> {
        NativeContainerizer::kill(self, id, signal)
    }

    fn destroy(&self, id: &str) -> Result<ContainerTermination> {
        NativeContainerizer::destroy(self, id)
    }

    fn update(&self, id: &str, resources: &Resources) -> Result<()> {
        NativeContainerizer::update(self, id, resources)
    }

    fn usage(&self, id: &str) -> Result<ResourceStatistics> {
        NativeContainerizer::usage(self, id)
    }

    fn status(&self, id: &str) -> Result<ContainerStatus> {
        NativeContainerizer::status(self, id)
    }

    fn containers(&self, with_usage: bool) -> Vec<ContainerSummary> {
        NativeContainerizer::containers(self, with_usage)
    }
}
