//! The v1 operator API (`POST /api/v1`) calls the agent answers, Mesos's JSON field names.
//! Blocking: the HTTP layer runs it on the blocking pool.

use super::state::Agent;
use modkit_containerizers::{ContainerRequest, ContainerizerError};
use modkit_ffi::resources::Resources;
use modkit_ffi::types::{CommandInfo, ContainerId, ContainerInfo, Environment, Labels};
use serde::Deserialize;
use serde_json::{json, Value};

/// An HTTP answer: status code and JSON body (`None`: empty body).
#[derive(Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub error: Option<String>,
}

impl Reply {
    fn ok(body: Value) -> Reply {
        Reply {
            status: 200,
            body: Some(body),
            error: None,
        }
    }

    fn empty(status: u16) -> Reply {
        Reply {
            status,
            body: None,
            error: None,
        }
    }

    pub fn error(status: u16, message: impl Into<String>) -> Reply {
        Reply {
            status,
            body: None,
            error: Some(message.into()),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Call {
    r#type: String,
    #[serde(default)]
    launch_container: Option<LaunchContainer>,
    #[serde(default)]
    wait_container: Option<ContainerRef>,
    #[serde(default)]
    kill_container: Option<KillContainer>,
}

/// Resources as Mesos's JSON array, or (for curl users) the text form `cpus:1;mem:64`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ResourcesInput {
    Text(String),
    Json(Resources),
}

#[derive(Debug, Deserialize)]
struct LaunchContainer {
    container_id: ContainerId,
    #[serde(default)]
    command: Option<CommandInfo>,
    #[serde(default)]
    resources: Option<Value>,
    #[serde(default)]
    container: Option<ContainerInfo>,
    #[serde(default)]
    environment: Option<Environment>,
    #[serde(default)]
    labels: Option<Labels>,
}

#[derive(Debug, Deserialize)]
struct ContainerRef {
    container_id: ContainerId,
}

#[derive(Debug, Deserialize)]
struct KillContainer {
    container_id: ContainerId,
    #[serde(default)]
    signal: Option<i32>,
}

/// Handles one `POST /api/v1` body.
pub fn handle(agent: &Agent, body: &[u8]) -> Reply {
    let call: Call = match serde_json::from_slice(body) {
        Ok(call) => call,
        Err(e) => return Reply::error(400, format!("Failed to parse body into Call: {e}")),
    };
    match call.r#type.as_str() {
        "GET_HEALTH" => Reply::ok(json!({"type": "GET_HEALTH", "get_health": {"healthy": true}})),
        "GET_VERSION" => Reply::ok(
            json!({"type": "GET_VERSION", "get_version": {"version_info": {
            "version": env!("CARGO_PKG_VERSION")}}}),
        ),
        "GET_FLAGS" => {
            Reply::ok(json!({"type": "GET_FLAGS", "get_flags": {"flags": agent.flags_json()}}))
        }
        "GET_AGENT" => {
            Reply::ok(json!({"type": "GET_AGENT", "get_agent": {"agent_info": agent.info}}))
        }
        "GET_STATE" => {
            let state = match agent.link.get() {
                Some(link) => link.state_json(),
                None => json!({"get_tasks": {}, "get_executors": {}, "get_frameworks": {}}),
            };
            Reply::ok(json!({"type": "GET_STATE", "get_state": state}))
        }
        "GET_CONTAINERS" => get_containers(agent),
        "GET_METRICS" => Reply::ok(json!({"type": "GET_METRICS", "get_metrics": {
            "metrics": agent.metrics_snapshot().into_iter()
                .map(|(name, value)| json!({"name": name, "value": value}))
                .collect::<Vec<_>>()}})),
        "LAUNCH_CONTAINER" => match call.launch_container {
            Some(launch) => launch_container(agent, launch),
            None => missing("LAUNCH_CONTAINER", "launch_container"),
        },
        "WAIT_CONTAINER" => match call.wait_container {
            Some(wait) => wait_container(agent, wait),
            None => missing("WAIT_CONTAINER", "wait_container"),
        },
        "KILL_CONTAINER" => match call.kill_container {
            Some(kill) => kill_container(agent, kill),
            None => missing("KILL_CONTAINER", "kill_container"),
        },
        other => Reply::error(
            400,
            format!(
                "Unsupported call type '{other}' (supported: GET_HEALTH, GET_VERSION, GET_FLAGS, \
                 GET_AGENT, GET_STATE, GET_CONTAINERS, GET_METRICS, LAUNCH_CONTAINER, \
                 WAIT_CONTAINER, KILL_CONTAINER)"
            ),
        ),
    }
}

fn missing(call: &str, field: &str) -> Reply {
    Reply::error(
        400,
        format!("Expecting '{field}' to be present in a {call} call"),
    )
}

fn top_level(id: &ContainerId) -> Result<String, Reply> {
    if id.parent.is_some() {
        return Err(Reply::error(
            400,
            format!(
                "container '{}': nested containers are not supported",
                id.value
            ),
        ));
    }
    Ok(id.value.clone())
}

fn launch_container(agent: &Agent, launch: LaunchContainer) -> Reply {
    let id = match top_level(&launch.container_id) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    let Some(command) = launch.command else {
        return Reply::error(400, format!("container '{id}': 'command' is required"));
    };
    let resources = match launch
        .resources
        .map(serde_json::from_value::<ResourcesInput>)
    {
        None => Resources::new(),
        Some(Ok(ResourcesInput::Json(resources))) => resources,
        Some(Ok(ResourcesInput::Text(text))) => match text.parse::<Resources>() {
            Ok(resources) => resources,
            Err(e) => return Reply::error(400, format!("container '{id}': {e}")),
        },
        Some(Err(e)) => {
            return Reply::error(400, format!("container '{id}': invalid 'resources': {e}"))
        }
    };
    let request = ContainerRequest {
        container_id: id,
        user: command.user.clone(),
        command,
        resources,
        environment: launch.environment,
        labels: launch.labels,
        container: launch.container,
    };
    let request = match agent.hooks.decorate_launch(&agent.info, request) {
        Ok(request) => request,
        Err(e) => {
            return Reply::error(
                400,
                format!("container '{}': {e}", launch.container_id.value),
            )
        }
    };
    let (id, labels) = (request.container_id.clone(), request.labels.clone());
    match agent.launch(request) {
        Ok(()) => {
            agent.hooks.launched(&agent.containerizer, &id, labels);
            Reply::empty(200)
        }
        // Mesos answers 202 Accepted for a container id that already exists.
        Err(ContainerizerError::Exists(_)) => Reply::empty(202),
        Err(
            e @ (ContainerizerError::InvalidId { .. }
            | ContainerizerError::EmptyCommand { .. }
            | ContainerizerError::Unsupported { .. }),
        ) => Reply::error(400, e.to_string()),
        Err(e) => Reply::error(500, e.to_string()),
    }
}

fn wait_container(agent: &Agent, wait: ContainerRef) -> Reply {
    let id = match top_level(&wait.container_id) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    match agent.containerizer.wait(&id, None) {
        Ok(Some(t)) => Reply::ok(
            json!({"type": "WAIT_CONTAINER", "wait_container": agent.hooks.wait_answer(&id, &t)}),
        ),
        Ok(None) => Reply::error(
            500,
            format!("container '{id}': wait ended without a termination"),
        ),
        Err(ContainerizerError::Unknown(_)) => {
            Reply::error(404, format!("Container '{id}' cannot be found"))
        }
        Err(e) => Reply::error(500, e.to_string()),
    }
}

fn kill_container(agent: &Agent, kill: KillContainer) -> Reply {
    let id = match top_level(&kill.container_id) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    let signal = kill.signal.unwrap_or(libc::SIGKILL);
    if !(1..=64).contains(&signal) {
        return Reply::error(
            400,
            format!("container '{id}': signal {signal} is not a valid signal"),
        );
    }
    match agent.containerizer.kill(&id, signal) {
        Ok(()) => Reply::empty(200),
        Err(ContainerizerError::Unknown(_)) => {
            Reply::error(404, format!("Container '{id}' cannot be found"))
        }
        Err(e) => Reply::error(500, e.to_string()),
    }
}

fn get_containers(agent: &Agent) -> Reply {
    let containers: Vec<Value> = agent
        .containerizer
        .containers(true)
        .into_iter()
        .map(|c| {
            let status = agent.containerizer.status(&c.container_id).ok();
            json!({
                "container_id": {"value": c.container_id},
                "container_status": status,
                "resource_statistics": c.statistics,
                "resources": c.resources,
                "sandbox": c.sandbox,
                "labels": c.labels,
            })
        })
        .collect();
    Reply::ok(json!({"type": "GET_CONTAINERS", "get_containers": {"containers": containers}}))
}
