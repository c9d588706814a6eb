//! A container's life: checkpoint and `launch`; one `wait` per container on its own thread,
//! then `destroy` so the program releases what the container held; kills are `destroy`s.

use super::container::{Container, Phase};
use super::program::kill_group;
use super::{invocation, protocol, Inner, REQUEST, TERMINATION};
use crate::error::{ContainerizerError, Result};
use crate::model::{ContainerRequest, ContainerTermination};
use crate::native::validate_id;
use std::sync::Arc;
use std::time::Duration;

impl Inner {
    pub(super) fn launch(self: &Arc<Self>, request: ContainerRequest) -> Result<()> {
        let id = request.container_id.clone();
        validate_id(&id)?;
        let container = Arc::new(Container::new(request, self.sandbox(&id), Phase::Launching));
        {
            let mut live = self.containers.lock_live();
            if live.contains_key(&id) {
                return Err(ContainerizerError::Exists(id));
            }
            live.insert(id.clone(), container.clone());
        }
        match self.start(&container) {
            Ok(()) => {
                container.update(|s| s.phase = Phase::Running);
                self.spawn_wait(container);
                Ok(())
            }
            Err(e) => {
                self.unwind_failed_launch(&container);
                Err(e)
            }
        }
    }

    fn start(&self, container: &Container) -> Result<()> {
        let id = container.id.as_str();
        container.create_sandbox()?;
        let meta = self.store.create(id)?;
        // The end of an earlier container of the same id must not be read as ours.
        let _ = std::fs::remove_file(meta.join(TERMINATION));
        // Before the launch: an agent killed during it finds the container on restart.
        self.store.write(id, REQUEST, &container.request)?;
        let mut launch = invocation(
            "launch",
            &protocol::launch_message(
                &container.request,
                &container.sandbox,
                &self.config.agent_id,
            ),
            Some(self.config.timeout),
            Some(&container.sandbox),
        );
        if let Some(image) = &self.config.default_container_image {
            launch
                .env
                .push(("MODKIT_DEFAULT_CONTAINER_IMAGE", image.clone()));
        }
        self.run(id, launch).map(|_| ())
    }

    /// Whatever the program started before it failed must not outlive the failed launch:
    /// `destroy` (best effort), then forget the container. The sandbox stays, with its logs.
    fn unwind_failed_launch(&self, container: &Arc<Container>) {
        let id = container.id.as_str();
        if let Err(e) = self.call(container, "destroy", &protocol::container_message(id)) {
            tracing::warn!(container = id, "after a failed launch: {e}");
        }
        if let Err(e) = self.store.remove(id) {
            tracing::warn!(container = id, "{e}");
        }
        self.forget(container);
        container.update(|s| s.phase = Phase::Failed);
    }

    /// Starts the thread that runs the container's `wait` and records its end.
    pub(super) fn spawn_wait(self: &Arc<Self>, container: Arc<Container>) {
        let inner = self.clone();
        let target = container.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("external-wait-{}", container.id))
            .spawn(move || inner.watch(&target));
        if let Err(e) = spawned {
            let why = format!("cannot start the thread that waits for the container: {e}");
            tracing::error!(container = %container.id, "{why}");
            self.finish(&container, protocol::wait_failed(why, false));
        }
    }

    fn watch(&self, container: &Arc<Container>) {
        let id = container.id.as_str();
        let mut wait = invocation(
            "wait",
            &protocol::container_message(id),
            None,
            Some(&container.sandbox),
        );
        let record = |pid: i32| container.update(|s| s.wait_pid = Some(pid));
        wait.on_start = Some(&record);
        let answer = self.run(id, wait);
        container.update(|s| s.wait_pid = None);
        let kill_requested = container.state().kill_requested;
        let termination = answer.and_then(|answer| {
            protocol::termination(&answer, kill_requested).map_err(|e| self.error(id, "wait", e))
        });
        let termination = match termination {
            Ok(termination) => termination,
            Err(e) => protocol::wait_failed(e.to_string(), kill_requested),
        };
        // A kill already ran `destroy`.
        if !kill_requested {
            if let Err(e) = self.call(container, "destroy", &protocol::container_message(id)) {
                tracing::warn!(container = id, "after the container ended: {e}");
            }
        }
        self.finish(container, termination);
    }

    /// Records how the container ended: checkpointed, remembered, no longer live.
    pub(super) fn finish(&self, container: &Arc<Container>, termination: ContainerTermination) {
        let id = container.id.as_str();
        if let Err(e) = self.store.write_volatile(id, TERMINATION, &termination) {
            tracing::error!(container = id, "{e}");
        }
        self.containers.remember(id, termination.clone());
        self.forget(container);
        container.update(|s| {
            s.phase = Phase::Ended;
            s.termination = Some(termination);
        });
    }

    fn forget(&self, container: &Arc<Container>) {
        let mut live = self.containers.lock_live();
        if live
            .get(&container.id)
            .is_some_and(|held| Arc::ptr_eq(held, container))
        {
            live.remove(&container.id);
        }
    }

    /// `destroy`: the protocol has no signals. The end arrives through the `wait` thread.
    pub(super) fn kill(&self, id: &str, signal: i32) -> Result<()> {
        let container = self.running(id)?;
        self.kill_container(&container, signal)
    }

    fn kill_container(&self, container: &Container, signal: i32) -> Result<()> {
        let id = container.id.as_str();
        if signal != libc::SIGKILL {
            tracing::info!(
                container = id,
                "signal {signal}: the external containerizer protocol has no signals; destroying"
            );
        }
        container.update(|s| s.kill_requested = true);
        if container.state().termination.is_some() {
            return Ok(());
        }
        self.call(container, "destroy", &protocol::container_message(id))
            .map(|_| ())
    }

    /// `destroy`, then the container's end. A `wait` that does not return within the timeout
    /// after a successful `destroy` is killed (the end is then `TASK_KILLED`).
    pub(super) fn destroy(&self, id: &str) -> Result<ContainerTermination> {
        let container = self.running(id)?;
        self.kill_container(&container, libc::SIGKILL)?;
        let ended = |s: &super::container::State| s.termination.is_some();
        if !container.wait_until(Some(self.config.timeout), ended) {
            tracing::warn!(
                container = id,
                "wait did not return {:?} after destroy: killing it",
                self.config.timeout
            );
            while !container.wait_until(Some(Duration::from_secs(1)), ended) {
                if let Some(pid) = container.state().wait_pid {
                    kill_group(pid);
                }
            }
        }
        let termination = container.state().termination.clone();
        termination.ok_or_else(|| ContainerizerError::Unknown(id.to_string()))
    }
}
