//! One external container's state, shared by its launch, its `wait` thread, kills and
//! waiters. Every command for a container waits here until its `launch` returned.

use crate::model::{ContainerRequest, ContainerTermination};
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// `launch` is running: other commands wait.
    Launching,
    Running,
    /// `launch` failed; the container never existed.
    Failed,
    Ended,
}

#[derive(Debug)]
pub struct State {
    pub phase: Phase,
    /// The agent asked for it to go: its end is `TASK_KILLED`.
    pub kill_requested: bool,
    /// The running `wait` program (its process group), killed if it outlives a destroy.
    pub wait_pid: Option<i32>,
    pub termination: Option<ContainerTermination>,
}

#[derive(Debug)]
pub struct Container {
    pub id: String,
    pub request: ContainerRequest,
    pub sandbox: PathBuf,
    state: Mutex<State>,
    changed: Condvar,
}

impl Container {
    pub fn new(request: ContainerRequest, sandbox: PathBuf, phase: Phase) -> Container {
        Container {
            id: request.container_id.clone(),
            request,
            sandbox,
            state: Mutex::new(State {
                phase,
                kill_requested: false,
                wait_pid: None,
                termination: None,
            }),
            changed: Condvar::new(),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep going with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes the state and wakes every waiter.
    pub fn update(&self, f: impl FnOnce(&mut State)) {
        let mut state = self.state();
        f(&mut state);
        self.changed.notify_all();
    }

    /// Waits until `done` holds or `timeout` passes; returns whether it holds.
    pub fn wait_until(&self, timeout: Option<Duration>, done: impl Fn(&State) -> bool) -> bool {
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

    /// Blocks until the launch returned; the phase then.
    pub fn launched(&self) -> Phase {
        self.wait_until(None, |s| s.phase != Phase::Launching);
        self.state().phase
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn commands_wait_for_the_launch() {
        let request = ContainerRequest {
            container_id: "c".into(),
            ..ContainerRequest::default()
        };
        let container = Arc::new(Container::new(
            request,
            PathBuf::from("/s"),
            Phase::Launching,
        ));
        let waiter = {
            let container = container.clone();
            std::thread::spawn(move || container.launched())
        };
        assert!(
            !container.wait_until(Some(Duration::from_millis(10)), |s| s.phase
                == Phase::Running)
        );
        container.update(|s| s.phase = Phase::Running);
        assert_eq!(waiter.join().unwrap(), Phase::Running);
    }
}
