//! What the agent offers: `--resources` with cpus, mem, disk and ports filled in from the
//! machine where not given, as Mesos does.

use super::error::AgentError;
use modkit_ffi::resources::Resources;
use std::path::Path;

const MB: u64 = 1024 * 1024;
const GB: u64 = 1024 * MB;

pub fn agent_resources(flag: Option<&str>, work_dir: &Path) -> Result<Resources, AgentError> {
    let given: Resources = match flag {
        Some(text) => text.parse().map_err(|e| AgentError::Flag {
            flag: "resources",
            reason: format!("{e}"),
        })?,
        None => Resources::new(),
    };
    if let Some(gpus) = given.scalar("gpus") {
        if !gpus.is_whole() || gpus.milli() < 0 {
            return Err(AgentError::Flag {
                flag: "resources",
                reason: format!("gpus must be an unsigned integer, not {gpus}"),
            });
        }
    }
    let mut extra = Vec::new();
    if !given.names().any(|n| n == "cpus") {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        extra.push(format!("cpus:{cpus}"));
    }
    if !given.names().any(|n| n == "mem") {
        if let Some(total) = total_memory() {
            extra.push(format!("mem:{}", memory_to_offer(total) / MB));
        }
    }
    if !given.names().any(|n| n == "disk") {
        if let Some(total) = disk_size(work_dir) {
            extra.push(format!("disk:{}", disk_to_offer(total) / MB));
        }
    }
    if !given.names().any(|n| n == "ports") {
        extra.push("ports:[31000-32000]".to_string());
    }
    if extra.is_empty() {
        return Ok(given);
    }
    let detected: Resources = extra.join(";").parse().map_err(|e| AgentError::Flag {
        flag: "resources",
        reason: format!("detected resources: {e}"),
    })?;
    Ok(given + detected)
}

/// Adds the devices gpu/devices hands out (`counts`: resource name and number of devices,
/// `gpus` always among them): a count `--resources` already gives must match.
pub fn with_devices(
    resources: Resources,
    given: Option<&str>,
    counts: &[(String, usize)],
) -> Result<Resources, AgentError> {
    let flag: Resources = match given {
        Some(text) => text.parse().map_err(|e| AgentError::Flag {
            flag: "resources",
            reason: format!("{e}"),
        })?,
        None => Resources::new(),
    };
    let mut extra = Vec::new();
    for (name, count) in counts {
        match flag.scalar(name) {
            Some(value) if value.milli() != *count as i64 * 1000 => {
                return Err(AgentError::Flag {
                    flag: "resources",
                    reason: format!(
                    "{name}:{value} does not match the {count} {name} the device providers report"
                ),
                })
            }
            Some(_) => {}
            None if *count > 0 => extra.push(format!("{name}:{count}")),
            None => {}
        }
    }
    if extra.is_empty() {
        return Ok(resources);
    }
    let devices: Resources = extra.join(";").parse().map_err(|e| AgentError::Flag {
        flag: "resources",
        reason: format!("device resources: {e}"),
    })?;
    Ok(resources + devices)
}

/// With `gpu/devices` in `--isolation`: how many devices of each resource the providers
/// report (`gpus` always listed), as that isolator sees them (same flags, same providers).
pub fn device_counts(
    isolation: &super::IsolationArgs,
    work_dir: &Path,
    host: &modkit_ffi::sdk::Host,
) -> Result<Vec<(String, usize)>, AgentError> {
    let names = isolation.isolators().unwrap_or_default();
    if !names
        .iter()
        .any(|n| n == "gpu/devices" || n == "org_modkit_GpuDevicesIsolator")
    {
        return Ok(Vec::new());
    }
    let flags = isolation.host_flags(work_dir);
    let device_error = |e: modkit_isolators::devices::DeviceError| AgentError::Flag {
        flag: "isolation",
        reason: format!("gpu/devices: {e}"),
    };
    let devices = modkit_isolators::devices::DeviceFlags::from_lookup(|n| flags.get(n).cloned())
        .map_err(device_error)?;
    let inventory =
        modkit_isolators::devices::discover(&devices, Some(host)).map_err(device_error)?;
    let mut counts = vec![("gpus".to_string(), inventory.count("gpus"))];
    for name in inventory.resources() {
        if name != "gpus" {
            counts.push((name.clone(), inventory.count(&name)));
        }
    }
    Ok(counts)
}

/// Mesos leaves 1 GB to the system (half of memory below 2 GB).
fn memory_to_offer(total: u64) -> u64 {
    if total >= 2 * GB {
        total - GB
    } else {
        total / 2
    }
}

/// Mesos leaves 5 GB of the work dir's disk (half below 10 GB).
fn disk_to_offer(total: u64) -> u64 {
    if total >= 10 * GB {
        total - 5 * GB
    } else {
        total / 2
    }
}

fn total_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn disk_size(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs is plain data; zeroed is a valid value for it.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is NUL-terminated and `stat` a valid out-pointer.
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    Some(stat.f_blocks as u64 * stat.f_frsize as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_resources_win_and_the_rest_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let r = agent_resources(Some("cpus:3;mem:100;gpus:1"), dir.path()).unwrap();
        assert_eq!(r.scalar("cpus").map(|s| s.as_f64()), Some(3.0));
        assert_eq!(r.scalar("mem").map(|s| s.as_f64()), Some(100.0));
        assert_eq!(r.scalar("gpus").map(|s| s.as_f64()), Some(1.0));
        assert!(r.scalar("disk").is_some());
        assert!(r.ranges("ports").is_some());
        let r = agent_resources(None, dir.path()).unwrap();
        assert!(r.scalar("cpus").unwrap().as_f64() >= 1.0);
        assert!(r.scalar("mem").unwrap().as_f64() > 0.0);
    }

    #[test]
    fn bad_resources_name_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let err = agent_resources(Some("mem:-5"), dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("--resources: "), "{err}");
        assert!(err.contains("negative value -5 for 'mem'"), "{err}");
    }

    #[test]
    fn device_counts_are_advertised_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let counts = [("gpus".to_string(), 2), ("fpgas".to_string(), 0)];
        let base = agent_resources(Some("cpus:1"), dir.path()).unwrap();
        let r = with_devices(base.clone(), Some("cpus:1"), &counts).unwrap();
        assert_eq!(r.scalar("gpus").map(|s| s.as_f64()), Some(2.0));
        assert!(r.scalar("fpgas").is_none());
        let given = agent_resources(Some("cpus:1;gpus:2"), dir.path()).unwrap();
        let r = with_devices(given.clone(), Some("cpus:1;gpus:2"), &counts).unwrap();
        assert_eq!(r.scalar("gpus").map(|s| s.as_f64()), Some(2.0));
        let err = with_devices(base, Some("cpus:1;gpus:3"), &counts)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "--resources: gpus:3 does not match the 2 gpus the device providers report"
        );
        let err = agent_resources(Some("gpus:1.5"), dir.path())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "--resources: gpus must be an unsigned integer, not 1.5"
        );
    }

    #[test]
    fn mesos_reservations_for_the_system() {
        assert_eq!(memory_to_offer(8 * GB), 7 * GB);
        assert_eq!(memory_to_offer(GB), GB / 2);
        assert_eq!(disk_to_offer(100 * GB), 95 * GB);
        assert_eq!(disk_to_offer(4 * GB), 2 * GB);
    }
}
