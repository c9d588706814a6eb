//! The agent flags the cgroups isolators read (strings from the host), with Mesos's defaults.

use crate::IsolatorError;
use modkit_ffi::sdk::Host;
use std::path::PathBuf;

/// `--cgroups_*` flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CgroupsFlags {
    /// `--cgroups_hierarchy` (`/sys/fs/cgroup`).
    pub hierarchy: PathBuf,
    /// `--cgroups_root` (`modkit`): containers live in `<root>/<container_id>`.
    pub root: String,
    /// `--cgroups_enable_cfs` (false): hard CPU limits besides shares.
    pub enable_cfs: bool,
    /// `--cgroups_limit_swap` (false): the memory limit covers swap too.
    pub limit_swap: bool,
    /// `--cgroups_pids_max_default` (none): `pids.max` for containers without a `pids`
    /// resource.
    pub pids_max_default: Option<u64>,
}

impl Default for CgroupsFlags {
    fn default() -> Self {
        CgroupsFlags {
            hierarchy: PathBuf::from("/sys/fs/cgroup"),
            root: "modkit".to_string(),
            enable_cfs: false,
            limit_swap: false,
            pids_max_default: None,
        }
    }
}

fn flag_error(flag: &'static str, value: &str, reason: &str) -> IsolatorError {
    IsolatorError::Flag {
        flag,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

fn parse_bool(flag: &'static str, value: &str) -> Result<bool, IsolatorError> {
    match value.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(flag_error(flag, value, "expected true or false")),
    }
}

fn parse_root(value: &str) -> Result<String, IsolatorError> {
    let root = value.trim().trim_matches('/');
    if root.is_empty() {
        return Err(flag_error(
            "cgroups_root",
            value,
            "must name a cgroup below the hierarchy",
        ));
    }
    if root
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == ".." || c.contains(['\0', '\n']))
    {
        return Err(flag_error(
            "cgroups_root",
            value,
            "must be a relative cgroup path without '.', '..' or empty components",
        ));
    }
    Ok(root.to_string())
}

impl CgroupsFlags {
    /// The flags as the agent passed them.
    pub fn from_host(host: &Host) -> Result<CgroupsFlags, IsolatorError> {
        CgroupsFlags::from_lookup(|name| host.flag(name))
    }

    /// The flags from any lookup (flag name → value); unset flags take their defaults.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<CgroupsFlags, IsolatorError> {
        let mut flags = CgroupsFlags::default();
        if let Some(value) = lookup("cgroups_hierarchy") {
            if !value.starts_with('/') {
                return Err(flag_error(
                    "cgroups_hierarchy",
                    &value,
                    "must be an absolute path",
                ));
            }
            flags.hierarchy = PathBuf::from(value);
        }
        if let Some(value) = lookup("cgroups_root") {
            flags.root = parse_root(&value)?;
        }
        if let Some(value) = lookup("cgroups_enable_cfs") {
            flags.enable_cfs = parse_bool("cgroups_enable_cfs", &value)?;
        }
        if let Some(value) = lookup("cgroups_limit_swap") {
            flags.limit_swap = parse_bool("cgroups_limit_swap", &value)?;
        }
        if let Some(value) = lookup("cgroups_pids_max_default") {
            flags.pids_max_default = match value.trim() {
                "" | "none" | "max" => None,
                n => {
                    let max: u64 = n.parse().map_err(|_| {
                        flag_error(
                            "cgroups_pids_max_default",
                            &value,
                            "expected a positive number of processes or 'max'",
                        )
                    })?;
                    if max == 0 {
                        return Err(flag_error(
                            "cgroups_pids_max_default",
                            &value,
                            "must be at least 1",
                        ));
                    }
                    Some(max)
                }
            };
        }
        Ok(flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn parse(pairs: &[(&str, &str)]) -> Result<CgroupsFlags, IsolatorError> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        CgroupsFlags::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_and_values() {
        assert_eq!(parse(&[]).unwrap(), CgroupsFlags::default());
        let flags = parse(&[
            ("cgroups_hierarchy", "/cg"),
            ("cgroups_root", "/modkit/agent1/"),
            ("cgroups_enable_cfs", "true"),
            ("cgroups_limit_swap", "1"),
            ("cgroups_pids_max_default", "512"),
        ])
        .unwrap();
        assert_eq!(flags.hierarchy, PathBuf::from("/cg"));
        assert_eq!(flags.root, "modkit/agent1");
        assert!(flags.enable_cfs && flags.limit_swap);
        assert_eq!(flags.pids_max_default, Some(512));
        assert_eq!(
            parse(&[("cgroups_pids_max_default", "max")])
                .unwrap()
                .pids_max_default,
            None
        );
    }

    #[test]
    fn bad_values_name_the_flag_and_the_value() {
        let cases = [
            (("cgroups_enable_cfs", "maybe"), "flag --cgroups_enable_cfs=\"maybe\": expected true or false"),
            (("cgroups_limit_swap", "yes please"), "flag --cgroups_limit_swap=\"yes please\": expected true or false"),
            (("cgroups_hierarchy", "sys/fs/cgroup"), "flag --cgroups_hierarchy=\"sys/fs/cgroup\": must be an absolute path"),
            (("cgroups_root", "/"), "flag --cgroups_root=\"/\": must name a cgroup below the hierarchy"),
            (("cgroups_root", "a/../b"), "flag --cgroups_root=\"a/../b\": must be a relative cgroup path without '.', '..' or empty components"),
            (("cgroups_pids_max_default", "-3"), "flag --cgroups_pids_max_default=\"-3\": expected a positive number of processes or 'max'"),
            (("cgroups_pids_max_default", "0"), "flag --cgroups_pids_max_default=\"0\": must be at least 1"),
        ];
        for ((flag, value), expected) in cases {
            let e = parse(&[(flag, value)]).unwrap_err();
            assert_eq!(e.to_string(), expected);
            let module: modkit_ffi::sdk::ModuleError = e.into();
            assert!(matches!(
                module,
                modkit_ffi::sdk::ModuleError::InvalidArgument(_)
            ));
        }
    }
}
