//! The launch path: checkpoint, prepare (in `--isolation` order), launch with the container
//! placed in its cgroups and isolated before exec, then watch and reap.

use super::checkpoint::{CONFIG, PID, STATUS};
use super::container::{Cause, Container, Phase};
use super::error::{ContainerizerError, Result};
use super::model::{ContainerRequest, PidRecord};
use super::spec::{self, SpecInput};
use super::{process, Inner};
use modkit_cgroups::Mode;
use modkit_ffi::sdk::LimitationSink;
use modkit_ffi::types::{ContainerConfig, ContainerLaunchInfo};
use std::sync::Arc;

/// Ids become directory and cgroup names, so they are kept to a safe alphabet.
pub fn validate_id(id: &str) -> Result<()> {
    let invalid = |reason| {
        Err(ContainerizerError::InvalidId {
            id: id.to_string(),
            reason,
        })
    };
    if id.is_empty() {
        return invalid("it is empty");
    }
    if id.len() > 200 {
        return invalid("it is longer than 200 bytes");
    }
    if id == "." || id == ".." {
        return invalid("it is a relative path");
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return invalid("only letters, digits, '-', '_' and '.' are allowed");
    }
    Ok(())
}

impl Inner {
    pub(super) fn launch(self: &Arc<Self>, request: ContainerRequest) -> Result<()> {
        let id = request.container_id.clone();
        validate_id(&id)?;
        let sandbox = self.sandbox(&id);
        let container = Arc::new(Container::new(request, sandbox.clone(), Phase::Launching));
        {
            let mut live = self.containers.lock_live();
            if live.contains_key(&id) {
                return Err(ContainerizerError::Exists(id));
            }
            live.insert(id.clone(), container.clone());
        }
        match self.start(&container) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.unwind_failed_launch(&container);
                Err(e)
            }
        }
    }

    fn start(self: &Arc<Self>, container: &Arc<Container>) -> Result<()> {
        let id = container.id.as_str();
        let request = &container.request;
        container.create_sandbox()?;
        let meta = self.store.create(id)?;
        // The stale end of an earlier container of the same id must not be read as ours.
        let _ = std::fs::remove_file(meta.join(STATUS));
        let _ = std::fs::remove_file(meta.join(super::checkpoint::TERMINATION));
        // Made durable by the fsync of the pid checkpoint, which follows the launch.
        self.store.write_volatile(id, CONFIG, request)?;

        let config = ContainerConfig {
            command_info: request.command.clone(),
            resources: request.resources.clone(),
            directory: container.sandbox.to_string_lossy().into_owned(),
            user: request.user.clone(),
            container_info: request.container.clone(),
            ..ContainerConfig::default()
        };
        let mut launch_info = ContainerLaunchInfo::default();
        for slot in &self.isolators {
            let prepared =
                slot.isolator
                    .prepare(id, &config)
                    .map_err(|e| ContainerizerError::Isolator {
                        id: id.to_string(),
                        isolator: slot.name.clone(),
                        step: "prepare",
                        message: e.to_string(),
                    })?;
            if let Some(info) = prepared {
                launch_info
                    .merge(&info)
                    .map_err(|e| ContainerizerError::Isolator {
                        id: id.to_string(),
                        isolator: slot.name.clone(),
                        step: "prepare",
                        message: e.to_string(),
                    })?;
            }
        }

        let status_file = meta.join(STATUS);
        let cgroup = self.cgroup(id);
        // On cgroup v2 the launcher's cgroup is where the supervisor is born; on v1 and hybrid
        // hosts the freezer hierarchy is v1, joined in `place`.
        let unified = self
            .config
            .cgroups
            .as_ref()
            .filter(|cgroups| cgroups.mode() == Mode::Unified);
        let born_in = unified.map(|cgroups| cgroups.path("freezer", &cgroup));
        let launch_spec = spec::build(SpecInput {
            request,
            launch_info: &launch_info,
            sandbox: &container.sandbox,
            status_file: &status_file,
            switch_user: self.config.switch_user,
            cgroup: born_in.as_deref(),
        })?;
        if let Some(cgroups) = &self.config.cgroups {
            cgroups
                .create("freezer", &cgroup)
                .map_err(|e| ContainerizerError::Cgroups(e.to_string()))?;
        }
        let mut place = |pid: i32| -> std::result::Result<(), String> {
            if let Some(cgroups) = &self.config.cgroups {
                if unified.is_none() {
                    cgroups
                        .add_process("freezer", &cgroup, pid)
                        .map_err(|e| e.to_string())?;
                }
            }
            for slot in &self.isolators {
                slot.isolator
                    .isolate(id, pid)
                    .map_err(|e| format!("isolator '{}' failed to isolate: {e}", slot.name))?;
            }
            Ok(())
        };
        let launched = crate::launcher::launch(&launch_spec, &mut place).map_err(|e| {
            ContainerizerError::Launch {
                id: id.to_string(),
                message: e.to_string(),
            }
        })?;
        let record = PidRecord {
            pid: launched.pid,
            start_time: process::start_time(launched.pid).unwrap_or(0),
            pid_namespace: launch_spec.namespaces.pid,
        };
        if let Err(e) = self.store.write(id, PID, &record) {
            // Unrecoverable after a restart: stop it now rather than run it untracked.
            let _ = crate::launcher::signal(record.pid, libc::SIGKILL);
            let _ = process::wait_child(record.pid);
            return Err(e);
        }
        container.update(|s| {
            s.pid = Some(record);
            s.phase = Phase::Running;
        });
        // Watch before reaping: a task that ends at once must not be cleaned up before its
        // isolators were asked to watch it.
        self.watch(container);
        self.spawn_reaper(container.clone(), record, true);
        Ok(())
    }

    /// Asks every isolator to watch; a raised limitation destroys the container.
    pub(super) fn watch(self: &Arc<Self>, container: &Arc<Container>) {
        for slot in &self.isolators {
            let inner = Arc::downgrade(self);
            let target = Arc::downgrade(container);
            let sink = LimitationSink::new(move |limitation| {
                let (Some(inner), Some(container)) = (inner.upgrade(), target.upgrade()) else {
                    return;
                };
                // Recorded at once, so a destroy already under way (the OOM killer's victim
                // was reaped first) still reports it.
                container.update(|s| {
                    s.limitation.get_or_insert_with(|| limitation.clone());
                });
                // The sink may be called on an isolator's own thread: destroy elsewhere.
                std::thread::spawn(move || {
                    inner.destroy(&container, Cause::Limitation(limitation))
                });
            });
            if let Err(e) = slot.isolator.watch(&container.id, sink) {
                tracing::warn!(container = %container.id, isolator = %slot.name, "watch: {e}");
            }
        }
    }

    /// A thread per container waits for its supervisor, then destroys what is left.
    pub(super) fn spawn_reaper(
        self: &Arc<Self>,
        container: Arc<Container>,
        pid: PidRecord,
        child: bool,
    ) {
        let inner = self.clone();
        std::thread::Builder::new()
            .name(format!("reaper-{}", pid.pid))
            .spawn(move || {
                let status = if child {
                    match process::wait_child(pid.pid) {
                        Ok(status) => Some(status),
                        Err(e) => {
                            tracing::warn!(container = %container.id, "waitpid {}: {e}", pid.pid);
                            None
                        }
                    }
                } else {
                    process::wait_foreign(pid.pid, pid.start_time);
                    None
                };
                container.update(|s| s.supervisor_exit = Some(status));
                inner.destroy(&container, Cause::Exited);
            })
            .map(|_| ())
            .unwrap_or_else(|e| tracing::error!("cannot start a reaper thread: {e}"));
    }

    /// Leaves nothing of a launch that failed: isolators cleaned up (reverse order), the
    /// launcher's cgroup and the checkpoint removed. The sandbox stays, with its logs.
    fn unwind_failed_launch(&self, container: &Arc<Container>) {
        let id = container.id.as_str();
        if let Some(pid) = container.pid() {
            let _ = crate::launcher::signal(pid, libc::SIGKILL);
        }
        if let Some(cgroups) = &self.config.cgroups {
            let cgroup = self.cgroup(id);
            if let Err(e) = cgroups.kill_all("freezer", &cgroup) {
                tracing::warn!(container = id, "after a failed launch: {e}");
            }
        }
        self.cleanup_isolators(id);
        self.remove_launcher_cgroup(id);
        if let Err(e) = self.store.remove(id) {
            tracing::warn!(container = id, "{e}");
        }
        self.containers.lock_live().remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::validate_id;

    #[test]
    fn ids_are_checked() {
        assert!(validate_id("task-1.a_b").is_ok());
        for (id, why) in [
            ("", "empty"),
            ("..", "relative"),
            ("a/b", "only letters"),
            ("a b", "only letters"),
        ] {
            let err = validate_id(id).unwrap_err().to_string();
            assert!(err.contains(why), "{id}: {err}");
        }
        assert!(validate_id(&"x".repeat(201)).is_err());
    }
}
