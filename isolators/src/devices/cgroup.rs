//! A container's device cgroup: v1 `devices.deny a` then one `devices.allow` per rule; v2 the
//! eBPF program of the rules attached to the container's unified cgroup.

use super::{bpf, DeviceError, DeviceRule};
use crate::cgroups::Subsystem;
use crate::{CgroupsFlags, IsolatorError};
use modkit_cgroups::Cgroups;
use modkit_ffi::types::{ContainerId, ContainerState};

/// v1: the `devices` hierarchy. v2 has no devices controller: the container's cgroup is
/// reached through a core controller name (the path is the same for all on v2).
const V1: &[&str] = &["devices"];
const V2: &[&str] = &["freezer"];

pub(crate) struct DeviceCgroup {
    sys: Subsystem,
}

impl DeviceCgroup {
    pub fn detect(
        isolator: &'static str,
        flags: CgroupsFlags,
    ) -> Result<DeviceCgroup, IsolatorError> {
        let cgroups = Cgroups::detect(&flags.hierarchy)
            .map_err(|source| IsolatorError::Setup { isolator, source })?;
        DeviceCgroup::new(isolator, cgroups, flags)
    }

    pub fn new(
        isolator: &'static str,
        cgroups: Cgroups,
        flags: CgroupsFlags,
    ) -> Result<DeviceCgroup, IsolatorError> {
        let controllers = if cgroups.mode().is_unified() { V2 } else { V1 };
        Ok(DeviceCgroup {
            sys: Subsystem::new(isolator, cgroups, flags, controllers)?,
        })
    }

    /// Creates the container's cgroup and lets it open only what `rules` allow.
    pub fn prepare(
        &self,
        container_id: &str,
        rules: &[DeviceRule],
    ) -> Result<String, modkit_ffi::sdk::ModuleError> {
        let cgroup = self.sys.create(container_id)?;
        if let Err(e) = self.apply(container_id, &cgroup, rules) {
            let _ = self.sys.destroy(container_id, &cgroup);
            return Err(e);
        }
        Ok(cgroup)
    }

    fn apply(
        &self,
        container_id: &str,
        cgroup: &str,
        rules: &[DeviceRule],
    ) -> Result<(), modkit_ffi::sdk::ModuleError> {
        let cgroups = &self.sys.cgroups;
        if self.sys.unified() {
            let dir = cgroups.path(V2[0], cgroup);
            bpf::attach(&bpf::program::build(rules), &dir).map_err(|reason| DeviceError::Bpf {
                isolator: self.sys.isolator,
                path: dir,
                reason,
            })?;
            return Ok(());
        }
        cgroups
            .write(V1[0], cgroup, "devices.deny", "a")
            .map_err(|e| self.sys.error(container_id, e))?;
        for rule in rules {
            cgroups
                .write(V1[0], cgroup, "devices.allow", &rule.to_string())
                .map_err(|e| self.sys.error(container_id, e))?;
        }
        Ok(())
    }

    pub fn cgroup(&self, container_id: &str) -> Result<String, IsolatorError> {
        self.sys.cgroup(container_id)
    }

    pub fn isolate(&self, container_id: &str, cgroup: &str, pid: i32) -> Result<(), IsolatorError> {
        self.sys.isolate(container_id, cgroup, pid)
    }

    pub fn destroy(&self, container_id: &str, cgroup: &str) -> Result<(), IsolatorError> {
        self.sys.destroy(container_id, cgroup)
    }

    pub fn recover(
        &self,
        states: &[ContainerState],
        orphans: &[ContainerId],
        adopt: impl FnMut(&str, String) -> Result<(), IsolatorError>,
    ) -> Result<(), IsolatorError> {
        self.sys.recover(states, orphans, adopt)
    }
}
