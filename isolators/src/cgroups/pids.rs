//! `cgroups/pids`: `pids.max` from a `pids` resource, else `--cgroups_pids_max_default`, else
//! no limit; the process count. (Mesos only placed containers here; modkit limits.)

use super::Subsystem;
use crate::containers::Containers;
use crate::{sys, CgroupsFlags, IsolatorError};
use modkit_cgroups::Cgroups;
use modkit_ffi::resources::Resources;
use modkit_ffi::sdk::{Create, Host, Isolator, ModuleError, Parameters, Result};
use modkit_ffi::types::{
    ContainerConfig, ContainerId, ContainerLaunchInfo, ContainerState, ResourceStatistics,
};

const NAME: &str = "cgroups/pids";

struct PidsInfo {
    cgroup: String,
}

pub struct CgroupsPidsIsolator {
    sys: Subsystem,
    containers: Containers<PidsInfo>,
}

impl Create for CgroupsPidsIsolator {
    fn create(host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&[])?;
        let flags = CgroupsFlags::from_host(host)?;
        Ok(CgroupsPidsIsolator::from_subsystem(Subsystem::detect(
            NAME,
            flags,
            &["pids"],
        )?))
    }
}

impl CgroupsPidsIsolator {
    /// Over any hierarchy (tests use a fake one).
    pub fn with_cgroups(cgroups: Cgroups, flags: CgroupsFlags) -> Result<Self, ModuleError> {
        let sys = Subsystem::new(NAME, cgroups, flags, &["pids"])?;
        Ok(CgroupsPidsIsolator::from_subsystem(sys))
    }

    fn from_subsystem(sys: Subsystem) -> Self {
        CgroupsPidsIsolator {
            sys,
            containers: Containers::new(NAME),
        }
    }

    /// The limit for `resources`: a whole, positive `pids` scalar, else the flag's default.
    fn max_for(
        &self,
        container_id: &str,
        resources: &Resources,
    ) -> Result<Option<u64>, IsolatorError> {
        let Some(pids) = resources.scalar("pids") else {
            return Ok(self.sys.flags.pids_max_default);
        };
        if !pids.is_whole() || !pids.is_positive() {
            return Err(IsolatorError::InvalidContainer {
                isolator: NAME,
                container_id: container_id.to_string(),
                reason: format!("the pids resource must be a positive whole number, not {pids}"),
            });
        }
        Ok(Some((pids.milli() / 1000) as u64))
    }

    fn apply(
        &self,
        container_id: &str,
        cgroup: &str,
        resources: &Resources,
    ) -> Result<(), IsolatorError> {
        let max = self.max_for(container_id, resources)?;
        self.sys
            .cgroups
            .pids(cgroup)
            .set_max(max)
            .map_err(|e| self.sys.error(container_id, e))
    }
}

impl Isolator for CgroupsPidsIsolator {
    fn recover(&self, states: &[ContainerState], orphans: &[ContainerId]) -> Result<()> {
        self.sys.recover(states, orphans, |container_id, cgroup| {
            self.containers.insert(container_id, PidsInfo { cgroup });
            Ok(())
        })?;
        Ok(())
    }

    fn prepare(
        &self,
        container_id: &str,
        config: &ContainerConfig,
    ) -> Result<Option<ContainerLaunchInfo>> {
        self.containers.ensure_new(container_id)?;
        // Check the request before anything exists on the host.
        self.max_for(container_id, &config.resources)?;
        let cgroup = self.sys.create(container_id)?;
        if let Err(e) = self.apply(container_id, &cgroup, &config.resources) {
            let _ = self.sys.destroy(container_id, &cgroup);
            return Err(e.into());
        }
        self.containers.insert(container_id, PidsInfo { cgroup });
        Ok(None)
    }

    fn isolate(&self, container_id: &str, pid: i32) -> Result<()> {
        let cgroup = self.containers.with(container_id, |i| i.cgroup.clone())?;
        Ok(self.sys.isolate(container_id, &cgroup, pid)?)
    }

    fn update(&self, container_id: &str, resources: &Resources) -> Result<()> {
        let cgroup = self.containers.with(container_id, |i| i.cgroup.clone())?;
        Ok(self.apply(container_id, &cgroup, resources)?)
    }

    fn usage(&self, container_id: &str) -> Result<ResourceStatistics> {
        let cgroup = self.containers.with(container_id, |i| i.cgroup.clone())?;
        let current = self
            .sys
            .cgroups
            .pids(&cgroup)
            .current()
            .map_err(|e| self.sys.error(container_id, e))?;
        Ok(ResourceStatistics {
            timestamp: sys::now(),
            processes: Some(u32::try_from(current).unwrap_or(u32::MAX)),
            ..ResourceStatistics::default()
        })
    }

    fn cleanup(&self, container_id: &str) -> Result<()> {
        let Some(info) = self.containers.remove(container_id) else {
            return Ok(());
        };
        Ok(self.sys.destroy(container_id, &info.cgroup)?)
    }
}

modkit_ffi::export_module!(org_modkit_CgroupsPidsIsolator: Isolator = CgroupsPidsIsolator {
    author: "modkit",
    email: "",
    description: "cgroups/pids: a process limit per container (pids resource or flag default)",
});

#[cfg(test)]
mod tests;
