//! One container's live state, shared by the launch, its reaper thread, limitation sinks,
//! kill requests and waiters.

use super::model::{ContainerRequest, ContainerTermination, PidRecord};
use modkit_ffi::types::ContainerLimitation;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Launching,
    Running,
    Destroying,
    Terminated,
}

/// Why a container is being destroyed; decides the task state reported.
#[derive(Clone, Debug)]
pub enum Cause {
    /// Its process ended by itself.
    Exited,
    /// An isolator raised a limitation.
    Limitation(ContainerLimitation),
    /// An operator or framework asked for it.
    Killed,
    /// `--recover=cleanup`, or a container whose launch an agent restart interrupted.
    Recovery(String),
}

#[derive(Debug)]
pub struct State {
    pub phase: Phase,
    pub pid: Option<PidRecord>,
    /// The supervisor's raw wait status once it has ended (`Some(None)`: ended, status unknown,
    /// e.g. not our child).
    pub supervisor_exit: Option<Option<i32>>,
    pub cause: Option<Cause>,
    /// A kill was requested: the end is `TASK_KILLED` whatever the exit status.
    pub kill_requested: bool,
    /// The first limitation an isolator raised.
    pub limitation: Option<ContainerLimitation>,
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
                pid: None,
                supervisor_exit: None,
                cause: None,
                kill_requested: false,
                limitation: None,
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
                None => {
                    state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
                }
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

    pub fn pid(&self) -> Option<i32> {
        self.state().pid.map(|p| p.pid)
    }
}
