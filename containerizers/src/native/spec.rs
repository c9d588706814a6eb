//! Turns a request plus the isolators' merged launch info into what the launcher runs.

use super::error::{ContainerizerError, Result};
use super::model::ContainerRequest;
use crate::launcher::{Capabilities, LaunchSpec, Namespaces, Rlimit, RlimitKind};
use modkit_ffi::types::{CapabilityInfo, ContainerLaunchInfo, Environment, RLimitType};
use std::path::Path;

/// The PATH a task gets when nobody sets one (the agent's own is not inherited).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

pub struct SpecInput<'a> {
    pub request: &'a ContainerRequest,
    pub launch_info: &'a ContainerLaunchInfo,
    pub sandbox: &'a Path,
    pub status_file: &'a Path,
    pub switch_user: bool,
    /// The launcher's cgroup on a cgroup v2 host, for the supervisor to be born in.
    pub cgroup: Option<&'a Path>,
}

pub fn build(input: SpecInput<'_>) -> Result<LaunchSpec> {
    let id = &input.request.container_id;
    let command = input
        .launch_info
        .command
        .as_ref()
        .unwrap_or(&input.request.command);
    let value = command.value.clone().unwrap_or_default();
    if value.trim().is_empty() {
        return Err(ContainerizerError::EmptyCommand { id: id.clone() });
    }
    let argv = if command.is_shell() {
        vec!["/bin/sh".to_string(), "-c".to_string(), value]
    } else if command.arguments.is_empty() {
        vec![value]
    } else {
        // Mesos: `value` is the program, `arguments` the whole argv (argv[0] included).
        let mut argv = command.arguments.clone();
        argv[0] = value;
        argv
    };

    let sandbox = input.sandbox.to_string_lossy().into_owned();
    let mut env = Environment::default();
    env.insert("PATH", DEFAULT_PATH);
    env.insert("MESOS_SANDBOX", sandbox.clone());
    env.insert("MODKIT_SANDBOX", sandbox);
    env.insert("MODKIT_CONTAINER_ID", id.clone());
    for extra in [
        command.environment.as_ref(),
        input.request.environment.as_ref(),
        input.launch_info.environment.as_ref(),
        input.launch_info.task_environment.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        env.merge(extra);
    }
    let env = env
        .variables
        .iter()
        .filter_map(|v| v.value.clone().map(|value| (v.name.clone(), value)))
        .collect();

    let user = if input.switch_user {
        input
            .launch_info
            .user
            .clone()
            .or_else(|| input.request.user.clone())
            .or_else(|| command.user.clone())
    } else {
        None
    };

    Ok(LaunchSpec {
        argv,
        env,
        working_dir: input
            .launch_info
            .working_directory
            .as_ref()
            .map(Into::into)
            .unwrap_or_else(|| input.sandbox.to_path_buf()),
        stdout: input.sandbox.join("stdout"),
        stderr: input.sandbox.join("stderr"),
        namespaces: namespaces(id, &input.launch_info.clone_namespaces)?,
        user,
        rlimits: rlimits(id, input.launch_info)?,
        status_file: Some(input.status_file.to_path_buf()),
        cgroup: input.cgroup.map(Path::to_path_buf),
        capabilities: capabilities(input.launch_info),
    })
}

/// The isolators' capability sets (e.g. `linux/capabilities`) by kernel number; one set alone
/// stands for both.
fn capabilities(info: &ContainerLaunchInfo) -> Option<Capabilities> {
    let numbers = |c: &CapabilityInfo| -> Vec<u32> {
        c.capabilities
            .iter()
            .map(|cap| cap.linux_number())
            .collect()
    };
    let (effective, bounding) = match (&info.effective_capabilities, &info.bounding_capabilities) {
        (None, None) => return None,
        (Some(e), None) => (e, e),
        (None, Some(b)) => (b, b),
        (Some(e), Some(b)) => (e, b),
    };
    Some(Capabilities {
        effective: numbers(effective),
        bounding: numbers(bounding),
    })
}

fn namespaces(id: &str, names: &[String]) -> Result<Namespaces> {
    let mut ns = Namespaces::default();
    for name in names {
        match name.as_str() {
            "pid" => ns.pid = true,
            "mnt" | "mount" => ns.mount = true,
            "ipc" => ns.ipc = true,
            "uts" => ns.uts = true,
            "net" | "network" => ns.net = true,
            other => {
                return Err(ContainerizerError::Launch {
                    id: id.to_string(),
                    message: format!(
                        "unknown namespace '{other}' asked by an isolator (known: pid, mnt, ipc, uts, net)"
                    ),
                })
            }
        }
    }
    // A fresh /proc needs its own mount namespace.
    if ns.pid {
        ns.mount = true;
    }
    Ok(ns)
}

fn rlimits(id: &str, info: &ContainerLaunchInfo) -> Result<Vec<Rlimit>> {
    let Some(limits) = &info.rlimits else {
        return Ok(Vec::new());
    };
    limits
        .rlimits
        .iter()
        .map(|limit| {
            let resource = match limit.r#type {
                RLimitType::As => RlimitKind::As,
                RLimitType::Core => RlimitKind::Core,
                RLimitType::Cpu => RlimitKind::Cpu,
                RLimitType::Data => RlimitKind::Data,
                RLimitType::Fsize => RlimitKind::Fsize,
                RLimitType::Locks => RlimitKind::Locks,
                RLimitType::Memlock => RlimitKind::Memlock,
                RLimitType::Msgqueue => RlimitKind::Msgqueue,
                RLimitType::Nice => RlimitKind::Nice,
                RLimitType::Nofile => RlimitKind::Nofile,
                RLimitType::Nproc => RlimitKind::Nproc,
                RLimitType::Rss => RlimitKind::Rss,
                RLimitType::Rtprio => RlimitKind::Rtprio,
                RLimitType::Rttime => RlimitKind::Rttime,
                RLimitType::Sigpending => RlimitKind::Sigpending,
                RLimitType::Stack => RlimitKind::Stack,
                RLimitType::Unknown => {
                    return Err(ContainerizerError::Launch {
                        id: id.to_string(),
                        message: "rlimit of unknown type".to_string(),
                    })
                }
            };
            Ok(Rlimit {
                resource,
                soft: limit.soft,
                hard: limit.hard,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use modkit_ffi::types::CommandInfo;

    fn request(command: CommandInfo) -> ContainerRequest {
        ContainerRequest {
            container_id: "c1".into(),
            command,
            ..ContainerRequest::default()
        }
    }

    fn build_with(request: &ContainerRequest, info: &ContainerLaunchInfo) -> Result<LaunchSpec> {
        build(SpecInput {
            request,
            launch_info: info,
            sandbox: Path::new("/w/containers/c1"),
            status_file: Path::new("/w/meta/containers/c1/status"),
            switch_user: true,
            cgroup: None,
        })
    }

    #[test]
    fn shell_and_exec_argv() {
        let info = ContainerLaunchInfo::default();
        let spec = build_with(&request(CommandInfo::shell("echo hi")), &info).unwrap();
        assert_eq!(spec.argv, ["/bin/sh", "-c", "echo hi"]);
        let spec = build_with(
            &request(CommandInfo::exec("/bin/echo", ["echo", "a"])),
            &info,
        )
        .unwrap();
        assert_eq!(spec.argv, ["/bin/echo", "a"]);
        let spec = build_with(
            &request(CommandInfo::exec("/bin/true", Vec::<String>::new())),
            &info,
        )
        .unwrap();
        assert_eq!(spec.argv, ["/bin/true"]);
    }

    #[test]
    fn empty_command_is_an_error() {
        let err = build_with(
            &request(CommandInfo::shell("  ")),
            &ContainerLaunchInfo::default(),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "container 'c1': the command is empty");
    }

    #[test]
    fn environment_layers_and_sandbox() {
        let mut req = request(CommandInfo::shell("env"));
        let mut env = Environment::default();
        env.insert("A", "request");
        env.insert("PATH", "/opt/bin");
        req.environment = Some(env);
        let mut info = ContainerLaunchInfo::default();
        let mut iso = Environment::default();
        iso.insert("A", "isolator");
        info.environment = Some(iso);
        let spec = build_with(&req, &info).unwrap();
        let get = |k: &str| {
            spec.env
                .iter()
                .rev()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("A"), Some("isolator"));
        assert_eq!(get("PATH"), Some("/opt/bin"));
        assert_eq!(get("MESOS_SANDBOX"), Some("/w/containers/c1"));
        assert_eq!(spec.working_dir, Path::new("/w/containers/c1"));
        assert_eq!(spec.stdout, Path::new("/w/containers/c1/stdout"));
    }

    #[test]
    fn namespaces_from_isolators() {
        let mut info = ContainerLaunchInfo {
            clone_namespaces: vec!["pid".into()],
            ..ContainerLaunchInfo::default()
        };
        let spec = build_with(&request(CommandInfo::shell("true")), &info).unwrap();
        assert!(spec.namespaces.pid && spec.namespaces.mount && !spec.namespaces.net);
        info.clone_namespaces = vec!["time".into()];
        let err = build_with(&request(CommandInfo::shell("true")), &info).unwrap_err();
        assert!(
            err.to_string().contains("unknown namespace 'time'"),
            "{err}"
        );
    }

    #[test]
    fn capabilities_by_kernel_number() {
        use modkit_ffi::types::LinuxCapability;
        let req = request(CommandInfo::shell("true"));
        let mut info = ContainerLaunchInfo::default();
        assert_eq!(build_with(&req, &info).unwrap().capabilities, None);
        info.effective_capabilities = Some(CapabilityInfo {
            capabilities: vec![LinuxCapability::NetBindService],
        });
        let caps = build_with(&req, &info).unwrap().capabilities.unwrap();
        assert_eq!((caps.effective, caps.bounding), (vec![10], vec![10]));
        info.bounding_capabilities = Some(CapabilityInfo {
            capabilities: vec![LinuxCapability::Chown, LinuxCapability::NetBindService],
        });
        let caps = build_with(&req, &info).unwrap().capabilities.unwrap();
        assert_eq!((caps.effective, caps.bounding), (vec![10], vec![0, 10]));
    }

    #[test]
    fn user_only_with_switch_user() {
        let mut req = request(CommandInfo::shell("id"));
        req.user = Some("nobody".into());
        let info = ContainerLaunchInfo::default();
        assert_eq!(
            build_with(&req, &info).unwrap().user.as_deref(),
            Some("nobody")
        );
        let spec = build(SpecInput {
            request: &req,
            launch_info: &info,
            sandbox: Path::new("/s"),
            status_file: Path::new("/s/status"),
            switch_user: false,
            cgroup: None,
        })
        .unwrap();
        assert_eq!(spec.user, None);
    }
}
