//! `posix/mem`: resident memory of a container's process tree from /proc; no limit is enforced.

use super::{Procfs, Tracker};
use crate::sys;
use modkit_ffi::resources::Resources;
use modkit_ffi::sdk::{Create, Host, Isolator, Parameters, Result};
use modkit_ffi::types::{
    ContainerConfig, ContainerId, ContainerLaunchInfo, ContainerState, ResourceStatistics,
};

const MB: f64 = (1u64 << 20) as f64;

pub struct PosixMemIsolator {
    tracker: Tracker,
}

impl Create for PosixMemIsolator {
    fn create(_host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&[])?;
        Ok(PosixMemIsolator::with_procfs(Procfs::default()))
    }
}

impl PosixMemIsolator {
    /// Over any /proc (tests use a fake one).
    pub fn with_procfs(procfs: Procfs) -> Self {
        PosixMemIsolator {
            tracker: Tracker::new("posix/mem", procfs),
        }
    }
}

impl Isolator for PosixMemIsolator {
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
        let pages: u64 = tree.iter().map(|p| p.rss).sum();
        Ok(ResourceStatistics {
            timestamp: sys::now(),
            mem_rss_bytes: Some(pages * sys::page_size()),
            mem_limit_bytes: resources.scalar("mem").map(|s| (s.as_f64() * MB) as u64),
            processes: Some(u32::try_from(tree.len()).unwrap_or(u32::MAX)),
            ..ResourceStatistics::default()
        })
    }

    fn cleanup(&self, container_id: &str) -> Result<()> {
        self.tracker.cleanup(container_id);
        Ok(())
    }
}

modkit_ffi::export_module!(org_modkit_PosixMemIsolator: Isolator = PosixMemIsolator {
    author: "modkit",
    email: "",
    description: "posix/mem: resident memory of each container's process tree, no isolation",
});
