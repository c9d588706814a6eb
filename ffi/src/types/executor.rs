//! Mesos's `ExecutorInfo`: the process that runs a framework's tasks on an agent.

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;
use super::{CommandInfo, ContainerInfo, DurationInfo, ExecutorId, FrameworkId, Labels};
use crate::resources::Resources;

wire_enum! {
    /// Whether the executor is Mesos's default one or the framework's own.
    pub enum ExecutorType {
        Unknown = 0 => "UNKNOWN",
        Default = 1 => "DEFAULT",
        Custom = 2 => "CUSTOM",
    }
}

/// Mesos's `ExecutorInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExecutorInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<ExecutorType>,
    pub executor_id: ExecutorId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework_id: Option<FrameworkId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerInfo>,
    #[serde(default, skip_serializing_if = "Resources::is_empty")]
    pub resources: Resources,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Deprecated by Mesos in favour of labels; still read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Opaque bytes, base64 as in Mesos's JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Mesos's `DiscoveryInfo`, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown_grace_period: Option<DurationInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_and_round_trips_an_executor() {
        let sample = json!({
            "type": "CUSTOM",
            "executor_id": {"value": "exec-1"},
            "framework_id": {"value": "fw-1"},
            "name": "my executor",
            "command": {"value": "./executor", "uris": [{"value": "http://x/executor", "executable": true}]},
            "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}, "role": "*"}],
            "shutdown_grace_period": {"nanoseconds": 1000000000},
            "labels": {"labels": [{"key": "k", "value": "v"}]},
            "unknown": true
        });
        let executor: ExecutorInfo = serde_json::from_value(sample).expect("valid");
        assert_eq!(executor.r#type, Some(ExecutorType::Custom));
        assert_eq!(executor.executor_id.to_string(), "exec-1");
        assert_eq!(executor.resources.to_string(), "cpus:0.1");
        let written = serde_json::to_value(&executor).expect("serializable");
        assert_eq!(written["type"], json!("CUSTOM"));
        let again: ExecutorInfo = serde_json::from_value(written).expect("valid");
        assert_eq!(again, executor);
    }
}
