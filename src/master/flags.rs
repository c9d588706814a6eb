//! `modkit master` flags, spelled as Mesos spells them; each also readable from `MODKIT_<FLAG>`.

use super::MasterError;
use crate::auth::{AuthError, AuthPolicy};
use crate::cli::SpecArgs;
use crate::flags::{AllocatorArgs, SharingArgs};
use crate::hooks::HookArgs;
use clap::{ArgAction, Args};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug, Clone)]
#[command(mut_arg("hooks", |a| a.help(
    "Hook modules run in this order (the launch-task label decorator, the agent-lost hook)"
)))]
#[command(mut_arg("hook_error_policy", |a| a.help(
    "What a failing hook does: warn (keep the value from before it) or fail (the task fails)"
)))]
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
    #[command(flatten)]
    pub allocator: AllocatorArgs,
    #[command(flatten)]
    pub sharing: SharingArgs,
    #[command(flatten)]
    pub offers: OfferFlags,
    #[command(flatten)]
    pub spec: SpecArgs,
    #[command(flatten)]
    pub hooks: HookArgs,
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
    #[command(flatten)]
    pub auth: AuthFlags,
}

/// Which roles get offers, how often, and how long an offer lasts; `modkit local` takes these
/// too.
#[derive(Args, Debug, Clone)]
pub struct OfferFlags {
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
}

/// Who may use the scheduler API; `modkit local` takes these too.
#[derive(Args, Debug, Clone)]
pub struct AuthFlags {
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

impl AuthFlags {
    /// The credentials and ACLs loaded; errors name the flag.
    pub fn policy(&self) -> Result<AuthPolicy, AuthError> {
        AuthPolicy::from_flags(
            self.credentials.as_deref(),
            self.authenticate_frameworks,
            self.acls.as_deref(),
        )
    }
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
            allocation_interval: duration("allocation_interval", &self.offers.allocation_interval)?,
            offer_timeout: self
                .offers
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
        self.offers
            .roles
            .as_deref()
            .map(|r| crate::flags::list(r).collect())
    }

    /// The host flags modules read (the allocator reads its sorters and weights here).
    pub fn host_flags(&self) -> BTreeMap<String, String> {
        let mut flags = self.allocator.sorter_flags();
        flags.extend(self.sharing.host_flags());
        flags.extend(self.hooks.host_flags());
        for (name, value) in [
            ("work_dir", self.work_dir.display().to_string()),
            ("ip", self.ip.clone()),
            ("port", self.port.to_string()),
            ("allocator", self.allocator.name.clone()),
            (
                "allocation_interval",
                self.offers.allocation_interval.clone(),
            ),
            ("agent_ping_timeout", self.agent_ping_timeout.clone()),
            (
                "max_agent_ping_timeouts",
                self.max_agent_ping_timeouts.to_string(),
            ),
            (
                "authenticate_frameworks",
                self.auth.authenticate_frameworks.to_string(),
            ),
        ] {
            flags.insert(name.to_string(), value);
        }
        if let Some(t) = &self.offers.offer_timeout {
            flags.insert("offer_timeout".into(), t.clone());
        }
        if let Some(r) = &self.offers.roles {
            flags.insert("roles".into(), r.clone());
        }
        // Secrets and ACLs are never echoed: only whether they are set.
        flags.insert(
            "credentials".into(),
            if self.auth.credentials.is_some() {
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
        flags.offers.allocation_interval = "soon".into();
        let e = flags.timing().unwrap_err().to_string();
        assert!(e.starts_with("--allocation_interval"), "{e}");
        let mut flags = MasterFlags::new("/tmp/x");
        flags.offers.offer_timeout = Some("0secs".into());
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
    fn auth_flags_load_or_name_the_missing_flag() {
        let mut flags = MasterFlags::new("/tmp/x");
        assert!(!flags.auth.policy().unwrap().is_required());
        flags.auth.authenticate_frameworks = true;
        let e = flags.auth.policy().unwrap_err().to_string();
        assert!(e.contains("--credentials"), "{e}");
    }

    #[test]
    fn secrets_are_not_in_host_flags() {
        let mut flags = MasterFlags::new("/tmp/x");
        flags.auth.credentials =
            Some(r#"{"credentials":[{"principal":"p","secret":"s3cret"}]}"#.into());
        let host = flags.host_flags();
        assert!(!host.values().any(|v| v.contains("s3cret")));
        assert_eq!(flags.role_whitelist(), None);
        flags.offers.roles = Some("a, b".into());
        assert_eq!(flags.role_whitelist(), Some(vec!["a".into(), "b".into()]));
    }
}
