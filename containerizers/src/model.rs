//! What a container is asked to be, and how it ended: both checkpointed as JSON.

use modkit_ffi::resources::Resources;
use modkit_ffi::types::{
    CommandInfo, ContainerInfo, ContainerLimitation, Environment, Labels, Reason,
    ResourceStatistics, TaskState,
};
use serde::{Deserialize, Serialize};

/// A `LAUNCH_CONTAINER` call, as the containerizer needs it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerRequest {
    pub container_id: String,
    pub command: CommandInfo,
    #[serde(default)]
    pub resources: Resources,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
    /// Run as this user (only with `--switch_user`); else the command's user, else the agent's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Mesos's `ContainerInfo`: its type picks the containerizer (`--containerizers`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerInfo>,
}

/// The supervisor's pid and its kernel start time, so a recycled pid is never mistaken for
/// the container after a restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PidRecord {
    pub pid: i32,
    pub start_time: u64,
    /// Whether the supervisor is the init of its own pid namespace (killing it kills all).
    pub pid_namespace: bool,
}

/// How a container ended, as `WAIT_CONTAINER` and `modkit execute` report it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContainerTermination {
    /// The task's raw wait status (Mesos's `exit_status`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_status: Option<i32>,
    pub state: TaskState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limitation: Option<ContainerLimitation>,
}

/// One live container as `GET_CONTAINERS` lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContainerSummary {
    pub container_id: String,
    pub pid: Option<i32>,
    pub sandbox: String,
    pub resources: Resources,
    pub statistics: Option<ResourceStatistics>,
    /// The labels it was launched with (after the agent's hooks decorated them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecoverMode {
    /// Re-adopt live containers (Mesos's `--recover=reconnect`).
    Reconnect,
    /// Kill every container found (`--recover=cleanup`).
    Cleanup,
}

/// What recovery did, for the agent's log and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    pub adopted: Vec<String>,
    /// Ended while the agent was down (or killed by `cleanup`), now reaped.
    pub ended: Vec<String>,
    /// Cgroups under the root that no checkpoint named, destroyed.
    pub orphans: Vec<String>,
    /// Unreadable checkpoints: (container id, why); each container was cleaned up.
    pub corrupt: Vec<(String, String)>,
}
