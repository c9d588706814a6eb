//! A container's shared record, alike in every containerizer: its request and sandbox, and a
//! state behind a lock that wakes every waiter on each change. Each containerizer brings its
//! own state type (the native one tracks pids and causes, the external one its `wait` program).

use crate::error::{ContainerizerError, Result};
use crate::model::{ContainerRequest, ContainerSummary};
use modkit_ffi::types::ResourceStatistics;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Container<S> {
    pub id: String,
    pub request: ContainerRequest,
    pub sandbox: PathBuf,
    state: Mutex<S>,
    changed: Condvar,
}

impl<S> Container<S> {
    pub fn with_state(request: ContainerRequest, sandbox: PathBuf, state: S) -> Container<S> {
        Container {
            id: request.container_id.clone(),
            request,
            sandbox,
            state: Mutex::new(state),
            changed: Condvar::new(),
        }
    }

    /// Creates the sandbox folder (and its parents); the error names the container and path.
    pub fn create_sandbox(&self) -> Result<()> {
        std::fs::create_dir_all(&self.sandbox).map_err(|source| ContainerizerError::Io {
            id: self.id.clone(),
            what: "create sandbox",
            path: self.sandbox.clone(),
            source,
        })
    }

    /// Its `GET_CONTAINERS` entry; a failed `usage` is logged (naming the container) and the
    /// entry listed without statistics.
    pub fn summary(
        &self,
        pid: Option<i32>,
        usage: Option<Result<ResourceStatistics>>,
    ) -> ContainerSummary {
        ContainerSummary {
            container_id: self.id.clone(),
            pid,
            sandbox: self.sandbox.to_string_lossy().into_owned(),
            resources: self.request.resources.clone(),
            statistics: usage.and_then(|usage| {
                usage
                    .map_err(|e| tracing::warn!(container = %self.id, "{e}"))
                    .ok()
            }),
            labels: self.request.labels.clone(),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, S> {
        // A panic while holding the lock leaves plain data behind; keep going with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes the state and wakes every waiter.
    pub fn update(&self, f: impl FnOnce(&mut S)) {
        let mut state = self.state();
        f(&mut state);
        self.changed.notify_all();
    }

    /// Waits until `done` holds or `timeout` passes; returns whether it holds.
    pub fn wait_until(&self, timeout: Option<Duration>, done: impl Fn(&S) -> bool) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = self.state();
        loop {
            if done(&state) {
                return true;
            }
            match deadline {
                None => state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    state = self
                        .changed
                        .wait_timeout(state, deadline - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn an_update_wakes_a_waiter_and_a_timeout_ends_a_wait() {
        let request = ContainerRequest {
            container_id: "c".into(),
            ..ContainerRequest::default()
        };
        let container = Arc::new(Container::with_state(request, PathBuf::from("/s"), 0u32));
        assert_eq!(container.id, "c");
        assert!(!container.wait_until(Some(Duration::from_millis(10)), |n| *n == 1));
        let waiter = {
            let container = container.clone();
            std::thread::spawn(move || container.wait_until(None, |n| *n == 2))
        };
        container.update(|n| *n = 2);
        assert!(waiter.join().unwrap());
        assert_eq!(*container.state(), 2);
    }

    #[test]
    fn a_summary_lists_the_container_without_statistics_when_usage_failed() {
        let request = ContainerRequest {
            container_id: "c2".into(),
            ..ContainerRequest::default()
        };
        let container = Container::with_state(request, PathBuf::from("/s/c2"), ());
        let listed = container.summary(Some(7), None);
        assert_eq!(
            (
                listed.container_id.as_str(),
                listed.pid,
                listed.sandbox.as_str()
            ),
            ("c2", Some(7), "/s/c2")
        );
        let measured = ResourceStatistics {
            mem_rss_bytes: Some(5),
            ..ResourceStatistics::default()
        };
        let listed = container.summary(None, Some(Ok(measured.clone())));
        assert_eq!(listed.statistics, Some(measured));
        let failed = Err(ContainerizerError::Unknown("c2".into()));
        assert_eq!(container.summary(None, Some(failed)).statistics, None);
    }

    #[test]
    fn a_sandbox_that_cannot_be_created_names_the_container() {
        let dir = std::env::temp_dir().join(format!("modkit-sandbox-{}", std::process::id()));
        std::fs::write(&dir, b"a file, not a folder").unwrap();
        let request = ContainerRequest {
            container_id: "c1".into(),
            ..ContainerRequest::default()
        };
        let container = Container::with_state(request, dir.join("c1"), ());
        let e = container.create_sandbox().unwrap_err().to_string();
        let _ = std::fs::remove_file(&dir);
        assert!(e.contains("c1") && e.contains("create sandbox"), "{e}");
    }
}
