//! Mesos v1 JSON records: tasks, executors, frameworks, agents, containers and statuses.
//!
//! Field names are the v1 JSON names (`type` is spelled `r#type` in Rust). Unknown fields
//! are ignored on input so newer schedulers and agents keep working; enums are written as
//! Mesos names and read from names or proto numbers.

mod agent;
mod command;
mod container;
mod error;
mod executor;
mod framework;
mod ids;
mod isolation;
mod labels;
mod limitation;
mod linux;
mod statistics;
mod status;
mod task;
mod time;
mod wire_enum;

pub use agent::AgentInfo;
pub use command::{CommandInfo, CommandUri};
pub use container::{
    AppcImage, ContainerInfo, ContainerType, DockerImage, DockerInfo, DockerNetwork,
    DockerPortMapping, Image, ImageType, MesosInfo, Volume, VolumeMode,
};
pub use error::TypesError;
pub use executor::{ExecutorInfo, ExecutorType};
pub use framework::{FrameworkCapability, FrameworkInfo};
pub use ids::{AgentId, ContainerId, ExecutorId, FrameworkId, OfferId, TaskId};
pub use isolation::{
    ContainerClass, ContainerConfig, ContainerLaunchInfo, ContainerMountInfo, ContainerRecoverInfo,
    ContainerState,
};
pub use labels::{Environment, Label, Labels, Parameter, Parameters, Variable, VariableType};
pub use limitation::{ContainerLimitation, TaskResourceLimitation};
pub use linux::{
    CapabilityInfo, IpcMode, LinuxCapability, LinuxInfo, RLimit, RLimitInfo, RLimitType,
};
pub use statistics::ResourceStatistics;
pub use status::{ContainerStatus, Reason, Source, TaskState, TaskStatus};
pub use task::{KillPolicy, TaskInfo};
pub use time::{DurationInfo, TimeInfo};
