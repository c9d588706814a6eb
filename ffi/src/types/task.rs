//! Mesos's `TaskInfo`: a task as a framework launches it.

use serde::{Deserialize, Serialize};

use super::{AgentId, CommandInfo, ContainerInfo, DurationInfo, ExecutorInfo, Labels, TaskId};
use crate::resources::Resources;

/// How long to wait between the graceful and the forcible kill.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KillPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_period: Option<DurationInfo>,
}

/// Mesos's `TaskInfo`. Either `executor` or `command` is set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskInfo {
    pub name: String,
    pub task_id: TaskId,
    pub agent_id: AgentId,
    #[serde(default, skip_serializing_if = "Resources::is_empty")]
    pub resources: Resources,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor: Option<ExecutorInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerInfo>,
    /// Mesos's `HealthCheck`, kept as JSON for executors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<serde_json::Value>,
    /// Mesos's `CheckInfo`, kept as JSON for executors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill_policy: Option<KillPolicy>,
    /// Opaque bytes, base64 as in Mesos's JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
    /// Mesos's `DiscoveryInfo`, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_completion_time: Option<DurationInfo>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::Scalar;
    use serde_json::json;

    /// A task as pymesos sends it in an ACCEPT call's LAUNCH operation.
    fn sample() -> serde_json::Value {
        json!({
            "name": "web",
            "task_id": {"value": "web.1"},
            "agent_id": {"value": "0f6c-S1"},
            "resources": [
                {"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.5}, "role": "*"},
                {"name": "mem", "type": "SCALAR", "scalar": {"value": 128}},
                {"name": "ports", "type": "RANGES", "ranges": {"range": [{"begin": 31000, "end": 31000}]},
                 "allocation_info": {"role": "web"}}
            ],
            "command": {"value": "python -m http.server $PORT0", "shell": true},
            "container": {"type": "MESOS",
                          "mesos": {"image": {"type": "DOCKER", "docker": {"name": "python:3"}}}},
            "kill_policy": {"grace_period": {"nanoseconds": 5000000000i64}},
            "health_check": {"type": "HTTP", "http": {"port": 31000, "path": "/"}},
            "labels": {"labels": [{"key": "team", "value": "web"}]},
            "data": "aGVsbG8=",
            "some_future_field": {"x": 1}
        })
    }

    #[test]
    fn reads_a_task_from_a_launch() {
        let task: TaskInfo = serde_json::from_value(sample()).expect("valid");
        assert_eq!(task.task_id, TaskId::new("web.1"));
        assert_eq!(task.resources.scalar("cpus"), Some(Scalar::from_f64(0.5)));
        assert_eq!(
            task.resources.to_string(),
            "cpus:0.5;mem:128;ports:[31000-31000]"
        );
        assert_eq!(task.command.as_ref().map(CommandInfo::is_shell), Some(true));
        assert_eq!(
            task.labels.as_ref().and_then(|l| l.get("team")),
            Some("web")
        );
        assert_eq!(
            task.kill_policy
                .and_then(|k| k.grace_period)
                .map(|g| g.nanoseconds),
            Some(5_000_000_000)
        );
        assert_eq!(task.data.as_deref(), Some("aGVsbG8="));
        assert!(task.health_check.is_some());
    }

    #[test]
    fn round_trips() {
        let task: TaskInfo = serde_json::from_value(sample()).expect("valid");
        let written = serde_json::to_value(&task).expect("serializable");
        assert!(written.get("some_future_field").is_none());
        let again: TaskInfo = serde_json::from_value(written).expect("valid");
        assert_eq!(again, task);
    }

    #[test]
    fn required_fields_are_required() {
        let missing_id = json!({"name": "x", "agent_id": {"value": "a"}});
        assert!(serde_json::from_value::<TaskInfo>(missing_id).is_err());
        let minimal = json!({"name": "x", "task_id": {"value": "t"}, "agent_id": {"value": "a"}});
        let task: TaskInfo = serde_json::from_value(minimal.clone()).expect("valid");
        assert!(task.resources.is_empty());
        assert_eq!(serde_json::to_value(&task).ok(), Some(minimal));
    }
}
