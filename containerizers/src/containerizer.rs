//! What the agent asks of any containerizer, and the composing one that tries each of
//! `--containerizers` in order (per container: the first that can run its `ContainerInfo`).

use crate::error::{ContainerizerError, Result};
use crate::model::{
    ContainerRequest, ContainerSummary, ContainerTermination, RecoverMode, RecoveryReport,
};
use modkit_ffi::resources::Resources;
use modkit_ffi::types::{ContainerStatus, ResourceStatistics};
use std::sync::Arc;
use std::time::Duration;

/// A way of running containers (native isolators, an external program, ...). Blocking calls.
pub trait Containerizer: Send + Sync {
    /// The `--containerizers` name (`mesos`, `external`).
    fn name(&self) -> &str;
    /// Whether this containerizer runs containers of this request's `ContainerInfo` type.
    fn can_launch(&self, request: &ContainerRequest) -> bool;
    fn recover(&self, mode: RecoverMode) -> Result<RecoveryReport>;
    fn launch(&self, request: ContainerRequest) -> Result<()>;
    /// Blocks until the container ends (or `timeout`: `Ok(None)`); ended containers are
    /// remembered for a while. `Unknown` when this containerizer never ran it.
    fn wait(&self, id: &str, timeout: Option<Duration>) -> Result<Option<ContainerTermination>>;
    fn kill(&self, id: &str, signal: i32) -> Result<()>;
    fn destroy(&self, id: &str) -> Result<ContainerTermination>;
    fn update(&self, id: &str, resources: &Resources) -> Result<()>;
    fn usage(&self, id: &str) -> Result<ResourceStatistics>;
    fn status(&self, id: &str) -> Result<ContainerStatus>;
    fn containers(&self, with_usage: bool) -> Vec<ContainerSummary>;
}

/// Tries its members in order: a launch goes to the first that can run the request, every
/// other call to the member that knows the container.
pub struct Composing {
    members: Vec<Arc<dyn Containerizer>>,
}

impl Composing {
    pub fn new(members: Vec<Arc<dyn Containerizer>>) -> Composing {
        Composing { members }
    }

    /// The first member's answer that is not `Unknown`.
    fn route<T>(&self, id: &str, call: impl Fn(&dyn Containerizer) -> Result<T>) -> Result<T> {
        for member in &self.members {
            match call(member.as_ref()) {
                Err(ContainerizerError::Unknown(_)) => continue,
                other => return other,
            }
        }
        Err(ContainerizerError::Unknown(id.to_string()))
    }
}

impl Containerizer for Composing {
    fn name(&self) -> &str {
        "composing"
    }

    fn can_launch(&self, request: &ContainerRequest) -> bool {
        self.members.iter().any(|m| m.can_launch(request))
    }

    fn recover(&self, mode: RecoverMode) -> Result<RecoveryReport> {
        let mut report = RecoveryReport::default();
        for member in &self.members {
            let part = member.recover(mode)?;
            report.adopted.extend(part.adopted);
            report.ended.extend(part.ended);
            report.orphans.extend(part.orphans);
            report.corrupt.extend(part.corrupt);
        }
        Ok(report)
    }

    fn launch(&self, request: ContainerRequest) -> Result<()> {
        let id = request.container_id.clone();
        if self
            .members
            .iter()
            .any(|m| m.wait(&id, Some(Duration::ZERO)).is_ok_and(|t| t.is_none()))
        {
            return Err(ContainerizerError::Exists(id));
        }
        match self.members.iter().find(|m| m.can_launch(&request)) {
            Some(member) => member.launch(request),
            None => Err(ContainerizerError::Unsupported {
                id,
                kind: request
                    .container
                    .as_ref()
                    .map(|c| c.r#type.as_str().to_string())
                    .unwrap_or_else(|| "MESOS".into()),
                tried: self
                    .members
                    .iter()
                    .map(|m| m.name().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    fn wait(&self, id: &str, timeout: Option<Duration>) -> Result<Option<ContainerTermination>> {
        self.route(id, |m| m.wait(id, timeout))
    }

    fn kill(&self, id: &str, signal: i32) -> Result<()> {
        self.route(id, |m| m.kill(id, signal))
    }

    fn destroy(&self, id: &str) -> Result<ContainerTermination> {
        self.route(id, |m| m.destroy(id))
    }

    fn update(&self, id: &str, resources: &Resources) -> Result<()> {
        self.route(id, |m| m.update(id, resources))
    }

    fn usage(&self, id: &str) -> Result<ResourceStatistics> {
        self.route(id, |m| m.usage(id))
    }

    fn status(&self, id: &str) -> Result<ContainerStatus> {
        self.route(id, |m| m.status(id))
    }

    fn containers(&self, with_usage: bool) -> Vec<ContainerSummary> {
        let mut all: Vec<ContainerSummary> = self
            .members
            .iter()
            .flat_map(|m| m.containers(with_usage))
            .collect();
        all.sort_by(|a, b| a.container_id.cmp(&b.container_id));
        all
    }
}
