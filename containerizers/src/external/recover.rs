//! Agent restart: `recover` (told what the agent checkpointed as running), then `containers`.
//! Checkpointed and listed: re-adopted (a new `wait` thread) or, with `--recover=cleanup`,
//! destroyed. Checkpointed but not listed: it ended while the agent was down, end unknown:
//! `TASK_FAILED`, "container lost". Listed but not checkpointed: unknown, so waited on and
//! destroyed.

use super::container::{Container, Phase};
use super::program::kill_group;
use super::{invocation, protocol, Inner, REQUEST, TERMINATION};
use crate::error::Result;
use crate::model::{ContainerRequest, RecoverMode, RecoveryReport};
use crate::native::validate_id;
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::{mpsc, Arc, Mutex};

impl Inner {
    pub(super) fn recover(self: &Arc<Self>, mode: RecoverMode) -> Result<RecoveryReport> {
        let mut report = RecoveryReport::default();
        let ids = self.store.ids()?;
        let running = self.store.unended(
            &ids,
            (TERMINATION, REQUEST, "request"),
            |id, end| self.containers.remember(id, end),
            &mut report.corrupt,
        );

        let believed: Vec<(String, String)> = running
            .iter()
            .map(|r| {
                let sandbox = self.sandbox(&r.container_id);
                (
                    r.container_id.clone(),
                    sandbox.to_string_lossy().into_owned(),
                )
            })
            .collect();
        self.run_agent("recover", &protocol::recover_message(&believed))?;
        let answer = self.run_agent("containers", &json!({}))?;
        let listed: BTreeSet<String> = protocol::container_ids(&answer)
            .map_err(|e| self.agent_error("containers", e))?
            .into_iter()
            .collect();

        let mut adopted = BTreeSet::new();
        for request in running {
            let id = request.container_id.clone();
            if !listed.contains(&id) {
                let container = self.adopt(request);
                self.finish(&container, protocol::lost());
                report.ended.push(id);
                continue;
            }
            adopted.insert(id.clone());
            let container = self.adopt(request);
            self.spawn_wait(container);
            match mode {
                RecoverMode::Reconnect => report.adopted.push(id),
                RecoverMode::Cleanup => {
                    if let Err(e) = self.destroy(&id) {
                        tracing::error!(container = %id, "--recover=cleanup: {e}");
                    }
                    report.ended.push(id);
                }
            }
        }
        for id in listed.iter().filter(|id| !adopted.contains(*id)) {
            self.destroy_unknown(id);
            report.orphans.push(id.clone());
        }
        for (id, _) in &report.corrupt {
            if let Err(e) = self.store.remove(id) {
                tracing::warn!(container = %id, "{e}");
            }
        }
        Ok(report)
    }

    fn adopt(&self, request: ContainerRequest) -> Arc<Container> {
        let id = request.container_id.clone();
        let container = Arc::new(Container::new(request, self.sandbox(&id), Phase::Running));
        self.containers.lock_live().insert(id, container.clone());
        container
    }

    /// A container the program runs but the agent never launched (or cannot read): `wait` on
    /// it, `destroy` it, then reap the `wait` (killed if it outlives the timeout).
    fn destroy_unknown(&self, id: &str) {
        // Its sandbox, if the id is one: the program's stderr goes there, else to the log.
        let sandbox = validate_id(id).ok().map(|()| self.sandbox(id));
        let sandbox = sandbox.filter(|dir| dir.is_dir());
        let wait_pid = Arc::new(Mutex::new(None::<i32>));
        let (done, ended) = mpsc::channel();
        std::thread::scope(|scope| {
            let waiter = {
                let wait_pid = wait_pid.clone();
                let sandbox = sandbox.clone();
                scope.spawn(move || {
                    let record = |pid: i32| {
                        *wait_pid.lock().unwrap_or_else(|e| e.into_inner()) = Some(pid);
                    };
                    let mut wait = invocation(
                        "wait",
                        &protocol::container_message(id),
                        None,
                        sandbox.as_deref(),
                    );
                    wait.on_start = Some(&record);
                    let result = self.run(id, wait);
                    let _ = done.send(());
                    result
                })
            };
            let destroy = invocation(
                "destroy",
                &protocol::container_message(id),
                Some(self.config.timeout),
                sandbox.as_deref(),
            );
            if let Err(e) = self.run(id, destroy) {
                tracing::error!(container = id, "unknown container: {e}");
            }
            let mut timeout = self.config.timeout;
            while ended.recv_timeout(timeout).is_err() {
                tracing::warn!(
                    container = id,
                    "unknown container: wait did not return {timeout:?} after destroy: killing it"
                );
                if let Some(pid) = *wait_pid.lock().unwrap_or_else(|e| e.into_inner()) {
                    kill_group(pid);
                }
                timeout = std::time::Duration::from_secs(1);
            }
            match waiter.join() {
                Ok(Ok(_)) => tracing::info!(container = id, "unknown container destroyed"),
                Ok(Err(e)) => tracing::warn!(container = id, "unknown container: {e}"),
                Err(_) => tracing::error!(container = id, "unknown container: wait panicked"),
            }
        });
    }
}
