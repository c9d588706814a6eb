//! `linux/capabilities`: each task runs with a bounded capability set. The effective set comes
//! from the task's `ContainerInfo.linux_info`, else `--effective_capabilities`; the bounding set
//! from the task, else `--bounding_capabilities`, else the effective set. Tasks of non-root
//! users get none unless asked. The launcher applies the sets in the task before exec.
//!
//! Names are Mesos's (`NET_BIND_SERVICE`; `CAP_` prefix and any case accepted), read through
//! modkit-ffi's `LinuxCapability`, which already maps them to kernel numbers; the `caps` crate
//! would only duplicate that table.

use modkit_ffi::sdk::{Create, Host, Isolator, ModuleError, Parameters, Result};
use modkit_ffi::types::{CapabilityInfo, ContainerConfig, ContainerLaunchInfo, LinuxCapability};
use std::collections::BTreeSet;

const NAME: &str = "linux/capabilities";

/// The capabilities error: the flag or container and why.
#[derive(Debug, thiserror::Error)]
pub enum CapabilitiesError {
    #[error("flag --{flag}={value:?}: {reason}")]
    Flag {
        flag: &'static str,
        value: String,
        reason: String,
    },
    #[error("{NAME}: container '{container_id}': {reason}")]
    Container {
        container_id: String,
        reason: String,
    },
}

impl From<CapabilitiesError> for ModuleError {
    fn from(e: CapabilitiesError) -> Self {
        ModuleError::InvalidArgument(e.to_string())
    }
}

type Set = BTreeSet<LinuxCapability>;

/// `CHOWN,NET_BIND_SERVICE`, `none` (the empty set), or Mesos's JSON
/// `{"capabilities":["CHOWN"]}`.
pub fn parse_capabilities(flag: &'static str, value: &str) -> Result<Set, CapabilitiesError> {
    let error = |reason: String| CapabilitiesError::Flag {
        flag,
        value: value.to_string(),
        reason,
    };
    let trimmed = value.trim();
    if trimmed.starts_with('{') {
        let info: CapabilityInfo = serde_json::from_str(trimmed)
            .map_err(|e| error(format!("not a CapabilityInfo: {e}")))?;
        return Ok(info.capabilities.into_iter().collect());
    }
    if trimmed.eq_ignore_ascii_case("none") || trimmed.is_empty() {
        return Ok(Set::new());
    }
    let mut set = Set::new();
    for name in trimmed.split(',').map(str::trim) {
        let upper = name.to_ascii_uppercase();
        let bare = upper.strip_prefix("CAP_").unwrap_or(&upper);
        let cap: LinuxCapability =
            serde_json::from_value(serde_json::Value::String(bare.to_string()))
                .map_err(|_| error(format!("unknown capability {name:?}")))?;
        set.insert(cap);
    }
    Ok(set)
}

fn names(set: &Set) -> String {
    let names: Vec<String> = set
        .iter()
        .map(|c| {
            serde_json::to_value(c)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        })
        .collect();
    if names.is_empty() {
        "none".into()
    } else {
        names.join(",")
    }
}

fn info(set: &Set) -> CapabilityInfo {
    CapabilityInfo {
        capabilities: set.iter().copied().collect(),
    }
}

pub struct LinuxCapabilitiesIsolator {
    effective: Option<Set>,
    bounding: Option<Set>,
}

impl Create for LinuxCapabilitiesIsolator {
    fn create(host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&[])?;
        Ok(LinuxCapabilitiesIsolator::from_lookup(|name| {
            host.flag(name)
        })?)
    }
}

impl LinuxCapabilitiesIsolator {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, CapabilitiesError> {
        let read = |flag: &'static str| {
            lookup(flag)
                .map(|v| parse_capabilities(flag, &v))
                .transpose()
        };
        let effective = read("effective_capabilities")?;
        let bounding = read("bounding_capabilities")?;
        if let (Some(e), Some(b)) = (&effective, &bounding) {
            if !e.is_subset(b) {
                return Err(CapabilitiesError::Flag {
                    flag: "effective_capabilities",
                    value: names(e),
                    reason: format!(
                        "{} are not in --bounding_capabilities",
                        names(&e.difference(b).copied().collect())
                    ),
                });
            }
        }
        Ok(LinuxCapabilitiesIsolator {
            effective,
            bounding,
        })
    }

    /// The (effective, bounding) sets of a container; `None` leaves the task as it is.
    pub fn sets(
        &self,
        container_id: &str,
        config: &ContainerConfig,
    ) -> Result<Option<(Set, Set)>, CapabilitiesError> {
        let linux = config
            .container_info
            .as_ref()
            .and_then(|c| c.linux_info.as_ref());
        let task_effective: Option<Set> = linux
            .and_then(|l| {
                l.effective_capabilities
                    .as_ref()
                    .or(l.capability_info.as_ref())
            })
            .map(|i| i.capabilities.iter().copied().collect());
        let task_bounding: Option<Set> = linux
            .and_then(|l| l.bounding_capabilities.as_ref())
            .map(|i| i.capabilities.iter().copied().collect());
        let error = |reason: String| CapabilitiesError::Container {
            container_id: container_id.to_string(),
            reason,
        };
        // The agent's bounding set caps what any task may ask for.
        if let Some(limit) = &self.bounding {
            for (what, asked) in [("effective", &task_effective), ("bounding", &task_bounding)] {
                if let Some(asked) = asked {
                    let over: Set = asked.difference(limit).copied().collect();
                    if !over.is_empty() {
                        return Err(error(format!(
                            "asks for {what} capabilities {} outside the agent's --bounding_capabilities ({})",
                            names(&over),
                            names(limit)
                        )));
                    }
                }
            }
        }
        let non_root = config.user.as_deref().is_some_and(|u| u != "root");
        let effective = task_effective
            .or_else(|| self.effective.clone())
            .or_else(|| non_root.then(Set::new));
        let bounding = task_bounding.or_else(|| self.bounding.clone());
        let (effective, bounding) = match (effective, bounding) {
            (None, None) => return Ok(None),
            (Some(e), None) => (e.clone(), e),
            (None, Some(b)) => (b.clone(), b),
            (Some(e), Some(b)) => (e, b),
        };
        if !effective.is_subset(&bounding) {
            return Err(error(format!(
                "effective capabilities {} are not in its bounding set ({})",
                names(&effective.difference(&bounding).copied().collect()),
                names(&bounding)
            )));
        }
        Ok(Some((effective, bounding)))
    }
}

impl Isolator for LinuxCapabilitiesIsolator {
    fn prepare(
        &self,
        container_id: &str,
        config: &ContainerConfig,
    ) -> Result<Option<ContainerLaunchInfo>> {
        let Some((effective, bounding)) = self.sets(container_id, config)? else {
            return Ok(None);
        };
        Ok(Some(ContainerLaunchInfo {
            effective_capabilities: Some(info(&effective)),
            bounding_capabilities: Some(info(&bounding)),
            ..ContainerLaunchInfo::default()
        }))
    }
}

modkit_ffi::export_module!(org_modkit_LinuxCapabilitiesIsolator: Isolator = LinuxCapabilitiesIsolator {
    author: "modkit",
    email: "",
    description: "linux/capabilities: tasks run with bounded capability sets",
});

#[cfg(test)]
mod tests {
    use super::*;
    use modkit_ffi::types::{ContainerInfo, LinuxInfo};
    use std::collections::BTreeMap;

    fn iso(pairs: &[(&str, &str)]) -> Result<LinuxCapabilitiesIsolator, CapabilitiesError> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        LinuxCapabilitiesIsolator::from_lookup(|n| map.get(n).cloned())
    }

    fn config(user: Option<&str>, effective: Option<&[LinuxCapability]>) -> ContainerConfig {
        ContainerConfig {
            user: user.map(str::to_string),
            container_info: effective.map(|caps| ContainerInfo {
                linux_info: Some(LinuxInfo {
                    effective_capabilities: Some(CapabilityInfo {
                        capabilities: caps.to_vec(),
                    }),
                    ..LinuxInfo::default()
                }),
                ..ContainerInfo::default()
            }),
            directory: "/s".into(),
            ..ContainerConfig::default()
        }
    }

    fn set(caps: &[LinuxCapability]) -> Set {
        caps.iter().copied().collect()
    }

    #[test]
    fn flag_spellings() {
        use LinuxCapability::*;
        assert_eq!(
            parse_capabilities("f", "CHOWN, cap_net_bind_service").unwrap(),
            set(&[Chown, NetBindService])
        );
        assert_eq!(parse_capabilities("f", "none").unwrap(), Set::new());
        assert_eq!(
            parse_capabilities("f", r#"{"capabilities":["NET_RAW"]}"#).unwrap(),
            set(&[NetRaw])
        );
        assert_eq!(
            parse_capabilities("effective_capabilities", "CHOWN,FLY")
                .unwrap_err()
                .to_string(),
            "flag --effective_capabilities=\"CHOWN,FLY\": unknown capability \"FLY\""
        );
        let e = iso(&[
            ("effective_capabilities", "CHOWN,KILL"),
            ("bounding_capabilities", "CHOWN"),
        ])
        .err()
        .unwrap();
        assert_eq!(
            e.to_string(),
            "flag --effective_capabilities=\"CHOWN,KILL\": KILL are not in --bounding_capabilities"
        );
    }

    #[test]
    fn sets_by_precedence() {
        use LinuxCapability::*;
        let none = iso(&[]).unwrap();
        assert_eq!(none.sets("c", &config(None, None)).unwrap(), None);
        assert_eq!(none.sets("c", &config(Some("root"), None)).unwrap(), None);
        // Non-root tasks get nothing by default.
        assert_eq!(
            none.sets("c", &config(Some("nobody"), None)).unwrap(),
            Some((Set::new(), Set::new()))
        );
        // The task's own set wins; the bounding set follows it.
        assert_eq!(
            none.sets("c", &config(None, Some(&[Chown]))).unwrap(),
            Some((set(&[Chown]), set(&[Chown])))
        );
        let agent = iso(&[
            ("effective_capabilities", "CHOWN"),
            ("bounding_capabilities", "CHOWN,NET_RAW"),
        ])
        .unwrap();
        assert_eq!(
            agent.sets("c", &config(None, None)).unwrap(),
            Some((set(&[Chown]), set(&[Chown, NetRaw])))
        );
        assert_eq!(
            agent.sets("c", &config(None, Some(&[]))).unwrap(),
            Some((Set::new(), set(&[Chown, NetRaw])))
        );
        let e = agent
            .sets("c", &config(None, Some(&[SysAdmin])))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "linux/capabilities: container 'c': asks for effective capabilities SYS_ADMIN outside the agent's --bounding_capabilities (CHOWN,NET_RAW)");
    }

    #[test]
    fn prepare_returns_both_sets() {
        let iso = iso(&[("effective_capabilities", "none")]).unwrap();
        let info = iso.prepare("c", &config(None, None)).unwrap().unwrap();
        assert_eq!(info.effective_capabilities, Some(CapabilityInfo::default()));
        assert_eq!(info.bounding_capabilities, Some(CapabilityInfo::default()));
    }
}
