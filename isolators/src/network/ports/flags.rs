//! The flags of `network/ports`, with Mesos's defaults, and the range of ports they check.

use crate::periodic::{parse_bool, parse_interval};
use crate::IsolatorError;
use modkit_ffi::resources::{Ranges, Resources};
use std::time::Duration;

/// What the agent offers when `--resources` names no ports (as the agent fills it in).
pub const DEFAULT_AGENT_PORTS: (u64, u64) = (31000, 32000);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortsFlags {
    /// `--container_ports_watch_interval` (30secs).
    pub watch_interval: Duration,
    /// `--enforce_container_ports` (false): without it violations are only logged.
    pub enforce: bool,
    /// Only ports in here are checked (`--container_ports_isolated_range`, or the agent's
    /// `ports` with `--check_agent_port_range_only`); `None`: every port.
    pub checked: Option<Ranges>,
}

impl Default for PortsFlags {
    fn default() -> Self {
        PortsFlags {
            watch_interval: Duration::from_secs(30),
            enforce: false,
            checked: None,
        }
    }
}

fn flag_error(flag: &'static str, value: &str, reason: impl Into<String>) -> IsolatorError {
    IsolatorError::Flag {
        flag,
        value: value.to_string(),
        reason: reason.into(),
    }
}

/// Ranges as Mesos writes them: `[31000-32000,33000-33100]`.
pub fn parse_ranges(flag: &'static str, text: &str) -> Result<Ranges, IsolatorError> {
    let resources: Resources = format!("ports:{}", text.trim()).parse().map_err(|e| {
        flag_error(
            flag,
            text,
            format!("expected ranges such as [31000-32000]: {e}"),
        )
    })?;
    let ranges = resources
        .ranges("ports")
        .ok_or_else(|| flag_error(flag, text, "expected ranges such as [31000-32000]"))?;
    if ranges.iter().any(|(_, end)| end > u64::from(u16::MAX)) {
        return Err(flag_error(flag, text, "ports end at 65535"));
    }
    Ok(ranges)
}

impl PortsFlags {
    /// From any lookup (flag name → value); unset flags take their defaults. `resources` is
    /// the agent's `--resources` text, used by `--check_agent_port_range_only`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, IsolatorError> {
        let mut flags = PortsFlags::default();
        if let Some(value) = lookup("container_ports_watch_interval") {
            flags.watch_interval = parse_interval("container_ports_watch_interval", &value)?;
        }
        if let Some(value) = lookup("enforce_container_ports") {
            flags.enforce = parse_bool("enforce_container_ports", &value)?;
        }
        let agent_only = match lookup("check_agent_port_range_only") {
            Some(value) => parse_bool("check_agent_port_range_only", &value)?,
            None => false,
        };
        let isolated = lookup("container_ports_isolated_range").filter(|v| !v.trim().is_empty());
        flags.checked = match (isolated, agent_only) {
            (Some(range), true) => {
                return Err(flag_error(
                    "check_agent_port_range_only",
                    "true",
                    format!("cannot be combined with --container_ports_isolated_range={range:?}: give one of them"),
                ))
            }
            (Some(range), false) => Some(parse_ranges("container_ports_isolated_range", &range)?),
            (None, true) => Some(agent_ports(lookup("resources"))?),
            (None, false) => None,
        };
        Ok(flags)
    }
}

/// The `ports` of the agent's `--resources`, else what the agent offers by default.
fn agent_ports(resources: Option<String>) -> Result<Ranges, IsolatorError> {
    let default = || Ranges::from(DEFAULT_AGENT_PORTS.0..=DEFAULT_AGENT_PORTS.1);
    let Some(text) = resources.filter(|t| !t.trim().is_empty()) else {
        return Ok(default());
    };
    let parsed: Resources = text.parse().map_err(|e| {
        flag_error(
            "resources",
            &text,
            format!("needed by --check_agent_port_range_only: {e}"),
        )
    })?;
    Ok(parsed.ranges("ports").unwrap_or_else(default))
}

#[cfg(test)]
mod tests;
