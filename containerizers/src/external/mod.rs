//! The external containerizer: containers run by a program (`--containerizer_path`) that the
//! agent runs once per command, the message as JSON on stdin and the answer as JSON on stdout.
//! Mesos dropped its own because a hung, crashing or chatty program took the agent down; here
//! every command but `wait` has a deadline (the program's process group is killed at it),
//! answers are bounded, every failure is an error that names the command, the container and
//! the reason, and launched containers are checkpointed so a restarted agent re-adopts them.
//!
//! The protocol (README, "External containerizer protocol"): `version` once at start, then
//! `launch`, `update`, `usage`, `wait`, `destroy`, `containers`, `recover`.

mod container;
mod error;
mod lifecycle;
mod program;
mod protocol;
mod recover;

pub use error::{ErrorAnswer, ProgramError};
pub use program::MAX_STDOUT;
pub use protocol::VERSIONS;

use crate::containers::Containers;
use crate::error::{ContainerizerError, Result};
use crate::model::{
    ContainerRequest, ContainerSummary, ContainerTermination, RecoverMode, RecoveryReport,
};
use crate::native::checkpoint::Store;
use container::{Container, Phase, State};
use modkit_ffi::resources::Resources;
use modkit_ffi::types::{ContainerId, ContainerStatus, ResourceStatistics};
use program::{Invocation, Program, StderrSink};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The checkpointed launch request, under `<work_dir>/meta/external/<id>`.
const REQUEST: &str = "request.json";
const TERMINATION: &str = "termination.json";

#[derive(Clone, Debug)]
pub struct Config {
    /// `--containerizer_path`.
    pub program: PathBuf,
    /// Sandboxes go to `<work_dir>/containers/<id>`, checkpoints to `<work_dir>/meta/external`.
    pub work_dir: PathBuf,
    /// `--external_containerizer_timeout`: the deadline of every command but `wait`.
    pub timeout: Duration,
    /// `--default_container_image`, passed to `launch` as `MODKIT_DEFAULT_CONTAINER_IMAGE`.
    pub default_container_image: Option<String>,
    /// Sent in `launch` as `agent_id`.
    pub agent_id: String,
}

pub struct ExternalContainerizer {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    program: Program,
    store: Store,
    containers: Containers<State>,
}

impl ExternalContainerizer {
    /// Runs the `version` handshake: a program that fails it, or speaks none of our protocol
    /// versions, is refused here, when the agent starts.
    pub fn new(config: Config) -> Result<ExternalContainerizer> {
        let program = Program {
            path: config.program.clone(),
            work_dir: config.work_dir.clone(),
        };
        let store = Store::at(config.work_dir.join("meta").join("external"));
        let inner = Arc::new(Inner {
            config,
            program,
            store,
            containers: Containers::default(),
        });
        let answer = inner.run_agent("version", &protocol::version_message())?;
        let version =
            protocol::check_version(&answer).map_err(|e| inner.agent_error("version", e))?;
        tracing::info!(program = %inner.program.name(), "external containerizer speaks protocol {version}");
        Ok(ExternalContainerizer { inner })
    }
}

impl Inner {
    /// A container whose launch succeeded and that has not ended, else `Unknown`.
    fn running(&self, id: &str) -> Result<Arc<Container>> {
        let container = self
            .containers
            .get(id)
            .ok_or_else(|| ContainerizerError::Unknown(id.to_string()))?;
        match container.launched() {
            Phase::Running => Ok(container),
            _ => Err(ContainerizerError::Unknown(id.to_string())),
        }
    }

    fn sandbox(&self, id: &str) -> PathBuf {
        self.config.work_dir.join("containers").join(id)
    }

    /// Runs a command about container `id`.
    fn run(&self, id: &str, invocation: Invocation<'_>) -> Result<Value> {
        let command = invocation.command;
        self.program
            .run(invocation)
            .map_err(|e| self.error(id, command, e))
    }

    /// A command with the configured deadline; its stderr goes to the sandbox's `stderr`.
    fn call(&self, container: &Container, command: &'static str, input: &Value) -> Result<Value> {
        self.run(
            &container.id,
            invocation(
                command,
                input,
                Some(self.config.timeout),
                Some(&container.sandbox),
            ),
        )
    }

    /// Runs an agent-level command; its stderr goes to the agent's log.
    fn run_agent(&self, command: &'static str, input: &Value) -> Result<Value> {
        self.program
            .run(invocation(command, input, Some(self.config.timeout), None))
            .map_err(|e| self.agent_error(command, e))
    }

    fn error(&self, id: &str, command: &'static str, e: ProgramError) -> ContainerizerError {
        ContainerizerError::External {
            program: self.program.name(),
            command,
            id: id.to_string(),
            reason: e.to_string(),
        }
    }

    fn agent_error(&self, command: &'static str, e: ProgramError) -> ContainerizerError {
        ContainerizerError::ExternalAgent {
            program: self.program.name(),
            command,
            reason: e.to_string(),
        }
    }

    fn usage(&self, container: &Container) -> Result<ResourceStatistics> {
        let answer = self.call(
            container,
            "usage",
            &protocol::container_message(&container.id),
        )?;
        protocol::statistics(&answer).map_err(|e| self.error(&container.id, "usage", e))
    }
}

/// The message as one line of JSON ended by a newline (so `read line` in a shell gets it
/// whole); stderr to the sandbox's `stderr`, or to the agent's log without a sandbox.
fn invocation<'a>(
    command: &'static str,
    input: &Value,
    timeout: Option<Duration>,
    sandbox: Option<&Path>,
) -> Invocation<'a> {
    let mut bytes = input.to_string().into_bytes();
    bytes.push(b'\n');
    Invocation {
        command,
        input: bytes,
        env: Vec::new(),
        timeout,
        stderr: match sandbox {
            Some(dir) => StderrSink::File(dir.join("stderr")),
            None => StderrSink::Log,
        },
        on_start: None,
    }
}

impl crate::Containerizer for ExternalContainerizer {
    fn name(&self) -> &str {
        "external"
    }

    /// Every request: the program decides what it can run (and fails the launch if not), so
    /// `external` belongs last in `--containerizers`.
    fn can_launch(&self, _request: &ContainerRequest) -> bool {
        true
    }

    fn recover(&self, mode: RecoverMode) -> Result<RecoveryReport> {
        self.inner.recover(mode)
    }

    fn launch(&self, request: ContainerRequest) -> Result<()> {
        self.inner.launch(request)
    }

    fn wait(&self, id: &str, timeout: Option<Duration>) -> Result<Option<ContainerTermination>> {
        if let Some(container) = self.inner.containers.get(id) {
            container.wait_until(timeout, |s| {
                s.termination.is_some() || s.phase == Phase::Failed
            });
            let state = container.state();
            if state.phase == Phase::Failed {
                return Err(ContainerizerError::Unknown(id.to_string()));
            }
            return Ok(state.termination.clone());
        }
        self.inner
            .containers
            .ended(id)
            .map(Some)
            .ok_or_else(|| ContainerizerError::Unknown(id.to_string()))
    }

    /// The protocol has no signals: any kill is a `destroy`.
    fn kill(&self, id: &str, signal: i32) -> Result<()> {
        self.inner.kill(id, signal)
    }

    fn destroy(&self, id: &str) -> Result<ContainerTermination> {
        self.inner.destroy(id)
    }

    fn update(&self, id: &str, resources: &Resources) -> Result<()> {
        let container = self.inner.running(id)?;
        self.inner
            .call(
                &container,
                "update",
                &protocol::update_message(id, resources),
            )
            .map(|_| ())
    }

    fn usage(&self, id: &str) -> Result<ResourceStatistics> {
        let container = self.inner.running(id)?;
        self.inner.usage(&container)
    }

    fn status(&self, id: &str) -> Result<ContainerStatus> {
        self.inner.running(id)?;
        Ok(ContainerStatus {
            container_id: Some(ContainerId::new(id)),
            ..ContainerStatus::default()
        })
    }

    fn containers(&self, with_usage: bool) -> Vec<ContainerSummary> {
        self.inner
            .containers
            .sorted()
            .into_iter()
            .filter(|c| c.state().phase == Phase::Running)
            .map(|c| c.summary(None, with_usage.then(|| self.inner.usage(&c))))
            .collect()
    }
}
