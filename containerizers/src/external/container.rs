//! One external container's state, shared by its launch, its `wait` thread, kills and
//! waiters. Every command for a container waits here until its `launch` returned.

use crate::model::{ContainerRequest, ContainerTermination};
use std::path::PathBuf;

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

/// The shared record with this containerizer's state.
pub type Container = crate::container::Container<State>;

impl Container {
    pub fn new(request: ContainerRequest, sandbox: PathBuf, phase: Phase) -> Container {
        Container::with_state(
            request,
            sandbox,
            State {
                phase,
                kill_requested: false,
                wait_pid: None,
                termination: None,
            },
        )
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
    use std::time::Duration;

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
