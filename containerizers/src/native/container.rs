//! One container's live state, shared by the launch, its reaper thread, limitation sinks,
//! kill requests and waiters.

use super::model::{ContainerRequest, ContainerTermination, PidRecord};
use modkit_ffi::types::ContainerLimitation;
use std::path::PathBuf;

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

/// The shared record with this containerizer's state.
pub type Container = crate::container::Container<State>;

impl Container {
    pub fn new(request: ContainerRequest, sandbox: PathBuf, phase: Phase) -> Container {
        Container::with_state(
            request,
            sandbox,
            State {
                phase,
                pid: None,
                supervisor_exit: None,
                cause: None,
                kill_requested: false,
                limitation: None,
                termination: None,
            },
        )
    }

    pub fn pid(&self) -> Option<i32> {
        self.state().pid.map(|p| p.pid)
    }
}
