//! `modkit execute`: runs one task, like `mesos-execute`: in-process with the isolators given,
//! on a running agent (`--agent HOST:PORT`), or through a master's scheduler API as a small
//! framework (`--master HOST:PORT`); prints its state transitions and exits with the task's
//! status.

mod master;

use crate::agent::{runtime, AgentError, IsolationArgs};
use clap::Args;
use modkit_containerizers::{ContainerRequest, ContainerTermination};
use modkit_ffi::resources::Resources;
use modkit_ffi::types::{CommandInfo, Reason, TaskState};
use serde_json::json;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ExecuteArgs {
    /// The shell command to run.
    #[arg(long = "command", env = "MODKIT_COMMAND")]
    pub command: String,
    /// The task's name; also its container id.
    #[arg(long = "name", env = "MODKIT_NAME")]
    pub name: Option<String>,
    /// What the task may use, e.g. 'cpus:0.5;mem:64;pids:32'.
    #[arg(
        long = "resources",
        env = "MODKIT_RESOURCES",
        default_value = "cpus:1;mem:128"
    )]
    pub resources: String,
    /// Run on this agent (HOST:PORT) instead of in-process.
    #[arg(long = "agent", env = "MODKIT_AGENT", conflicts_with = "master")]
    pub agent: Option<String>,
    #[command(flatten)]
    pub framework: master::FrameworkArgs,
    /// In-process only: sandboxes and checkpoints go here (default /tmp/modkit-execute).
    #[arg(
        long = "work_dir",
        env = "MODKIT_WORK_DIR",
        default_value = "/tmp/modkit-execute"
    )]
    pub work_dir: PathBuf,
    #[command(flatten)]
    pub isolation: IsolationArgs,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    #[error(transparent)]
    Agent(#[from] AgentError),
    #[error("--resources: {0}")]
    Resources(String),
    #[error("agent {agent}: {message}")]
    Remote { agent: String, message: String },
    #[error("task {task}: TASK_FAILED (REASON_CONTAINER_LAUNCH_FAILED): {message}")]
    Launch { task: String, message: String },
    #[error(transparent)]
    Master(#[from] master::FrameworkError),
}

/// Runs the task; returns the process exit status.
pub fn run(args: &ExecuteArgs) -> Result<i32, ExecuteError> {
    let resources: Resources = args
        .resources
        .parse()
        .map_err(|e| ExecuteError::Resources(format!("{e}")))?;
    let task = args
        .name
        .clone()
        .unwrap_or_else(|| format!("modkit-execute-{}", std::process::id()));
    if let Some(address) = &args.framework.master {
        return Ok(master::run(address, args, &task, resources)?);
    }
    let request = ContainerRequest {
        container_id: task.clone(),
        command: CommandInfo::shell(args.command.clone()),
        resources,
        ..ContainerRequest::default()
    };
    let termination = match &args.agent {
        Some(agent) => remote(agent, &task, &request)?,
        None => local(args, &task, request)?,
    };
    print_end(&task, &termination);
    Ok(exit_code(&termination))
}

fn local(
    args: &ExecuteArgs,
    task: &str,
    request: ContainerRequest,
) -> Result<ContainerTermination, ExecuteError> {
    // Ctrl-C and SIGTERM destroy the container instead of leaving it behind.
    let signals = block_termination_signals();
    let mut isolation = args.isolation.clone();
    isolation
        .cgroups_root
        .get_or_insert_with(|| "modkit-execute".to_string());
    let runtime = runtime("execute", &isolation, &args.work_dir)?;
    let containerizer = runtime.containerizer.clone();
    println!("task {task}: TASK_STARTING");
    if let Err(e) = containerizer.launch(request) {
        return Err(ExecuteError::Launch {
            task: task.to_string(),
            message: e.to_string(),
        });
    }
    println!(
        "task {task}: TASK_RUNNING (sandbox {})",
        args.work_dir.join("containers").join(task).display()
    );
    if let Some(set) = signals {
        let killer = containerizer.clone();
        let id = task.to_string();
        std::thread::spawn(move || {
            let mut signal = 0;
            // SAFETY: `set` is an initialised signal set and `signal` a valid out-pointer.
            if unsafe { libc::sigwait(&set, &mut signal) } == 0 {
                eprintln!("received signal {signal}: killing task {id}");
                let _ = killer.destroy(&id);
            }
        });
    }
    match containerizer.wait(task, None) {
        Ok(Some(termination)) => Ok(termination),
        Ok(None) => Err(ExecuteError::Launch {
            task: task.to_string(),
            message: "the container ended without a termination".into(),
        }),
        Err(e) => Err(ExecuteError::Launch {
            task: task.to_string(),
            message: e.to_string(),
        }),
    }
}

/// Blocks SIGINT/SIGTERM in this thread and those it starts, for a sigwait thread.
pub(crate) fn block_termination_signals() -> Option<libc::sigset_t> {
    // SAFETY: sigset_t is plain data, initialised by sigemptyset before use; pthread_sigmask
    // only changes this thread's mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        (libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) == 0).then_some(set)
    }
}

fn remote(
    agent: &str,
    task: &str,
    request: &ContainerRequest,
) -> Result<ContainerTermination, ExecuteError> {
    let url = format!("http://{agent}/api/v1");
    let err = |message: String| ExecuteError::Remote {
        agent: agent.to_string(),
        message,
    };
    println!("task {task}: TASK_STARTING");
    let launch = json!({"type": "LAUNCH_CONTAINER", "launch_container": {
        "container_id": {"value": request.container_id},
        "command": request.command,
        "resources": request.resources,
    }});
    match ureq::post(&url).send_json(launch) {
        Ok(response) if response.status() == 202 => {
            return Err(err(format!("container '{task}' already exists")))
        }
        Ok(_) => {}
        Err(ureq::Error::Status(code, response)) => {
            let body = response.into_string().unwrap_or_default();
            if code == 500 {
                return Err(ExecuteError::Launch {
                    task: task.to_string(),
                    message: body.trim().to_string(),
                });
            }
            return Err(err(format!(
                "LAUNCH_CONTAINER answered {code}: {}",
                body.trim()
            )));
        }
        Err(e) => return Err(err(e.to_string())),
    }
    println!("task {task}: TASK_RUNNING (on agent {agent})");
    let wait = json!({"type": "WAIT_CONTAINER", "wait_container": {
        "container_id": {"value": request.container_id}}});
    let body: serde_json::Value = match ureq::post(&url).send_json(wait) {
        Ok(response) => response
            .into_json()
            .map_err(|e| err(format!("WAIT_CONTAINER answer: {e}")))?,
        Err(ureq::Error::Status(code, response)) => {
            let body = response.into_string().unwrap_or_default();
            return Err(err(format!(
                "WAIT_CONTAINER answered {code}: {}",
                body.trim()
            )));
        }
        Err(e) => return Err(err(e.to_string())),
    };
    serde_json::from_value(body["wait_container"].clone())
        .map_err(|e| err(format!("WAIT_CONTAINER answer: {e}")))
}

fn print_end(task: &str, t: &ContainerTermination) {
    let reason = t
        .reason
        .map(|r: Reason| format!(" ({})", r.as_str()))
        .unwrap_or_default();
    println!("task {task}: {}{reason}: {}", t.state.as_str(), t.message);
}

/// The task's own exit code where it has one; 128+signal when killed; 1 for other failures.
fn exit_code(t: &ContainerTermination) -> i32 {
    if t.state == TaskState::Finished {
        return 0;
    }
    match t.exit_status {
        Some(raw) if libc::WIFEXITED(raw) && libc::WEXITSTATUS(raw) != 0 => libc::WEXITSTATUS(raw),
        Some(raw) if libc::WIFSIGNALED(raw) => 128 + libc::WTERMSIG(raw),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended(state: TaskState, exit_status: Option<i32>) -> ContainerTermination {
        ContainerTermination {
            exit_status,
            state,
            reason: None,
            message: String::new(),
            limitation: None,
        }
    }

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code(&ended(TaskState::Finished, Some(0))), 0);
        assert_eq!(exit_code(&ended(TaskState::Failed, Some(3 << 8))), 3);
        assert_eq!(exit_code(&ended(TaskState::Failed, Some(9))), 137);
        assert_eq!(exit_code(&ended(TaskState::Failed, None)), 1);
        assert_eq!(exit_code(&ended(TaskState::Killed, Some(0))), 1);
    }
}
