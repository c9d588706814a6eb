//! The one way a container ends: kill its whole tree, wait for the supervisor, clean up the
//! isolators in reverse order, remove the launcher's cgroup, checkpoint how it ended.

use super::checkpoint::{STATUS, TERMINATION};
use super::container::{Cause, Container, Phase};
use super::model::ContainerTermination;
use super::Inner;
use crate::launcher::{self, Termination};
use modkit_ffi::types::{Reason, TaskState};
use std::sync::Arc;
use std::time::Duration;

/// How long destroy waits for the supervisor to be reaped after SIGKILL.
const REAP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a failed task's destroy waits for a limitation that may explain it.
const LIMITATION_GRACE: Duration = Duration::from_millis(200);

impl Inner {
    pub(super) fn destroy(&self, container: &Arc<Container>, cause: Cause) {
        let id = container.id.as_str();
        {
            let mut state = container.state();
            if matches!(state.phase, Phase::Destroying | Phase::Terminated) {
                return;
            }
            state.phase = Phase::Destroying;
            state.cause = Some(cause.clone());
        }
        let pid = container.state().pid;
        if let Some(pid) = pid {
            if container.state().supervisor_exit.is_none() {
                // The pid namespace's init takes everything in it along; else its group.
                let _ = launcher::signal(pid.pid, libc::SIGKILL);
                if !pid.pid_namespace {
                    let _ = launcher::signal(-pid.pid, libc::SIGKILL);
                }
            }
        }
        if let Some(cgroups) = &self.config.cgroups {
            if let Err(e) = cgroups.kill_all("freezer", &self.cgroup(id)) {
                tracing::error!(container = id, "destroy: {e}");
            }
        }
        if pid.is_some()
            && !container.wait_until(Some(REAP_TIMEOUT), |s| s.supervisor_exit.is_some())
        {
            tracing::error!(
                container = id,
                "destroy: the supervisor was not reaped in {REAP_TIMEOUT:?}"
            );
        }
        let task = self.task_termination(container);
        // A task the kernel killed (the OOM killer) may be reaped before the isolator's
        // notification arrives: a failed task gives it a moment before the watchers go.
        if matches!(cause, Cause::Exited) && task != Some(Termination::Exited(0)) {
            container.wait_until(Some(LIMITATION_GRACE), |s| s.limitation.is_some());
        }
        // After cleanup: an isolator may report a limitation it finds only then (the OOM
        // counter when the notification has not arrived).
        self.cleanup_isolators(id);
        self.remove_launcher_cgroup(id);
        let cause = match container.state().limitation.clone() {
            Some(limitation) if matches!(cause, Cause::Exited) => Cause::Limitation(limitation),
            _ => cause,
        };

        let kill_requested = container.state().kill_requested;
        let termination = describe(&cause, task, kill_requested);
        if let Err(e) = self.store.write_volatile(id, TERMINATION, &termination) {
            tracing::error!(container = id, "{e}");
        }
        self.containers.remember(id, termination.clone());
        self.containers.lock_live().remove(id);
        container.update(|s| {
            s.phase = Phase::Terminated;
            s.termination = Some(termination);
        });
    }

    /// The task's own end: the supervisor's status file (survives restarts), else its exit.
    fn task_termination(&self, container: &Container) -> Option<Termination> {
        let path = self.store.dir(&container.id).join(STATUS);
        match launcher::read_status_file(&path) {
            Ok(Some(t)) => return Some(t),
            Ok(None) => {}
            Err(e) => tracing::warn!(container = %container.id, "{e}"),
        }
        let raw = container.state().supervisor_exit.flatten()?;
        match Termination::from_wait_status(raw) {
            exited @ Termination::Exited(_) => Some(launcher::supervisor_exit_to_task(exited)),
            // The supervisor itself was killed: the task's own status is unknown.
            Termination::Signaled(_) => None,
        }
    }

    pub(super) fn cleanup_isolators(&self, id: &str) {
        for slot in self.isolators.iter().rev() {
            if let Err(e) = slot.isolator.cleanup(id) {
                tracing::error!(container = id, isolator = %slot.name, "cleanup: {e}");
            }
        }
    }

    pub(super) fn remove_launcher_cgroup(&self, id: &str) {
        if let Some(cgroups) = &self.config.cgroups {
            if let Err(e) = cgroups.remove("freezer", &self.cgroup(id)) {
                tracing::error!(container = id, "{e}");
            }
        }
    }
}

/// The task state, reason and message Mesos's agent would report for this ending.
fn describe(
    cause: &Cause,
    task: Option<Termination>,
    kill_requested: bool,
) -> ContainerTermination {
    let exit_status = task.as_ref().map(Termination::raw);
    let command = task
        .as_ref()
        .map(|t| format!("Command {}", t.describe()))
        .unwrap_or_else(|| "Command ended; its exit status is unknown".to_string());
    match cause {
        Cause::Limitation(limitation) => ContainerTermination {
            exit_status,
            state: TaskState::Failed,
            reason: Some(limitation.reason_or_default()),
            message: limitation.message.clone(),
            limitation: Some(limitation.clone()),
        },
        Cause::Recovery(why) => ContainerTermination {
            exit_status,
            state: TaskState::Failed,
            reason: Some(Reason::ContainerLaunchFailed),
            message: why.clone(),
            limitation: None,
        },
        _ if kill_requested || matches!(cause, Cause::Killed) => ContainerTermination {
            exit_status,
            state: TaskState::Killed,
            reason: None,
            message: format!("Container killed ({command})"),
            limitation: None,
        },
        _ => {
            let finished = matches!(task, Some(Termination::Exited(0)));
            ContainerTermination {
                exit_status,
                state: if finished {
                    TaskState::Finished
                } else {
                    TaskState::Failed
                },
                reason: (!finished).then_some(Reason::CommandExecutorFailed),
                message: command,
                limitation: None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use modkit_ffi::types::ContainerLimitation;

    #[test]
    fn exits_map_to_task_states() {
        let t = describe(&Cause::Exited, Some(Termination::Exited(0)), false);
        assert_eq!(t.state, TaskState::Finished);
        assert_eq!(t.exit_status, Some(0));
        assert_eq!(t.reason, None);
        let t = describe(&Cause::Exited, Some(Termination::Exited(3)), false);
        assert_eq!(t.state, TaskState::Failed);
        assert_eq!(t.message, "Command exited with status 3");
        assert_eq!(t.exit_status, Some(3 << 8));
        let t = describe(&Cause::Exited, Some(Termination::Exited(7)), true);
        assert_eq!(t.state, TaskState::Killed);
    }

    #[test]
    fn limitation_carries_reason_and_message() {
        let limitation = ContainerLimitation::new(
            Default::default(),
            "Memory limit exceeded: Requested: 64MB, Maximum Used: 64MB",
            Reason::ContainerLimitationMemory,
        );
        let t = describe(
            &Cause::Limitation(limitation),
            Some(Termination::Signaled(9)),
            false,
        );
        assert_eq!(t.state, TaskState::Failed);
        assert_eq!(t.reason, Some(Reason::ContainerLimitationMemory));
        assert!(t.message.starts_with("Memory limit exceeded"));
        assert!(t.limitation.is_some());
    }

    #[test]
    fn killed_without_status() {
        let t = describe(&Cause::Killed, None, true);
        assert_eq!(t.state, TaskState::Killed);
        assert_eq!(t.exit_status, None);
    }
}
