//! `modkit local` flags: the master's and the agent's that a one-node cluster needs (the master's
//! allocation and auth flags are its own structs), each also `MODKIT_<FLAG>`.

use crate::cli::SpecArgs;
use crate::flags::{AllocatorArgs, SharingArgs};
use crate::master::{AuthFlags, OfferFlags};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug, Clone)]
pub struct LocalArgs {
    /// The master's address.
    #[arg(long = "ip", env = "MODKIT_IP", default_value = "127.0.0.1")]
    pub ip: String,
    /// The master's port (0 picks a free one).
    #[arg(long = "port", env = "MODKIT_PORT", default_value_t = 5050)]
    pub port: u16,
    /// The agent's port (0, the default, picks a free one).
    #[arg(long = "agent_port", env = "MODKIT_AGENT_PORT", default_value_t = 0)]
    pub agent_port: u16,
    /// The master's state goes in `master/`, the agent's sandboxes and checkpoints in `agent/`.
    #[arg(long = "work_dir", env = "MODKIT_WORK_DIR", default_value = ".modkit")]
    pub work_dir: PathBuf,
    /// Module spec for master and agent. Default: the built-in label hook `env_to_labels`
    /// loaded from libmodkit_hooks.so beside this executable (TEAM and COST_CENTRE of a task's
    /// environment become labels), written to `<work_dir>/modules.json`.
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Hook modules of master and agent, in order. Default: the default spec's label hook.
    #[arg(long = "hooks", env = "MODKIT_HOOKS")]
    pub hooks: Option<String>,
    /// The agent's isolators. Default: cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid as
    /// root with cgroups, else posix/cpu,posix/mem.
    #[arg(long = "isolation", env = "MODKIT_ISOLATION")]
    pub isolation: Option<String>,
    /// The agent's resources (default: detected, as Mesos does).
    #[arg(long = "resources", env = "MODKIT_RESOURCES")]
    pub resources: Option<String>,
    /// The agent's cgroup root.
    #[arg(
        long = "cgroups_root",
        env = "MODKIT_CGROUPS_ROOT",
        default_value = "modkit"
    )]
    pub cgroups_root: String,
    #[command(flatten)]
    pub allocator: AllocatorArgs,
    #[command(flatten)]
    pub sharing: SharingArgs,
    #[command(flatten)]
    pub offers: OfferFlags,
    #[command(flatten)]
    pub auth: AuthFlags,
}

impl LocalArgs {
    /// The defaults, with `work_dir`: for hosts that start a cluster in-process (benchmarks).
    pub fn new(work_dir: impl Into<PathBuf>) -> LocalArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct Probe {
            #[command(flatten)]
            args: LocalArgs,
        }
        let mut probe = Probe::parse_from(["local"]);
        probe.args.work_dir = work_dir.into();
        probe.args
    }
}
