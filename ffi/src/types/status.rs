//! Task state updates: `TaskStatus` with its state, source and reason.

use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;
use super::{AgentId, ContainerId, ExecutorId, Labels, TaskId, TaskResourceLimitation, TimeInfo};

wire_enum! {
    /// Mesos's `TaskState`.
    #[derive(Default)]
    pub enum TaskState {
        #[default]
        Staging = 6 => "TASK_STAGING",
        Starting = 0 => "TASK_STARTING",
        Running = 1 => "TASK_RUNNING",
        Killing = 8 => "TASK_KILLING",
        Finished = 2 => "TASK_FINISHED",
        Failed = 3 => "TASK_FAILED",
        Killed = 4 => "TASK_KILLED",
        Error = 7 => "TASK_ERROR",
        Lost = 5 => "TASK_LOST",
        Dropped = 9 => "TASK_DROPPED",
        Unreachable = 10 => "TASK_UNREACHABLE",
        Gone = 11 => "TASK_GONE",
        GoneByOperator = 12 => "TASK_GONE_BY_OPERATOR",
        Unknown = 13 => "TASK_UNKNOWN",
    }
}

impl TaskState {
    /// Whether the task is over and its resources can be reused; the same list as Mesos's
    /// agent uses (which counts `TASK_LOST` as terminal).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskState::Finished
                | TaskState::Failed
                | TaskState::Killed
                | TaskState::Error
                | TaskState::Lost
                | TaskState::Dropped
                | TaskState::Gone
                | TaskState::GoneByOperator
        )
    }
}

wire_enum! {
    /// Who sent a status update.
    pub enum Source {
        Master = 0 => "SOURCE_MASTER",
        Agent = 1 => "SOURCE_AGENT" | "SOURCE_SLAVE",
        Executor = 2 => "SOURCE_EXECUTOR",
    }
}

wire_enum! {
    /// Why a status update was sent (Mesos's `TaskStatus.Reason`, with its proto numbers).
    /// Input also accepts the pre-1.0 `REASON_SLAVE_*` names.
    pub enum Reason {
        CommandExecutorFailed = 0 => "REASON_COMMAND_EXECUTOR_FAILED",
        ContainerLaunchFailed = 21 => "REASON_CONTAINER_LAUNCH_FAILED",
        ContainerLimitation = 19 => "REASON_CONTAINER_LIMITATION",
        ContainerLimitationDisk = 20 => "REASON_CONTAINER_LIMITATION_DISK",
        ContainerLimitationMemory = 8 => "REASON_CONTAINER_LIMITATION_MEMORY",
        ContainerPreempted = 17 => "REASON_CONTAINER_PREEMPTED",
        ContainerUpdateFailed = 22 => "REASON_CONTAINER_UPDATE_FAILED",
        MaxCompletionTimeReached = 33 => "REASON_MAX_COMPLETION_TIME_REACHED",
        ExecutorRegistrationTimeout = 23 => "REASON_EXECUTOR_REGISTRATION_TIMEOUT",
        ExecutorReregistrationTimeout = 24 => "REASON_EXECUTOR_REREGISTRATION_TIMEOUT",
        ExecutorTerminated = 1 => "REASON_EXECUTOR_TERMINATED",
        ExecutorUnregistered = 2 => "REASON_EXECUTOR_UNREGISTERED",
        FrameworkRemoved = 3 => "REASON_FRAMEWORK_REMOVED",
        GcError = 4 => "REASON_GC_ERROR",
        InvalidFrameworkId = 5 => "REASON_INVALID_FRAMEWORKID",
        InvalidOffers = 6 => "REASON_INVALID_OFFERS",
        IoSwitchboardExited = 27 => "REASON_IO_SWITCHBOARD_EXITED",
        MasterDisconnected = 7 => "REASON_MASTER_DISCONNECTED",
        Reconciliation = 9 => "REASON_RECONCILIATION",
        ResourcesUnknown = 18 => "REASON_RESOURCES_UNKNOWN",
        AgentDisconnected = 10 => "REASON_AGENT_DISCONNECTED" | "REASON_SLAVE_DISCONNECTED",
        AgentDraining = 34 => "REASON_AGENT_DRAINING",
        AgentRemoved = 11 => "REASON_AGENT_REMOVED" | "REASON_SLAVE_REMOVED",
        AgentRemovedByOperator = 31 => "REASON_AGENT_REMOVED_BY_OPERATOR",
        AgentReregistered = 32 => "REASON_AGENT_REREGISTERED",
        AgentRestarted = 12 => "REASON_AGENT_RESTARTED" | "REASON_SLAVE_RESTARTED",
        AgentUnknown = 13 => "REASON_AGENT_UNKNOWN" | "REASON_SLAVE_UNKNOWN",
        TaskKilledDuringLaunch = 30 => "REASON_TASK_KILLED_DURING_LAUNCH",
        TaskCheckStatusUpdated = 28 => "REASON_TASK_CHECK_STATUS_UPDATED",
        TaskHealthCheckStatusUpdated = 29 => "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED",
        TaskGroupInvalid = 25 => "REASON_TASK_GROUP_INVALID",
        TaskGroupUnauthorized = 26 => "REASON_TASK_GROUP_UNAUTHORIZED",
        TaskInvalid = 14 => "REASON_TASK_INVALID",
        TaskUnauthorized = 15 => "REASON_TASK_UNAUTHORIZED",
        TaskUnknown = 16 => "REASON_TASK_UNKNOWN",
    }
}

/// Mesos's `ContainerStatus`: what the agent learnt while setting the container up.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_id: Option<ContainerId>,
    /// Mesos's `NetworkInfo` list (IP addresses), kept as JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub network_infos: Vec<serde_json::Value>,
    /// Mesos's `CgroupInfo`, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgroup_info: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_pid: Option<u32>,
}

/// Mesos's `TaskStatus`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskStatus {
    pub task_id: TaskId,
    pub state: TaskState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// Opaque bytes, base64 as in Mesos's JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_id: Option<ExecutorId>,
    /// Seconds since the epoch; 0 when the sender did not set it.
    #[serde(default)]
    pub timestamp: f64,
    /// The update's id for acknowledgements, base64 as in Mesos's JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthy: Option<bool>,
    /// Mesos's `CheckStatusInfo`, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_status: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_status: Option<ContainerStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreachable_time: Option<TimeInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limitation: Option<TaskResourceLimitation>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn state_names_codes_and_terminality() {
        let expected = [
            ("TASK_STAGING", 6, false),
            ("TASK_STARTING", 0, false),
            ("TASK_RUNNING", 1, false),
            ("TASK_KILLING", 8, false),
            ("TASK_FINISHED", 2, true),
            ("TASK_FAILED", 3, true),
            ("TASK_KILLED", 4, true),
            ("TASK_ERROR", 7, true),
            ("TASK_LOST", 5, true),
            ("TASK_DROPPED", 9, true),
            ("TASK_UNREACHABLE", 10, false),
            ("TASK_GONE", 11, true),
            ("TASK_GONE_BY_OPERATOR", 12, true),
            ("TASK_UNKNOWN", 13, false),
        ];
        assert_eq!(TaskState::ALL.len(), expected.len());
        for (name, code, terminal) in expected {
            let state: TaskState = name.parse().expect("known state");
            assert_eq!(state.as_str(), name);
            assert_eq!(state.code(), code);
            assert_eq!(TaskState::from_code(code), Some(state));
            assert_eq!(state.is_terminal(), terminal, "{name}");
            assert_eq!(serde_json::to_value(state).ok(), Some(json!(name)));
        }
        assert_eq!(
            "TASK_BOGUS".parse::<TaskState>().map_err(|e| e.to_string()),
            Err("unknown TaskState 'TASK_BOGUS'".to_string())
        );
        assert_eq!(TaskState::default(), TaskState::Staging);
    }

    #[test]
    fn reason_names_and_codes() {
        assert_eq!(Reason::ContainerLimitation.code(), 19);
        assert_eq!(Reason::ContainerLimitationDisk.code(), 20);
        assert_eq!(Reason::ContainerLimitationMemory.code(), 8);
        assert_eq!(
            Reason::ContainerLimitationMemory.as_str(),
            "REASON_CONTAINER_LIMITATION_MEMORY"
        );
        assert_eq!(Reason::CommandExecutorFailed.code(), 0);
        assert_eq!(Reason::TaskKilledDuringLaunch.code(), 30);
        assert_eq!(Reason::AgentDraining.code(), 34);
        for reason in Reason::ALL {
            assert_eq!(Reason::from_code(reason.code()), Some(*reason));
            assert_eq!(Reason::from_name(reason.as_str()), Some(*reason));
        }
        assert_eq!(
            Reason::from_name("REASON_SLAVE_REMOVED"),
            Some(Reason::AgentRemoved)
        );
        assert_eq!(Reason::AgentRemoved.as_str(), "REASON_AGENT_REMOVED");
        assert_eq!(Reason::from_code(99), None);
        assert_eq!(Source::from_name("SOURCE_SLAVE"), Some(Source::Agent));
    }

    #[test]
    fn reads_an_update_event_status() {
        let sample = json!({
            "task_id": {"value": "web.1"},
            "state": "TASK_FAILED",
            "message": "Memory limit exceeded: Requested: 128MB, Maximum Used: 129MB",
            "source": "SOURCE_AGENT",
            "reason": "REASON_CONTAINER_LIMITATION_MEMORY",
            "agent_id": {"value": "0f6c-S1"},
            "executor_id": {"value": "web.1"},
            "timestamp": 1714000000.123,
            "uuid": "ZGVhZGJlZWZkZWFkYmVlZg==",
            "container_status": {
                "container_id": {"value": "8a3c"},
                "network_infos": [{"ip_addresses": [{"ip_address": "10.0.0.7"}]}],
                "executor_pid": 4242
            },
            "limitation": {"resources": [{"name": "mem", "type": "SCALAR", "scalar": {"value": 128}}]},
            "labels": {"labels": [{"key": "k", "value": "v"}]},
            "brand_new_field": 7
        });
        let status: TaskStatus = serde_json::from_value(sample).expect("valid");
        assert_eq!(status.state, TaskState::Failed);
        assert!(status.state.is_terminal());
        assert_eq!(status.source, Some(Source::Agent));
        assert_eq!(status.reason, Some(Reason::ContainerLimitationMemory));
        assert_eq!(status.timestamp, 1714000000.123);
        let container = status.container_status.clone().unwrap_or_default();
        assert_eq!(container.executor_pid, Some(4242));
        assert_eq!(container.container_id, Some(ContainerId::new("8a3c")));
        assert_eq!(
            status.limitation.as_ref().map(|l| l.resources.to_string()),
            Some("mem:128".to_string())
        );
        let again: TaskStatus =
            serde_json::from_value(serde_json::to_value(&status).expect("serializable"))
                .expect("valid");
        assert_eq!(again, status);
    }

    #[test]
    fn enums_read_numbers_and_reject_unknown_names() {
        let status: TaskStatus = serde_json::from_value(json!({
            "task_id": {"value": "t"}, "state": 1, "reason": 19, "source": 2
        }))
        .expect("valid");
        assert_eq!(status.state, TaskState::Running);
        assert_eq!(status.reason, Some(Reason::ContainerLimitation));
        assert_eq!(status.source, Some(Source::Executor));
        let bad = serde_json::from_value::<TaskStatus>(
            json!({"task_id": {"value": "t"}, "state": "TASK_BOGUS"}),
        );
        assert!(bad.is_err_and(|e| e.to_string().contains("unknown TaskState 'TASK_BOGUS'")));
        let bad_code =
            serde_json::from_value::<TaskStatus>(json!({"task_id": {"value": "t"}, "state": 77}));
        assert!(bad_code.is_err_and(|e| e.to_string().contains("unknown TaskState code 77")));
        let written = serde_json::to_value(&status).expect("serializable");
        assert_eq!(written["state"], json!("TASK_RUNNING"));
        assert_eq!(written["reason"], json!("REASON_CONTAINER_LIMITATION"));
    }
}
