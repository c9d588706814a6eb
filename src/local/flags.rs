//! `modkit local` flags: the master's and the agent's that a one-node cluster needs, each also
//! `MODKIT_<FLAG>`.

use crate::cli::SpecArgs;
use clap::{ArgAction, Args};
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
    /// The allocator module (built-in or from --modules).
    #[arg(
        long = "allocator",
        env = "MODKIT_ALLOCATOR",
        default_value = "hierarchical"
    )]
    pub allocator: String,
    /// Sorter of roles.
    #[arg(
        long = "role_sorter",
        env = "MODKIT_ROLE_SORTER",
        default_value = "drf"
    )]
    pub role_sorter: String,
    /// Sorter of each role's frameworks.
    #[arg(
        long = "framework_sorter",
        env = "MODKIT_FRAMEWORK_SORTER",
        default_value = "drf"
    )]
    pub framework_sorter: String,
    /// Role weights, `role=weight,...`.
    #[arg(long = "weights", env = "MODKIT_WEIGHTS", default_value = "")]
    pub weights: String,
    /// If set, the only roles frameworks may subscribe with (comma-separated).
    #[arg(long = "roles", env = "MODKIT_ROLES")]
    pub roles: Option<String>,
    /// Time between batch allocations.
    #[arg(
        long = "allocation_interval",
        env = "MODKIT_ALLOCATION_INTERVAL",
        default_value = "1secs"
    )]
    pub allocation_interval: String,
    /// An offer not used within this time is rescinded (unset: never).
    #[arg(long = "offer_timeout", env = "MODKIT_OFFER_TIMEOUT")]
    pub offer_timeout: Option<String>,
    /// Resource names left out of fair sharing, e.g. `gpus`.
    #[arg(
        long = "fair_sharing_excluded_resource_names",
        env = "MODKIT_FAIR_SHARING_EXCLUDED_RESOURCE_NAMES",
        default_value = ""
    )]
    pub fair_sharing_excluded_resource_names: String,
    /// Principals and secrets (path, file:///path or inline JSON).
    #[arg(long = "credentials", env = "MODKIT_CREDENTIALS")]
    pub credentials: Option<String>,
    /// Require HTTP Basic authentication on the scheduler API.
    #[arg(long = "authenticate_frameworks", env = "MODKIT_AUTHENTICATE_FRAMEWORKS", default_value_t = false, action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub authenticate_frameworks: bool,
    /// ACLs as Mesos writes them (path, file:///path or inline JSON).
    #[arg(long = "acls", env = "MODKIT_ACLS")]
    pub acls: Option<String>,
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
