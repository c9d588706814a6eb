//! The messages the driver writes on a program's stdin and the answers it reads back, with
//! Mesos v1 field names. README's "External containerizer protocol" documents each.

use super::error::ProgramError;
use crate::launcher::Termination;
use crate::model::{ContainerRequest, ContainerTermination};
use modkit_ffi::resources::Resources;
use modkit_ffi::types::{
    AgentId, ContainerId, Reason, ResourceStatistics, TaskId, TaskInfo, TaskState, TimeInfo,
};
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::Path;

/// The protocol versions this driver speaks, newest first.
pub const VERSIONS: [&str; 1] = ["0.1.0"];

pub fn version_message() -> Value {
    json!({ "version": VERSIONS[0] })
}

/// The `version` answer: `{"supported_versions": [...]}` must name one of ours.
pub fn check_version(answer: &Value) -> Result<&'static str, ProgramError> {
    #[derive(Deserialize)]
    struct Answer {
        supported_versions: Vec<String>,
    }
    let answer = Answer::deserialize(answer).map_err(|e| {
        ProgramError::Answer(format!(
            "{answer} where {{\"supported_versions\": [...]}} was expected: {e}"
        ))
    })?;
    VERSIONS
        .iter()
        .find(|ours| answer.supported_versions.iter().any(|v| v == *ours))
        .copied()
        .ok_or_else(|| ProgramError::Version {
            supported: answer.supported_versions,
            ours: VERSIONS.iter().map(|v| v.to_string()).collect(),
        })
}

/// `launch`: the container, a TaskInfo built from the request, the sandbox and the user.
pub fn launch_message(request: &ContainerRequest, sandbox: &Path, agent_id: &str) -> Value {
    let mut command = request.command.clone();
    // The call's environment travels the Mesos way, inside the command.
    if let Some(extra) = &request.environment {
        let environment = command.environment.get_or_insert_with(Default::default);
        environment
            .variables
            .extend(extra.variables.iter().cloned());
    }
    let task = TaskInfo {
        name: request.container_id.clone(),
        task_id: TaskId::new(request.container_id.clone()),
        agent_id: AgentId::new(agent_id),
        resources: request.resources.clone(),
        command: Some(command),
        container: request.container.clone(),
        labels: request.labels.clone(),
        ..TaskInfo::default()
    };
    let mut message = json!({
        "container_id": ContainerId::new(request.container_id.clone()),
        "task_info": task,
        "directory": sandbox.to_string_lossy(),
        "agent_id": AgentId::new(agent_id),
    });
    if let Some(user) = &request.user {
        message["user"] = json!(user);
    }
    message
}

/// `wait`, `usage`, `destroy`: the container alone.
pub fn container_message(id: &str) -> Value {
    json!({ "container_id": ContainerId::new(id) })
}

pub fn update_message(id: &str, resources: &Resources) -> Value {
    json!({ "container_id": ContainerId::new(id), "resources": resources })
}

/// `recover`: what the agent checkpointed as running, so the program can rebuild its state.
pub fn recover_message(containers: &[(String, String)]) -> Value {
    let list: Vec<Value> = containers
        .iter()
        .map(|(id, directory)| json!({"container_id": ContainerId::new(id.clone()), "directory": directory}))
        .collect();
    json!({ "containers": list })
}

/// The `wait` answer `{"status": <raw wait status>, "killed": bool, "message": "..."}` as the
/// native containerizer would report it; a kill the agent asked for is `TASK_KILLED`.
pub fn termination(
    answer: &Value,
    kill_requested: bool,
) -> Result<ContainerTermination, ProgramError> {
    #[derive(Deserialize)]
    struct Answer {
        #[serde(default)]
        status: Option<i32>,
        #[serde(default)]
        killed: bool,
        #[serde(default)]
        message: Option<String>,
    }
    let answer = Answer::deserialize(answer).map_err(|e| {
        ProgramError::Answer(format!(
            "{answer} where {{\"status\": N, \"killed\": bool, \"message\": \"...\"}} was expected: {e}"
        ))
    })?;
    let ended = answer.status.map(Termination::from_wait_status);
    let mut message = ended
        .map(|t| format!("Command {}", t.describe()))
        .unwrap_or_else(|| "Command ended; its exit status is unknown".to_string());
    if let Some(extra) = answer.message.filter(|m| !m.is_empty()) {
        message = format!("{message}: {extra}");
    }
    Ok(if answer.killed || kill_requested {
        ContainerTermination {
            exit_status: answer.status,
            state: TaskState::Killed,
            reason: None,
            message: format!("Container killed ({message})"),
            limitation: None,
        }
    } else {
        let finished = ended.is_some_and(|t| t.success());
        ContainerTermination {
            exit_status: answer.status,
            state: if finished {
                TaskState::Finished
            } else {
                TaskState::Failed
            },
            reason: (!finished).then_some(Reason::CommandExecutorFailed),
            message,
            limitation: None,
        }
    })
}

/// A checkpointed container the program no longer lists after a restart.
pub fn lost() -> ContainerTermination {
    ContainerTermination {
        exit_status: None,
        state: TaskState::Failed,
        reason: Some(Reason::ExecutorTerminated),
        message: "container lost: not listed by the external containerizer after restart".into(),
        limitation: None,
    }
}

/// A `wait` that failed: the container's end is unknown.
pub fn wait_failed(reason: String, kill_requested: bool) -> ContainerTermination {
    ContainerTermination {
        exit_status: None,
        state: if kill_requested {
            TaskState::Killed
        } else {
            TaskState::Failed
        },
        reason: (!kill_requested).then_some(Reason::ExecutorTerminated),
        message: reason,
        limitation: None,
    }
}

/// The `usage` answer: Mesos's `ResourceStatistics`; a missing timestamp is now.
pub fn statistics(answer: &Value) -> Result<ResourceStatistics, ProgramError> {
    let mut statistics = ResourceStatistics::deserialize(answer).map_err(|e| {
        ProgramError::Answer(format!(
            "{answer} where ResourceStatistics was expected: {e}"
        ))
    })?;
    if statistics.timestamp == 0.0 {
        statistics.timestamp = TimeInfo::now().nanoseconds as f64 / 1e9;
    }
    Ok(statistics)
}

/// The `containers` answer `{"containers": [{"value": "..."}]}` (an empty answer: none).
pub fn container_ids(answer: &Value) -> Result<Vec<String>, ProgramError> {
    if answer.is_null() {
        return Ok(Vec::new());
    }
    #[derive(Deserialize)]
    struct Answer {
        #[serde(default)]
        containers: Vec<ContainerId>,
    }
    let answer = Answer::deserialize(answer).map_err(|e| {
        ProgramError::Answer(format!(
            "{answer} where {{\"containers\": [{{\"value\": \"...\"}}]}} was expected: {e}"
        ))
    })?;
    Ok(answer.containers.into_iter().map(|c| c.value).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use modkit_ffi::types::{CommandInfo, ContainerInfo, ContainerType, DockerInfo};

    #[test]
    fn version_handshake() {
        assert_eq!(
            check_version(&json!({"supported_versions": ["0.0.9", "0.1.0"]})).unwrap(),
            "0.1.0"
        );
        let e = check_version(&json!({"supported_versions": ["0.0.9"]}))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "supports protocol versions [0.0.9] but this agent speaks [0.1.0]"
        );
        let e = check_version(&json!({"versions": 1}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("supported_versions"), "{e}");
    }

    #[test]
    fn launch_carries_a_task_info() {
        let request = ContainerRequest {
            container_id: "c1".into(),
            command: CommandInfo::shell("sleep 1"),
            resources: "cpus:0.5;mem:64".parse().unwrap(),
            user: Some("nobody".into()),
            container: Some(ContainerInfo {
                r#type: ContainerType::Docker,
                docker: Some(DockerInfo {
                    image: "busybox".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..ContainerRequest::default()
        };
        let m = launch_message(&request, Path::new("/w/containers/c1"), "agent-1");
        assert_eq!(m["container_id"]["value"], "c1");
        assert_eq!(m["directory"], "/w/containers/c1");
        assert_eq!(m["user"], "nobody");
        assert_eq!(m["agent_id"]["value"], "agent-1");
        assert!(m.get("executor_info").is_none());
        let task = &m["task_info"];
        assert_eq!(task["task_id"]["value"], "c1");
        assert_eq!(task["name"], "c1");
        assert_eq!(task["command"]["value"], "sleep 1");
        assert_eq!(task["container"]["type"], "DOCKER");
        assert_eq!(task["container"]["docker"]["image"], "busybox");
        let cpus = task["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "cpus")
            .unwrap();
        assert_eq!(cpus["scalar"]["value"], 0.5);
    }

    #[test]
    fn wait_answers_map_to_task_states() {
        let t = termination(&json!({"status": 0, "killed": false}), false).unwrap();
        assert_eq!(t.state, TaskState::Finished);
        assert_eq!(t.message, "Command exited with status 0");
        let t = termination(&json!({"status": 3 << 8, "message": "oops"}), false).unwrap();
        assert_eq!(t.state, TaskState::Failed);
        assert_eq!(t.exit_status, Some(768));
        assert_eq!(t.message, "Command exited with status 3: oops");
        assert_eq!(t.reason, Some(Reason::CommandExecutorFailed));
        let t = termination(&json!({"status": 9, "killed": true}), false).unwrap();
        assert_eq!(t.state, TaskState::Killed);
        assert!(t.message.contains("killed by signal 9"), "{}", t.message);
        let t = termination(&json!({"status": 0}), true).unwrap();
        assert_eq!(t.state, TaskState::Killed);
        assert!(termination(&json!({"status": "x"}), false).is_err());
    }

    #[test]
    fn usage_and_containers_answers() {
        let s = statistics(&json!({"mem_rss_bytes": 4096, "cpus_limit": 0.5})).unwrap();
        assert_eq!(s.mem_rss_bytes, Some(4096));
        assert!(s.timestamp > 0.0);
        assert!(statistics(&json!({"mem_rss_bytes": "lots"})).is_err());
        assert_eq!(
            container_ids(&json!({"containers": [{"value": "a"}, {"value": "b"}]})).unwrap(),
            ["a", "b"]
        );
        assert!(container_ids(&Value::Null).unwrap().is_empty());
        assert!(container_ids(&json!({"containers": "a"})).is_err());
    }
}
