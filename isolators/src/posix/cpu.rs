//! `posix/cpu`: CPU time of a container's process tree from /proc; no limit is enforced.

use super::{Procfs, Tracker};
use crate::sys;
use modkit_ffi::resources::Resources;
use modkit_ffi::sdk::{Create, Host, Isolator, Parameters, Result};
use modkit_ffi::types::{
    ContainerConfig, ContainerId, ContainerLaunchInfo, ContainerState, ResourceStatistics,
};

pub struct PosixCpuIsolator {
    tracker: Tracker,
}

impl Create for PosixCpuIsolator {
    fn create(_host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&[])?;
        Ok(PosixCpuIsolator::with_procfs(Procfs::default()))
    }
}

impl PosixCpuIsolator {
    /// Over any /proc (tests use a fake one).
    pub fn with_procfs(procfs: Procfs) -> Self {
        PosixCpuIsolator {
            tracker: Tracker::new("posix/cpu", procfs),
        }
    }
}

impl Isolator for PosixCpuIsolator {
    fn recover(&self, states: &[ContainerState], _orphans: &[ContainerId]) -> Result<()> {
        self.tracker.recover(states);
        Ok(())
    }

    fn prepare(
        &self,
        container_id: &str,
        config: &ContainerConfig,
    ) -> Result<Option<ContainerLaunchInfo>> {
        self.tracker.prepare(container_id, config)?;
        Ok(None)
    }

    fn isolate(&self, container_id: &str, pid: i32) -> Result<()> {
        Ok(self.tracker.isolate(container_id, pid)?)
    }

    fn update(&self, container_id: &str, resources: &Resources) -> Result<()> {
        Ok(self.tracker.update(container_id, resources)?)
    }

    fn usage(&self, container_id: &str) -> Result<ResourceStatistics> {
        let (tree, resources) = self.tracker.tree(container_id)?;
        let hz = sys::clock_ticks_per_second() as f64;
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(ResourceStatistics {
            timestamp: sys::now(),
            cpus_user_time_secs: Some(tree.iter().map(|p| p.utime).sum::<u64>() as f64 / hz),
            cpus_system_time_secs: Some(tree.iter().map(|p| p.stime).sum::<u64>() as f64 / hz),
            cpus_limit: resources.scalar("cpus").map(|s| s.as_f64()),
            processes: Some(count(tree.len())),
            threads: Some(count(tree.iter().map(|p| p.threads as usize).sum())),
            ..ResourceStatistics::default()
        })
    }

    fn cleanup(&self, container_id: &str) -> Result<()> {
        self.tracker.cleanup(container_id);
        Ok(())
    }
}

modkit_ffi::export_module!(org_modkit_PosixCpuIsolator: Isolator = PosixCpuIsolator {
    author: "modkit",
    email: "",
    description: "posix/cpu: CPU time of each container's process tree, no isolation",
});
