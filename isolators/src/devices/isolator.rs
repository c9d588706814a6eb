//! `cgroups/devices`: every container may open only Mesos's default devices plus
//! `--allowed_devices`. When `gpu/devices` is also in `--isolation` it owns the device cgroup
//! (defaults plus the container's devices) and this isolator steps aside, so the two never
//! overwrite each other's rules.

use super::{DeviceCgroup, DeviceFlags, DeviceRule, DEFAULT_RULES};
use crate::containers::Containers;
use crate::CgroupsFlags;
use modkit_cgroups::Cgroups;
use modkit_ffi::sdk::{Create, Host, Isolator, Parameters, Result};
use modkit_ffi::types::{ContainerConfig, ContainerId, ContainerLaunchInfo, ContainerState};

const NAME: &str = "cgroups/devices";

/// The names `gpu/devices` may have in `--isolation`.
pub(crate) const GPU_ISOLATOR_NAMES: [&str; 2] = ["gpu/devices", "org_modkit_GpuDevicesIsolator"];

pub struct CgroupsDevicesIsolator {
    /// None when `gpu/devices` owns the device cgroup.
    cgroup: Option<DeviceCgroup>,
    rules: Vec<DeviceRule>,
    containers: Containers<String>,
}

/// Whether `--isolation` names `gpu/devices`.
pub(crate) fn gpu_isolator_listed(isolation: Option<&str>) -> bool {
    isolation.is_some_and(|list| {
        list.split(',')
            .map(str::trim)
            .any(|name| GPU_ISOLATOR_NAMES.contains(&name))
    })
}

/// Mesos's defaults, then the operator's.
pub(crate) fn base_rules(flags: &DeviceFlags) -> Vec<DeviceRule> {
    let mut rules = DEFAULT_RULES.to_vec();
    rules.extend(flags.allowed.iter().copied());
    rules
}

impl Create for CgroupsDevicesIsolator {
    fn create(host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&[])?;
        let devices = DeviceFlags::from_host(host)?;
        if gpu_isolator_listed(host.flag("isolation").as_deref()) {
            tracing::info!(
                "cgroups/devices: gpu/devices is in --isolation and owns the device cgroup"
            );
            return Ok(CgroupsDevicesIsolator {
                cgroup: None,
                rules: Vec::new(),
                containers: Containers::new(NAME),
            });
        }
        let cgroup = DeviceCgroup::detect(NAME, CgroupsFlags::from_host(host)?)?;
        Ok(CgroupsDevicesIsolator::from_parts(cgroup, &devices))
    }
}

impl CgroupsDevicesIsolator {
    /// Over any hierarchy (tests use a fake one).
    pub fn with_cgroups(
        cgroups: Cgroups,
        flags: CgroupsFlags,
        devices: &DeviceFlags,
    ) -> Result<Self> {
        let cgroup = DeviceCgroup::new(NAME, cgroups, flags)?;
        Ok(CgroupsDevicesIsolator::from_parts(cgroup, devices))
    }

    fn from_parts(cgroup: DeviceCgroup, devices: &DeviceFlags) -> Self {
        CgroupsDevicesIsolator {
            cgroup: Some(cgroup),
            rules: base_rules(devices),
            containers: Containers::new(NAME),
        }
    }
}

impl Isolator for CgroupsDevicesIsolator {
    fn recover(&self, states: &[ContainerState], orphans: &[ContainerId]) -> Result<()> {
        let Some(devices) = &self.cgroup else {
            return Ok(());
        };
        devices.recover(states, orphans, |container_id, cgroup| {
            self.containers.insert(container_id, cgroup);
            Ok(())
        })?;
        Ok(())
    }

    fn prepare(
        &self,
        container_id: &str,
        _config: &ContainerConfig,
    ) -> Result<Option<ContainerLaunchInfo>> {
        let Some(devices) = &self.cgroup else {
            return Ok(None);
        };
        self.containers.ensure_new(container_id)?;
        let cgroup = devices.prepare(container_id, &self.rules)?;
        self.containers.insert(container_id, cgroup);
        Ok(None)
    }

    fn isolate(&self, container_id: &str, pid: i32) -> Result<()> {
        let Some(devices) = &self.cgroup else {
            return Ok(());
        };
        let cgroup = self.containers.with(container_id, |c| c.clone())?;
        Ok(devices.isolate(container_id, &cgroup, pid)?)
    }

    fn cleanup(&self, container_id: &str) -> Result<()> {
        let (Some(devices), Some(cgroup)) = (&self.cgroup, self.containers.remove(container_id))
        else {
            return Ok(());
        };
        Ok(devices.destroy(container_id, &cgroup)?)
    }
}

modkit_ffi::export_module!(org_modkit_CgroupsDevicesIsolator: Isolator = CgroupsDevicesIsolator {
    author: "modkit",
    email: "",
    description: "cgroups/devices: containers open only the default devices and --allowed_devices",
});

#[cfg(test)]
mod tests {
    use super::*;
    use modkit_cgroups::{FakeFs, Mode};
    use std::path::Path;
    use std::sync::Arc;

    pub(crate) fn v1() -> (Arc<FakeFs>, Cgroups) {
        let fs = FakeFs::new();
        let files = [
            ("cgroup.procs", ""),
            ("devices.allow", ""),
            ("devices.deny", ""),
            ("devices.list", "a *:* rwm\n"),
        ];
        fs.template("/cg/devices", &files)
            .dir("/cg/devices")
            .file("/cg/devices/cgroup.procs", "");
        (
            fs.clone(),
            Cgroups::with_fs(Path::new("/cg"), Mode::Legacy, fs),
        )
    }

    fn flags() -> CgroupsFlags {
        CgroupsFlags {
            hierarchy: "/cg".into(),
            ..CgroupsFlags::default()
        }
    }

    #[test]
    fn v1_denies_all_then_allows_defaults_and_the_flag() {
        let (fs, cgroups) = v1();
        let devices = DeviceFlags::from_lookup(|name| {
            (name == "allowed_devices").then(|| {
                r#"{"allowed_devices":[{"device":{"major":240,"minor":0,"type":"c"},"access":{"read":true}}]}"#.to_string()
            })
        })
        .unwrap();
        let iso = CgroupsDevicesIsolator::with_cgroups(cgroups, flags(), &devices).unwrap();
        fs.clear_log();
        iso.prepare("c1", &ContainerConfig::default()).unwrap();
        let log = fs.log();
        let deny = log
            .iter()
            .position(|l| l == "write /cg/devices/modkit/c1/devices.deny a");
        let first_allow = log.iter().position(|l| l.contains("devices.allow"));
        assert!(deny.is_some() && deny < first_allow, "{log:?}");
        let writes: Vec<&String> = log.iter().filter(|l| l.contains("devices.allow")).collect();
        assert_eq!(writes.len(), DEFAULT_RULES.len() + 1, "{log:?}");
        assert!(writes.iter().any(|l| l.contains("c 1:3 rwm")), "{log:?}");
        assert!(
            writes.last().is_some_and(|l| l.contains("c 240:0 r")),
            "{log:?}"
        );
        iso.isolate("c1", 42).unwrap();
        assert!(fs
            .contents("/cg/devices/modkit/c1/cgroup.procs")
            .unwrap_or_default()
            .contains("42"));
        iso.cleanup("c1").unwrap();
        assert!(!fs.has_dir("/cg/devices/modkit/c1"));
        iso.cleanup("c1").unwrap();
        iso.cleanup("never-seen").unwrap();
    }

    #[test]
    fn steps_aside_for_gpu_devices() {
        assert!(gpu_isolator_listed(Some("cgroups/cpu, gpu/devices")));
        assert!(gpu_isolator_listed(Some("org_modkit_GpuDevicesIsolator")));
        assert!(!gpu_isolator_listed(Some("cgroups/devices")));
        assert!(!gpu_isolator_listed(None));
    }
}
