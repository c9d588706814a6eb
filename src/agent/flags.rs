//! The flags an agent (and `modkit execute`, which runs a one-task agent in-process) takes,
//! spelled as Mesos spells them; each also readable from `MODKIT_<FLAG>`.

use crate::cli::SpecArgs;
use clap::{ArgAction, Args};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub const DEFAULT_CGROUPS_ROOT: &str = "modkit";

/// How containers are built: isolators, modules, cgroups.
#[derive(Args, Debug, Clone)]
pub struct IsolationArgs {
    /// Isolators in the order they prepare containers (built-in names such as cgroups/cpu,
    /// cgroups/mem, cgroups/pids, namespaces/pid, posix/cpu, posix/mem, or module names).
    #[arg(
        long = "isolation",
        env = "MODKIT_ISOLATION",
        default_value = "posix/cpu,posix/mem"
    )]
    pub isolation: String,
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Where the cgroup hierarchies are mounted.
    #[arg(
        long = "cgroups_hierarchy",
        env = "MODKIT_CGROUPS_HIERARCHY",
        default_value = "/sys/fs/cgroup"
    )]
    pub cgroups_hierarchy: PathBuf,
    /// The cgroup (under each hierarchy) that holds every container's cgroup [default: modkit
    /// for the agent, modkit-execute for `modkit execute`, so neither takes the other's
    /// containers for orphans].
    #[arg(long = "cgroups_root", env = "MODKIT_CGROUPS_ROOT")]
    pub cgroups_root: Option<String>,
    /// Hard-limit CPU time with CFS quotas (cgroups/cpu), not only shares.
    #[arg(long = "cgroups_enable_cfs", env = "MODKIT_CGROUPS_ENABLE_CFS", default_value_t = false, action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub cgroups_enable_cfs: bool,
    /// Limit swap together with memory (cgroups/mem).
    #[arg(long = "cgroups_limit_swap", env = "MODKIT_CGROUPS_LIMIT_SWAP", default_value_t = false, action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub cgroups_limit_swap: bool,
    /// pids.max for containers whose resources name no `pids` (cgroups/pids); unlimited if unset.
    #[arg(
        long = "cgroups_pids_max_default",
        env = "MODKIT_CGROUPS_PIDS_MAX_DEFAULT"
    )]
    pub cgroups_pids_max_default: Option<u64>,
    /// Run each task as the user it names (else as the agent's user).
    #[arg(long = "switch_user", env = "MODKIT_SWITCH_USER", default_value_t = true, action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub switch_user: bool,
    /// Between a kill's signal and SIGKILL.
    #[arg(
        long = "executor_shutdown_grace_period",
        env = "MODKIT_EXECUTOR_SHUTDOWN_GRACE_PERIOD",
        default_value = "5secs"
    )]
    pub executor_shutdown_grace_period: String,
    /// How often disk/du measures each sandbox.
    #[arg(
        long = "container_disk_watch_interval",
        env = "MODKIT_CONTAINER_DISK_WATCH_INTERVAL",
        default_value = "15secs"
    )]
    pub container_disk_watch_interval: String,
    /// disk/du fails a container whose sandbox outgrows its `disk` (else it only reports).
    #[arg(long = "enforce_container_disk_quota", env = "MODKIT_ENFORCE_CONTAINER_DISK_QUOTA", default_value_t = false, action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub enforce_container_disk_quota: bool,
    /// How often network/ports looks for listening sockets.
    #[arg(
        long = "container_ports_watch_interval",
        env = "MODKIT_CONTAINER_PORTS_WATCH_INTERVAL",
        default_value = "30secs"
    )]
    pub container_ports_watch_interval: String,
    /// network/ports destroys a container listening on ports it was not given (else it logs).
    #[arg(long = "enforce_container_ports", env = "MODKIT_ENFORCE_CONTAINER_PORTS", default_value_t = false, action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub enforce_container_ports: bool,
    /// network/ports checks only these ports, e.g. '[31000-32000]' [default: every port].
    #[arg(
        long = "container_ports_isolated_range",
        env = "MODKIT_CONTAINER_PORTS_ISOLATED_RANGE"
    )]
    pub container_ports_isolated_range: Option<String>,
    /// network/ports checks only the agent's own `ports` resource (not with
    /// --container_ports_isolated_range).
    #[arg(long = "check_agent_port_range_only", env = "MODKIT_CHECK_AGENT_PORT_RANGE_ONLY", default_value_t = false, action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub check_agent_port_range_only: bool,
    /// Devices every container may open besides the defaults (cgroups/devices, gpu/devices),
    /// as Mesos's JSON: '{"allowed_devices":[{"device":{"path":"/dev/x"},"access":{"read":true}}]}'.
    #[arg(long = "allowed_devices", env = "MODKIT_ALLOWED_DEVICES")]
    pub allowed_devices: Option<String>,
    /// Devices of the `static` provider for gpu/devices, e.g. 'gpus:0=/dev/fake0,1=/dev/fake1'.
    #[arg(long = "devices", env = "MODKIT_DEVICES")]
    pub devices: Option<String>,
    /// NVML indices of the GPUs gpu/devices hands out, e.g. '0,1' (default: all NVML finds).
    #[arg(long = "nvidia_gpu_devices", env = "MODKIT_NVIDIA_GPU_DEVICES")]
    pub nvidia_gpu_devices: Option<String>,
    /// Vendor device providers, comma-separated: 'symbol@/path/lib.so', or the name of a
    /// device provider module loaded with --modules.
    #[arg(long = "device_providers", env = "MODKIT_DEVICE_PROVIDERS")]
    pub device_providers: Option<String>,
    /// Capabilities of tasks (linux/capabilities), e.g. 'CHOWN,NET_BIND_SERVICE' or 'none'.
    #[arg(long = "effective_capabilities", env = "MODKIT_EFFECTIVE_CAPABILITIES")]
    pub effective_capabilities: Option<String>,
    /// The most any task may hold (linux/capabilities).
    #[arg(long = "bounding_capabilities", env = "MODKIT_BOUNDING_CAPABILITIES")]
    pub bounding_capabilities: Option<String>,
    /// The agent's `--resources` text, handed to isolators as the `resources` flag (set by
    /// the agent, not a flag of its own here).
    #[arg(skip)]
    pub agent_resources: Option<String>,
}

impl IsolationArgs {
    /// The flags isolator modules read through the host services (`host.flag(..)`).
    pub fn host_flags(&self, work_dir: &std::path::Path) -> BTreeMap<String, String> {
        let mut flags = BTreeMap::new();
        flags.insert("work_dir".into(), work_dir.to_string_lossy().into_owned());
        flags.insert("isolation".into(), self.isolation.clone());
        flags.insert(
            "cgroups_hierarchy".into(),
            self.cgroups_hierarchy.to_string_lossy().into_owned(),
        );
        flags.insert("cgroups_root".into(), self.cgroups_root().to_string());
        flags.insert(
            "cgroups_enable_cfs".into(),
            self.cgroups_enable_cfs.to_string(),
        );
        flags.insert(
            "cgroups_limit_swap".into(),
            self.cgroups_limit_swap.to_string(),
        );
        if let Some(max) = self.cgroups_pids_max_default {
            flags.insert("cgroups_pids_max_default".into(), max.to_string());
        }
        flags.insert("switch_user".into(), self.switch_user.to_string());
        flags.insert(
            "container_disk_watch_interval".into(),
            self.container_disk_watch_interval.clone(),
        );
        flags.insert(
            "enforce_container_disk_quota".into(),
            self.enforce_container_disk_quota.to_string(),
        );
        flags.insert(
            "container_ports_watch_interval".into(),
            self.container_ports_watch_interval.clone(),
        );
        flags.insert(
            "enforce_container_ports".into(),
            self.enforce_container_ports.to_string(),
        );
        if let Some(range) = &self.container_ports_isolated_range {
            flags.insert("container_ports_isolated_range".into(), range.clone());
        }
        flags.insert(
            "check_agent_port_range_only".into(),
            self.check_agent_port_range_only.to_string(),
        );
        for (name, value) in [
            ("allowed_devices", &self.allowed_devices),
            ("devices", &self.devices),
            ("nvidia_gpu_devices", &self.nvidia_gpu_devices),
            ("effective_capabilities", &self.effective_capabilities),
            ("bounding_capabilities", &self.bounding_capabilities),
        ] {
            if let Some(value) = value {
                flags.insert(name.into(), value.clone());
            }
        }
        if let Some(providers) = &self.device_providers {
            flags.insert(
                "device_providers".into(),
                super::device_providers::with_libraries(providers, &self.spec),
            );
        }
        if let Some(resources) = &self.agent_resources {
            flags.insert("resources".into(), resources.clone());
        }
        flags
    }

    pub fn cgroups_root(&self) -> &str {
        self.cgroups_root.as_deref().unwrap_or(DEFAULT_CGROUPS_ROOT)
    }

    /// `--isolation` as a list; empty entries are an error, duplicates too.
    pub fn isolators(&self) -> Result<Vec<String>, String> {
        let mut names: Vec<String> = Vec::new();
        if self.isolation.trim().is_empty() {
            return Ok(names);
        }
        for name in self.isolation.split(',').map(str::trim) {
            if name.is_empty() {
                return Err(format!("'{}' has an empty isolator name", self.isolation));
            }
            if names.iter().any(|n| n == name) {
                return Err(format!("isolator '{name}' is listed twice"));
            }
            names.push(name.to_string());
        }
        Ok(names)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RecoverFlag {
    /// Re-adopt the containers a previous agent left running.
    Reconnect,
    /// Kill every container a previous agent left.
    Cleanup,
}

#[derive(Args, Debug, Clone)]
pub struct AgentFlags {
    /// Sandboxes (`containers/<id>`) and checkpoints (`meta/`) live here.
    #[arg(long = "work_dir", env = "MODKIT_WORK_DIR")]
    pub work_dir: PathBuf,
    /// What the agent offers, e.g. 'cpus:4;mem:4096;ports:[31000-32000]'; cpus, mem, disk and
    /// ports not given are detected.
    #[arg(long = "resources", env = "MODKIT_RESOURCES")]
    pub resources: Option<String>,
    /// Attributes, e.g. 'rack:a;zone:2'.
    #[arg(long = "attributes", env = "MODKIT_ATTRIBUTES")]
    pub attributes: Option<String>,
    #[command(flatten)]
    pub isolation: IsolationArgs,
    #[command(flatten)]
    pub hooks: crate::hooks::HookArgs,
    /// Containerizers tried in order, per container: `mesos` (the native one) and `external`
    /// (the program at `--containerizer_path`, which takes every container: put it last).
    #[arg(
        long = "containerizers",
        env = "MODKIT_CONTAINERIZERS",
        default_value = "mesos"
    )]
    pub containerizers: String,
    /// The external containerizer program (README: "External containerizer protocol").
    #[arg(long = "containerizer_path", env = "MODKIT_CONTAINERIZER_PATH")]
    pub containerizer_path: Option<PathBuf>,
    /// The deadline of each external containerizer command but `wait`; at it the program's
    /// process group is killed.
    #[arg(
        long = "external_containerizer_timeout",
        env = "MODKIT_EXTERNAL_CONTAINERIZER_TIMEOUT",
        default_value = "30secs"
    )]
    pub external_containerizer_timeout: String,
    /// Passed to the external containerizer's `launch` as `MODKIT_DEFAULT_CONTAINER_IMAGE`.
    #[arg(
        long = "default_container_image",
        env = "MODKIT_DEFAULT_CONTAINER_IMAGE"
    )]
    pub default_container_image: Option<String>,
    /// Address to listen on.
    #[arg(long = "ip", env = "MODKIT_IP", default_value = "127.0.0.1")]
    pub ip: String,
    /// Port to listen on (the operator API, and where the master reaches the agent).
    #[arg(long = "port", env = "MODKIT_PORT", default_value_t = 5051)]
    pub port: u16,
    /// The master to register with (`HOST:PORT` or `http://HOST:PORT`); it then sends the
    /// tasks this agent runs. Without it the agent only answers its operator API.
    #[arg(long = "master", env = "MODKIT_MASTER")]
    pub master: Option<String>,
    /// What to do with the containers a previous agent left.
    #[arg(
        long = "recover",
        env = "MODKIT_RECOVER",
        value_enum,
        default_value = "reconnect"
    )]
    pub recover: RecoverFlag,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        args: IsolationArgs,
    }

    #[test]
    fn isolation_list() {
        let probe = Probe::parse_from(["x", "--isolation", "cgroups/cpu, namespaces/pid"]);
        assert_eq!(
            probe.args.isolators().unwrap(),
            ["cgroups/cpu", "namespaces/pid"]
        );
        let probe = Probe::parse_from(["x", "--isolation", "a,,b"]);
        assert!(probe
            .args
            .isolators()
            .unwrap_err()
            .contains("empty isolator name"));
        let probe = Probe::parse_from(["x", "--isolation", "a,a"]);
        assert!(probe.args.isolators().unwrap_err().contains("listed twice"));
        let probe = Probe::parse_from(["x", "--isolation", ""]);
        assert!(probe.args.isolators().unwrap().is_empty());
    }

    #[test]
    fn mesos_style_booleans() {
        let probe = Probe::parse_from(["x", "--switch_user=false", "--cgroups_enable_cfs"]);
        assert!(!probe.args.switch_user);
        assert!(probe.args.cgroups_enable_cfs);
        let flags = probe.args.host_flags(std::path::Path::new("/w"));
        assert_eq!(flags["cgroups_enable_cfs"], "true");
        assert_eq!(flags["cgroups_root"], "modkit");
    }
}
