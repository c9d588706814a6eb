//! `modkit execute --master`: a one-task framework over the v1 scheduler API. It subscribes,
//! waits for an offer that fits, launches, prints and acknowledges each status update, tears
//! itself down and exits with the task's status.

use super::ExecuteArgs;
use crate::scheduler::{Connection, Event, Offer, Scheduler, SchedulerError};
use clap::Args;
use modkit_ffi::resources::Resources;
use modkit_ffi::types::{TaskState, TaskStatus};
use serde_json::{json, Value};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

/// The framework side of `modkit execute --master`.
#[derive(Args, Debug)]
pub struct FrameworkArgs {
    /// Run through this master's scheduler API (HOST:PORT) as a one-task framework.
    #[arg(long = "master", env = "MODKIT_MASTER")]
    pub master: Option<String>,
    /// With --master: the role the framework subscribes in.
    #[arg(
        long = "role",
        env = "MODKIT_ROLE",
        default_value = "*",
        requires = "master"
    )]
    pub role: String,
    /// With --master: the principal to authenticate as (HTTP Basic) and to name in FrameworkInfo.
    #[arg(long = "principal", env = "MODKIT_PRINCIPAL", requires = "master")]
    pub principal: Option<String>,
    /// With --master: the principal's secret.
    #[arg(
        long = "secret",
        env = "MODKIT_SECRET",
        requires = "principal",
        hide_env_values = true
    )]
    pub secret: Option<String>,
    /// With --master: the user the task runs as (FrameworkInfo.user; default: $USER, else root).
    #[arg(long = "user", env = "MODKIT_USER", requires = "master")]
    pub user: Option<String>,
    /// With --master: the task's environment as a JSON object, as mesos-execute takes it,
    /// e.g. '{"TEAM": "web"}'.
    #[arg(long = "env", env = "MODKIT_ENV", requires = "master")]
    pub env: Option<String>,
    /// With --master: how long to wait for the master and for an offer that fits (a Mesos
    /// duration such as 30secs).
    #[arg(
        long = "timeout",
        env = "MODKIT_TIMEOUT",
        default_value = "60secs",
        requires = "master"
    )]
    pub timeout: String,
}

#[derive(Debug, thiserror::Error)]
pub enum FrameworkError {
    #[error("--timeout: {0}")]
    Timeout(String),
    #[error("--env: {0}")]
    Env(String),
    #[error("{0}")]
    Scheduler(#[from] SchedulerError),
    #[error("master {master}: no offer fitting {wanted} within {waited:?} ({seen})")]
    NoOffer {
        master: String,
        wanted: String,
        waited: Duration,
        seen: String,
    },
    #[error("master {master} sent ERROR: {message}")]
    MasterError { master: String, message: String },
    #[error("master {master} closed the event stream{why}")]
    Closed { master: String, why: String },
}

/// Runs `args.command` as task `task`; returns the exit status.
pub fn run(
    master: &str,
    args: &ExecuteArgs,
    task: &str,
    wanted: Resources,
) -> Result<i32, FrameworkError> {
    let f = &args.framework;
    let timeout = crate::flags::parse_duration(&f.timeout)
        .map_err(|e| FrameworkError::Timeout(e.to_string()))?;
    let environment = environment(f.env.as_deref())?;
    let user = f
        .user
        .clone()
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "root".to_string());
    let mut framework_info = json!({
        "user": user,
        "name": format!("modkit-execute ({task})"),
        "roles": [f.role],
        "capabilities": [{"type": "MULTI_ROLE"}],
    });
    if let Some(principal) = &f.principal {
        framework_info["principal"] = json!(principal);
    }
    let mut connection = Connection::new(master);
    connection.timeout = timeout.min(Duration::from_secs(30));
    connection.credentials = f
        .principal
        .clone()
        .map(|p| (p, f.secret.clone().unwrap_or_default()));
    // Blocked before any thread starts (the event reader too), so that only the sigwait
    // thread below takes SIGINT/SIGTERM.
    let signals = super::block_termination_signals();
    let (scheduler, events) = Scheduler::subscribe(connection, framework_info, timeout)?;
    println!(
        "subscribed to master {master} as framework {} (role {})",
        scheduler.framework_id(),
        f.role
    );

    // Ctrl-C and SIGTERM kill the task; its terminal update still ends the run.
    if let Some(set) = signals {
        let killer = scheduler.clone();
        let id = task.to_string();
        std::thread::spawn(move || {
            let mut signal = 0;
            // SAFETY: `set` is an initialised signal set and `signal` a valid out-pointer.
            while unsafe { libc::sigwait(&set, &mut signal) } == 0 {
                eprintln!("received signal {signal}: killing task {id}");
                let _ = killer.kill(&id, None);
            }
        });
    }

    let deadline = Instant::now() + timeout;
    let mut launched = false;
    let mut largest_seen: Option<Resources> = None;
    let status = loop {
        let wait = if launched {
            Duration::from_secs(3600)
        } else {
            deadline.saturating_duration_since(Instant::now())
        };
        let event = match events.recv_timeout(wait) {
            Ok((event, _)) => event,
            Err(RecvTimeoutError::Timeout) if launched => continue,
            Err(RecvTimeoutError::Timeout) => {
                let _ = scheduler.teardown();
                return Err(FrameworkError::NoOffer {
                    master: master.to_string(),
                    wanted: wanted.to_string(),
                    waited: timeout,
                    seen: match largest_seen {
                        Some(r) => format!("largest offer: {r}"),
                        None => "no offers at all".to_string(),
                    },
                });
            }
            Err(RecvTimeoutError::Disconnected) => Event::Closed(None),
        };
        match event {
            Event::Offers(offers) => {
                let mut decline: Vec<&str> = Vec::new();
                for offer in &offers {
                    if !launched && offer.resources.contains(&wanted) {
                        scheduler.launch(
                            &[&offer.id],
                            vec![task_info(task, args, &wanted, offer, &environment)],
                            Some(3600.0),
                        )?;
                        launched = true;
                        println!(
                            "task {task}: TASK_STAGING (offer {} on agent {} {})",
                            offer.id, offer.agent_id, offer.hostname
                        );
                    } else {
                        if !launched && bigger(&offer.resources, largest_seen.as_ref()) {
                            largest_seen = Some(offer.resources.clone());
                        }
                        decline.push(&offer.id);
                    }
                }
                if !decline.is_empty() {
                    // Offers that do not fit now may after other tasks end: ask again soon.
                    let refuse = if launched { 3600.0 } else { 1.0 };
                    scheduler.decline(&decline, Some(refuse))?;
                }
            }
            Event::Update(status) => {
                if status.task_id.as_str() != task {
                    continue;
                }
                print_status(task, &status);
                if let (Some(uuid), Some(agent)) = (&status.uuid, &status.agent_id) {
                    scheduler.acknowledge(agent.as_str(), task, uuid)?;
                }
                if status.state.is_terminal() {
                    break status;
                }
            }
            Event::Error { message } => {
                return Err(FrameworkError::MasterError {
                    master: master.to_string(),
                    message,
                })
            }
            Event::Closed(why) => {
                return Err(FrameworkError::Closed {
                    master: master.to_string(),
                    why: why.map(|w| format!(": {w}")).unwrap_or_default(),
                })
            }
            _ => {}
        }
    };
    if let Err(e) = scheduler.teardown() {
        eprintln!("warning: {e}");
    }
    Ok(exit_code(&status))
}

fn environment(text: Option<&str>) -> Result<Option<Value>, FrameworkError> {
    let Some(text) = text else { return Ok(None) };
    let object: serde_json::Map<String, Value> = serde_json::from_str(text)
        .map_err(|e| FrameworkError::Env(format!("not a JSON object of strings: {e}")))?;
    let mut variables = Vec::new();
    for (name, value) in object {
        let Some(value) = value.as_str() else {
            return Err(FrameworkError::Env(format!(
                "variable '{name}' is not a string: {value}"
            )));
        };
        variables.push(json!({"name": name, "type": "VALUE", "value": value}));
    }
    Ok(Some(json!({ "variables": variables })))
}

/// The TaskInfo: the asked resources, allocated to the offer's role as Mesos requires of
/// MULTI_ROLE frameworks.
fn task_info(
    task: &str,
    args: &ExecuteArgs,
    wanted: &Resources,
    offer: &Offer,
    environment: &Option<Value>,
) -> Value {
    let mut resources = serde_json::to_value(wanted).unwrap_or_else(|_| json!([]));
    if let (Some(role), Some(items)) = (&offer.role, resources.as_array_mut()) {
        for item in items {
            item["allocation_info"] = json!({ "role": role });
        }
    }
    let mut command = json!({"value": args.command, "shell": true});
    if let Some(env) = environment {
        command["environment"] = env.clone();
    }
    json!({
        "name": task,
        "task_id": {"value": task},
        "agent_id": {"value": offer.agent_id},
        "resources": resources,
        "command": command,
    })
}

fn bigger(candidate: &Resources, than: Option<&Resources>) -> bool {
    let size = |r: &Resources| r.scalars().map(|(_, s)| s.as_f64()).sum::<f64>();
    match than {
        Some(t) => size(candidate) > size(t),
        None => true,
    }
}

fn print_status(task: &str, status: &TaskStatus) {
    let reason = status
        .reason
        .map(|r| format!(" ({})", r.as_str()))
        .unwrap_or_default();
    let message = status
        .message
        .as_deref()
        .filter(|m| !m.is_empty())
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    let labels = status
        .labels
        .as_ref()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let pairs: Vec<String> = l
                .iter()
                .map(|x| format!("{}={}", x.key, x.value.clone().unwrap_or_default()))
                .collect();
            format!(" [labels {}]", pairs.join(","))
        })
        .unwrap_or_default();
    println!(
        "task {task}: {}{reason}{message}{labels}",
        status.state.as_str()
    );
}

/// 0 when finished; the exit status the agent reports in the message ("... exited with
/// status 3", "... terminated by signal 9") where there is one; else 1.
fn exit_code(status: &TaskStatus) -> i32 {
    if status.state == TaskState::Finished {
        return 0;
    }
    let message = status.message.as_deref().unwrap_or_default();
    let number_after = |marker: &str| {
        let at = message.find(marker)? + marker.len();
        let digits: String = message[at..]
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse::<i32>().ok()
    };
    if let Some(code) = number_after("exited with status").filter(|&c| c > 0 && c < 256) {
        return code;
    }
    if let Some(signal) = number_after("signal").filter(|&s| s > 0 && s < 128) {
        return 128 + signal;
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;
    use modkit_ffi::types::TaskId;

    fn ended(state: TaskState, message: &str) -> TaskStatus {
        TaskStatus {
            task_id: TaskId::new("t"),
            state,
            message: Some(message.to_string()),
            ..TaskStatus::default()
        }
    }

    #[test]
    fn exit_codes_from_the_update() {
        assert_eq!(exit_code(&ended(TaskState::Finished, "")), 0);
        assert_eq!(
            exit_code(&ended(TaskState::Failed, "Command exited with status 3")),
            3
        );
        assert_eq!(
            exit_code(&ended(TaskState::Failed, "Command terminated by signal 9")),
            137
        );
        assert_eq!(
            exit_code(&ended(TaskState::Failed, "Memory limit exceeded")),
            1
        );
        assert_eq!(exit_code(&ended(TaskState::Killed, "")), 1);
        assert_eq!(exit_code(&ended(TaskState::Lost, "agent removed")), 1);
    }

    #[test]
    fn env_must_be_an_object_of_strings() {
        let env = environment(Some(r#"{"TEAM": "web"}"#)).unwrap().unwrap();
        assert_eq!(env["variables"][0]["name"], "TEAM");
        assert_eq!(env["variables"][0]["value"], "web");
        let e = environment(Some("[1]")).unwrap_err().to_string();
        assert!(e.starts_with("--env: not a JSON object of strings"), "{e}");
        let e = environment(Some(r#"{"N": 1}"#)).unwrap_err().to_string();
        assert_eq!(e, "--env: variable 'N' is not a string: 1");
    }
}
