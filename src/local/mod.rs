//! `modkit local`: a master and one agent in one process, like `mesos-local`: the quickest way
//! to a cluster that runs tasks through the v1 scheduler API.

mod defaults;
mod error;
mod flags;

pub use error::LocalError;
pub use flags::LocalArgs;

use crate::agent::{AgentFlags, RunningAgent};
use crate::cli::SpecArgs;
use crate::master::{MasterFlags, RunningMaster};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long the agent gets to register before `start` gives up.
const REGISTRATION_WAIT: Duration = Duration::from_secs(20);

/// A running one-node cluster. Dropping it stops the agent, then the master.
pub struct Local {
    agent: Option<RunningAgent>,
    master: Option<RunningMaster>,
    /// What was picked, for the banner.
    pub isolation: String,
    pub isolation_note: Option<String>,
    pub spec: Option<PathBuf>,
    pub hooks: Option<String>,
}

impl Local {
    /// `HOST:PORT` of the master.
    pub fn master_address(&self) -> String {
        self.master
            .as_ref()
            .map(|m| m.addr().to_string())
            .unwrap_or_default()
    }

    pub fn master_url(&self) -> String {
        format!("http://{}", self.master_address())
    }

    pub fn agent_url(&self) -> String {
        self.agent.as_ref().map(|a| a.url()).unwrap_or_default()
    }

    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(agent) = self.agent.take() {
            agent.stop();
        }
        if let Some(master) = self.master.take() {
            master.stop();
        }
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts the master, then the agent registered with it; returns once the master lists it.
pub fn start(args: &LocalArgs) -> Result<Local, LocalError> {
    let work_dir = &args.work_dir;
    std::fs::create_dir_all(work_dir).map_err(|source| LocalError::WorkDir {
        path: work_dir.clone(),
        source,
    })?;
    let (spec_args, spec_path, hooks) = modules(args)?;
    let (isolation, isolation_note) = match &args.isolation {
        Some(isolation) => (isolation.clone(), None),
        None => defaults::isolation(),
    };

    let mut master_flags = MasterFlags::new(work_dir.join("master"));
    master_flags.ip = args.ip.clone();
    master_flags.port = args.port;
    master_flags.allocator = args.allocator.clone();
    master_flags.sharing = args.sharing.clone();
    master_flags.offers = args.offers.clone();
    master_flags.spec = spec_args.clone();
    master_flags.hooks.names = hooks.clone();
    master_flags.auth = args.auth.clone();
    let master = crate::master::start(master_flags)?;

    let agent_flags = agent_flags(
        args,
        &work_dir.join("agent"),
        &master.addr().to_string(),
        &isolation,
        &spec_args,
        hooks.as_deref(),
    )?;
    let agent = crate::agent::start(agent_flags)?;
    let local = Local {
        agent: Some(agent),
        master: Some(master),
        isolation,
        isolation_note,
        spec: spec_path,
        hooks,
    };
    wait_for_agent(&local.master_url())?;
    Ok(local)
}

/// The module spec and hooks: the flags', else the default label hook where its library is.
fn modules(args: &LocalArgs) -> Result<(SpecArgs, Option<PathBuf>, Option<String>), LocalError> {
    if args.spec.modules.is_some() || args.spec.modules_dir.is_some() {
        return Ok((args.spec.clone(), None, args.hooks.clone()));
    }
    let Some(library) = defaults::hooks_library() else {
        return Ok((args.spec.clone(), None, args.hooks.clone()));
    };
    let path = args.work_dir.join("modules.json");
    let text = serde_json::to_string_pretty(&defaults::spec(&library)).unwrap_or_default();
    std::fs::write(&path, text).map_err(|source| LocalError::WorkDir {
        path: path.clone(),
        source,
    })?;
    let spec = SpecArgs {
        modules: Some(path.display().to_string()),
        modules_dir: None,
    };
    let hooks = args
        .hooks
        .clone()
        .or_else(|| Some(defaults::LABEL_HOOK.to_string()));
    Ok((spec, Some(path), hooks))
}

fn agent_flags(
    args: &LocalArgs,
    work_dir: &Path,
    master: &str,
    isolation: &str,
    spec: &SpecArgs,
    hooks: Option<&str>,
) -> Result<AgentFlags, LocalError> {
    use clap::Parser;
    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        flags: AgentFlags,
    }
    let mut argv: Vec<String> = vec!["agent".into()];
    let mut flag = |name: &str, value: &str| {
        argv.push(format!("--{name}"));
        argv.push(value.to_string());
    };
    flag("work_dir", &work_dir.display().to_string());
    flag("ip", &args.ip);
    flag("port", &args.agent_port.to_string());
    flag("master", master);
    flag("isolation", isolation);
    flag("cgroups_root", &args.cgroups_root);
    if let Some(resources) = &args.resources {
        flag("resources", resources);
    }
    if let Some(modules) = &spec.modules {
        flag("modules", modules);
    }
    if let Some(dir) = &spec.modules_dir {
        flag("modules_dir", &dir.display().to_string());
    }
    if let Some(hooks) = hooks {
        flag("hooks", hooks);
    }
    Probe::try_parse_from(argv)
        .map(|p| p.flags)
        .map_err(|e| LocalError::AgentFlags(e.to_string()))
}

/// Polls /master/state until it lists an agent.
fn wait_for_agent(master_url: &str) -> Result<(), LocalError> {
    let deadline = Instant::now() + REGISTRATION_WAIT;
    let url = format!("{master_url}/master/state");
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(2))
        .build();
    while Instant::now() < deadline {
        let agents = agent
            .get(&url)
            .call()
            .ok()
            .and_then(|r| r.into_json::<serde_json::Value>().ok())
            // Mesos's /master/state says "slaves"; GET_AGENTS says "agents".
            .and_then(|state| {
                state["slaves"]
                    .as_array()
                    .or(state["agents"].as_array())
                    .map(Vec::len)
            })
            .unwrap_or(0);
        if agents > 0 {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(LocalError::AgentNotRegistered(REGISTRATION_WAIT))
}

/// `modkit local`: starts the cluster, prints how to use it, serves until SIGINT or SIGTERM.
pub fn run(args: LocalArgs) -> Result<(), LocalError> {
    let local = start(&args)?;
    crate::host::serve_until_signal(|| print_usage(&args, &local))
        .map_err(|e| LocalError::Runtime(e.to_string()))?;
    eprintln!("modkit local: stopping");
    local.stop();
    Ok(())
}

/// The cluster's addresses and a ready-to-paste `modkit execute` line.
fn print_usage(args: &LocalArgs, local: &Local) {
    let default_spec_missing =
        local.spec.is_none() && args.spec.modules.is_none() && args.spec.modules_dir.is_none();
    let exe = std::env::current_exe()
        .ok()
        .map(|p| {
            let cwd = std::env::current_dir().unwrap_or_default();
            p.strip_prefix(&cwd)
                .map(|r| format!("./{}", r.display()))
                .unwrap_or_else(|_| p.display().to_string())
        })
        .unwrap_or_else(|| "modkit".to_string());
    // Tests and scripts wait for the "master" line.
    println!("modkit local: master {}", local.master_url());
    println!(
        "modkit local: agent {} (isolation {}{})",
        local.agent_url(),
        local.isolation,
        local
            .isolation_note
            .as_ref()
            .map(|n| format!("; {n}, so no cgroups"))
            .unwrap_or_default()
    );
    println!(
        "modkit local: work dir {}, allocator {} ({}/{}), hooks {}{}",
        args.work_dir.display(),
        args.allocator.name,
        args.allocator.role_sorter,
        args.allocator.framework_sorter,
        local.hooks.as_deref().unwrap_or(if default_spec_missing {
            "none (libmodkit_hooks.so, the default label hook, is not beside this binary: \
             `cargo build --release --workspace` builds it)"
        } else {
            "none"
        }),
        local
            .spec
            .as_ref()
            .map(|p| format!(" (spec {})", p.display()))
            .unwrap_or_default()
    );
    println!("Run a task on it (Ctrl-C here stops the cluster):");
    println!(
        "  {exe} execute --master {} --command 'echo hello from modkit' --resources 'cpus:0.5;mem:64' --env '{{\"TEAM\": \"docs\"}}'",
        local.master_address()
    );
    println!("State: curl -s {}/master/state", local.master_url());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_gets_the_master_and_the_local_flags() {
        let mut args = LocalArgs::new("/w");
        args.resources = Some("cpus:2;mem:512".into());
        args.cgroups_root = "modkit-x".into();
        let spec = SpecArgs {
            modules: Some("/w/modules.json".into()),
            modules_dir: None,
        };
        let flags = agent_flags(
            &args,
            Path::new("/w/agent"),
            "127.0.0.1:5050",
            "posix/cpu",
            &spec,
            Some("org_modkit_EnvToLabels"),
        )
        .expect("valid agent flags");
        assert_eq!(flags.master.as_deref(), Some("127.0.0.1:5050"));
        assert_eq!(flags.port, 0);
        assert_eq!(flags.work_dir, PathBuf::from("/w/agent"));
        assert_eq!(flags.resources.as_deref(), Some("cpus:2;mem:512"));
        assert_eq!(flags.isolation.isolation, "posix/cpu");
        assert_eq!(flags.isolation.cgroups_root.as_deref(), Some("modkit-x"));
        assert_eq!(
            flags.isolation.spec.modules.as_deref(),
            Some("/w/modules.json")
        );
        assert_eq!(flags.hooks.names.as_deref(), Some("org_modkit_EnvToLabels"));
    }

    #[test]
    fn defaults_match_the_cli() {
        let args = LocalArgs::new(".modkit");
        assert_eq!(args.port, 5050);
        assert_eq!(args.ip, "127.0.0.1");
        assert_eq!(args.allocator.name, "hierarchical");
        assert_eq!(
            (
                args.allocator.role_sorter.as_str(),
                args.allocator.framework_sorter.as_str()
            ),
            ("drf", "drf")
        );
        assert!(args.isolation.is_none() && args.spec.modules.is_none());
    }
}
