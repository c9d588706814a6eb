//! `modkit master` flags, spelled as Mesos spells them; each also readable from `MODKIT_<FLAG>`.

use super::MasterError;
use crate::cli::SpecArgs;
use clap::{ArgAction, Args};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug, Clone)]
pub struct MasterFlags {
    /// Where the master keeps its files (created if missing).
    #[arg(long = "work_dir", env = "MODKIT_WORK_DIR")]
    pub work_dir: PathBuf,
    /// Address to listen on.
    #[arg(long = "ip", env = "MODKIT_IP", default_value = "127.0.0.1")]
    pub ip: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long = "port", env = "MODKIT_PORT", default_value_t = 5050)]
    pub port: u16,
    /// The allocator module (built-in or from --modules).
    #[arg(
        long = "allocator",
        env = "MODKIT_ALLOCATOR",
        default_value = "hierarchical"
    )]
    pub allocator: String,
    /// Sorter of roles (any sorter module).
    #[arg(
        long = "role_sorter",
        env = "MODKIT_ROLE_SORTER",
        default_value = "drf"
    )]
    pub role_sorter: String,
    /// Sorter of each role's frameworks (any sorter module).
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
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Hook modules run in this order (the launch-task label decorator, the agent-lost hook).
    #[arg(long = "hooks", env = "MODKIT_HOOKS")]
    pub hooks: Option<String>,
    /// What a failing hook does: warn (keep the value from before it) or fail (the task fails).
    #[arg(
        long = "hook_error_policy",
        env = "MODKIT_HOOK_ERROR_POLICY",
        value_enum,
        default_value = "warn"
    )]
    pub hook_error_policy: crate::hooks::HookErrorPolicy,
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
    /// An agent silent this long misses one ping.
    #[arg(
        long = "agent_ping_timeout",
        env = "MODKIT_AGENT_PING_TIMEOUT",
        default_value = "15secs"
    )]
    pub agent_ping_timeout: String,
    /// Missed pings after which an agent is removed.
    #[arg(
        long = "max_agent_ping_timeouts",
        env = "MODKIT_MAX_AGENT_PING_TIMEOUTS",
        default_value_t = 5
    )]
    pub max_agent_ping_timeouts: u32,
    /// Time between HEARTBEAT events on each scheduler stream (Mesos: 15 s, not a flag there).
    #[arg(
        long = "framework_heartbeat_interval",
        env = "MODKIT_FRAMEWORK_HEARTBEAT_INTERVAL",
        default_value = "15secs"
    )]
    pub framework_heartbeat_interval: String,
    /// Principals and secrets: a path, file:///path, or inline JSON
    /// (`{"credentials":[{"principal":..,"secret":..}]}`).
    #[arg(long = "credentials", env = "MODKIT_CREDENTIALS")]
    pub credentials: Option<String>,
    /// Require HTTP Basic authentication on the scheduler API.
    #[arg(long = "authenticate_frameworks", env = "MODKIT_AUTHENTICATE_FRAMEWORKS", default_value_t = false, action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub authenticate_frameworks: bool,
    /// ACLs as Mesos writes them: a path, file:///path, or inline JSON.
    #[arg(long = "acls", env = "MODKIT_ACLS")]
    pub acls: Option<String>,
}

/// The flags with their durations parsed and checked.
#[derive(Debug, Clone)]
pub struct Timing {
    pub allocation_interval: Duration,
    pub offer_timeout: Option<Duration>,
    pub agent_ping_timeout: Duration,
    pub heartbeat_interval: Duration,
}

fn duration(flag: &'static str, text: &str) -> Result<Duration, MasterError> {
    let d = crate::flags::parse_duration(text)
        .map_err(|source| MasterError::Duration { flag, source })?;
    if d.is_zero() {
        return Err(MasterError::Flag {
            flag,
            reason: format!("'{text}' must be more than zero"),
        });
    }
    Ok(d)
}

impl MasterFlags {
    /// Defaults as the CLI has them, with `work_dir`; for hosts that start a master in-process.
    pub fn new(work_dir: impl Into<PathBuf>) -> MasterFlags {
        use clap::Parser;
        #[derive(Parser)]
        struct Probe {
            #[command(flatten)]
            flags: MasterFlags,
        }
        let mut probe = Probe::parse_from(["master", "--work_dir", "."]);
        probe.flags.work_dir = work_dir.into();
        probe.flags
    }

    pub fn timing(&self) -> Result<Timing, MasterError> {
        if self.max_agent_ping_timeouts == 0 {
            return Err(MasterError::Flag {
                flag: "max_agent_ping_timeouts",
                reason: "must be at least 1".into(),
            });
        }
        Ok(Timing {
            allocation_interval: duration("allocation_interval", &self.allocation_interval)?,
            offer_timeout: self
                .offer_timeout
                .as_deref()
                .map(|t| duration("offer_timeout", t))
                .transpose()?,
            agent_ping_timeout: duration("agent_ping_timeout", &self.agent_ping_timeout)?,
            heartbeat_interval: duration(
                "framework_heartbeat_interval",
                &self.framework_heartbeat_interval,
            )?,
        })
    }

    /// `--roles` as a list (None: any role).
    pub fn role_whitelist(&self) -> Option<Vec<String>> {
        self.roles.as_ref().map(|r| {
            r.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
    }

    /// The host flags modules read (the allocator reads its sorters and weights here).
    pub fn host_flags(&self) -> BTreeMap<String, String> {
        let mut flags = BTreeMap::new();
        for (name, value) in [
            ("work_dir", self.work_dir.display().to_string()),
            ("ip", self.ip.clone()),
            ("port", self.port.to_string()),
            ("allocator", self.allocator.clone()),
            ("role_sorter", self.role_sorter.clone()),
            ("framework_sorter", self.framework_sorter.clone()),
            ("weights", self.weights.clone()),
            ("allocation_interval", self.allocation_interval.clone()),
            (
                "fair_sharing_excluded_resource_names",
                self.fair_sharing_excluded_resource_names.clone(),
            ),
            ("agent_ping_timeout", self.agent_ping_timeout.clone()),
            (
                "max_agent_ping_timeouts",
                self.max_agent_ping_timeouts.to_string(),
            ),
            ("hooks", self.hooks.clone().unwrap_or_default()),
            ("hook_error_policy", self.hook_error_policy.to_string()),
            (
                "authenticate_frameworks",
                self.authenticate_frameworks.to_string(),
            ),
        ] {
            flags.insert(name.to_string(), value);
        }
        if let Some(t) = &self.offer_timeout {
            flags.insert("offer_timeout".into(), t.clone());
        }
        if let Some(r) = &self.roles {
            flags.insert("roles".into(), r.clone());
        }
        // Secrets and ACLs are never echoed: only whether they are set.
        flags.insert(
            "credentials".into(),
            if self.credentials.is_some() {
                "(set)"
            } else {
                ""
            }
            .into(),
        );
        flags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_mesos_defaults() {
        let flags = MasterFlags::new("/tmp/x");
        assert_eq!(flags.port, 5050);
        assert_eq!(flags.ip, "127.0.0.1");
        let t = flags.timing().unwrap();
        assert_eq!(t.allocation_interval, Duration::from_secs(1));
        assert_eq!(t.agent_ping_timeout, Duration::from_secs(15));
        assert_eq!(flags.max_agent_ping_timeouts, 5);
        assert!(t.offer_timeout.is_none());
    }

    #[test]
    fn bad_durations_name_the_flag() {
        let mut flags = MasterFlags::new("/tmp/x");
        flags.allocation_interval = "soon".into();
        let e = flags.timing().unwrap_err().to_string();
        assert!(e.starts_with("--allocation_interval"), "{e}");
        let mut flags = MasterFlags::new("/tmp/x");
        flags.offer_timeout = Some("0secs".into());
        let e = flags.timing().unwrap_err().to_string();
        assert!(
            e.contains("--offer_timeout") && e.contains("more than zero"),
            "{e}"
        );
        let mut flags = MasterFlags::new("/tmp/x");
        flags.max_agent_ping_timeouts = 0;
        assert!(flags.timing().is_err());
    }

    #[test]
    fn secrets_are_not_in_host_flags() {
        let mut flags = MasterFlags::new("/tmp/x");
        flags.credentials = Some(r#"{"credentials":[{"principal":"p","secret":"s3cret"}]}"#.into());
        let host = flags.host_flags();
        assert!(!host.values().any(|v| v.contains("s3cret")));
        assert_eq!(flags.role_whitelist(), None);
        flags.roles = Some("a, b".into());
        assert_eq!(flags.role_whitelist(), Some(vec!["a".into(), "b".into()]));
    }
}
