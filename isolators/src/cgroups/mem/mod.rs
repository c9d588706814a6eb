//! `cgroups/mem`: a hard memory limit from `mem` (at least 32 MB), the same soft limit, swap
//! included with `--cgroups_limit_swap`; OOM kills raised as limitations; memory statistics.

mod oom;

use super::Subsystem;
use crate::containers::Containers;
use crate::{sys, CgroupsFlags, IsolatorError};
use modkit_cgroups::Cgroups;
use modkit_ffi::resources::{Resource, Resources};
use modkit_ffi::sdk::{Create, Host, Isolator, LimitationSink, ModuleError, Parameters, Result};
use modkit_ffi::types::{
    ContainerConfig, ContainerId, ContainerLaunchInfo, ContainerState, ResourceStatistics,
};
pub use oom::oom_message;
use oom::{Requested, Watcher};
use std::sync::{Arc, Mutex};

const NAME: &str = "cgroups/mem";
const MB: u64 = 1 << 20;
/// Mesos's floor: a smaller limit only makes the container die at start.
pub const MIN_MEMORY: u64 = 32 * MB;

struct MemInfo {
    cgroup: String,
    /// Shared with the OOM watcher, which reports what was asked last.
    requested: Arc<Mutex<Requested>>,
    watcher: Option<Watcher>,
}

pub struct CgroupsMemIsolator {
    sys: Subsystem,
    containers: Containers<MemInfo>,
}

impl Create for CgroupsMemIsolator {
    fn create(host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&[])?;
        let flags = CgroupsFlags::from_host(host)?;
        Ok(CgroupsMemIsolator::from_subsystem(Subsystem::detect(
            NAME,
            flags,
            &["memory"],
        )?))
    }
}

/// The `mem` resources (all roles) and the hard limit in bytes they ask for.
fn requested(resources: &Resources) -> Option<Requested> {
    let milli = super::positive_milli(resources, "mem")?;
    let bytes = (milli as u128 * MB as u128 / 1000) as u64;
    Some(Requested {
        limit: bytes.max(MIN_MEMORY),
        resources: resources.filter(|r| r.name == "mem"),
    })
}

impl CgroupsMemIsolator {
    /// Over any hierarchy (tests use a fake one).
    pub fn with_cgroups(cgroups: Cgroups, flags: CgroupsFlags) -> Result<Self, ModuleError> {
        let sys = Subsystem::new(NAME, cgroups, flags, &["memory"])?;
        Ok(CgroupsMemIsolator::from_subsystem(sys))
    }

    fn from_subsystem(sys: Subsystem) -> Self {
        CgroupsMemIsolator {
            sys,
            containers: Containers::new(NAME),
        }
    }

    fn apply(&self, container_id: &str, cgroup: &str, limit: u64) -> Result<(), IsolatorError> {
        let memory = self.sys.cgroups.memory(cgroup);
        memory
            .set_hard_limit(limit, self.sys.flags.limit_swap)
            .and_then(|()| memory.set_soft_limit(Some(limit)))
            .map_err(|e| self.sys.error(container_id, e))
    }

    /// A recovered container's request, read back from its limit.
    fn recovered(&self, cgroup: &str) -> Requested {
        let limit = self
            .sys
            .cgroups
            .memory(cgroup)
            .limit()
            .ok()
            .flatten()
            .unwrap_or(0);
        let resources =
            Resources::from_resources([Resource::scalar("mem", limit as f64 / MB as f64)])
                .unwrap_or_default();
        Requested { limit, resources }
    }

    fn statistics(&self, cgroup: &str) -> Result<ResourceStatistics, modkit_cgroups::CgroupError> {
        let memory = self.sys.cgroups.memory(cgroup);
        let stat = memory.stat()?;
        let get = |key: &str| stat.get(key).copied();
        let sum = |a: &str, b: &str| Some(get(a)? + get(b)?);
        let mut stats = ResourceStatistics {
            timestamp: sys::now(),
            mem_total_bytes: Some(memory.usage()?),
            mem_limit_bytes: memory.limit()?,
            mem_soft_limit_bytes: memory.soft_limit()?,
            ..ResourceStatistics::default()
        };
        if self.sys.unified() {
            stats.mem_anon_bytes = get("anon");
            stats.mem_rss_bytes = get("anon");
            stats.mem_file_bytes = get("file");
            stats.mem_cache_bytes = get("file");
            stats.mem_mapped_file_bytes = get("file_mapped");
            stats.mem_unevictable_bytes = get("unevictable");
            stats.mem_swap_bytes = memory.swap_usage()?;
            stats.mem_total_memsw_bytes = stats
                .mem_swap_bytes
                .zip(stats.mem_total_bytes)
                .map(|(swap, total)| swap + total);
        } else {
            stats.mem_rss_bytes = get("total_rss");
            stats.mem_cache_bytes = get("total_cache");
            stats.mem_mapped_file_bytes = get("total_mapped_file");
            stats.mem_swap_bytes = get("total_swap");
            stats.mem_unevictable_bytes = get("total_unevictable");
            stats.mem_anon_bytes = sum("total_active_anon", "total_inactive_anon");
            stats.mem_file_bytes = sum("total_active_file", "total_inactive_file");
            if self.sys.flags.limit_swap {
                stats.mem_total_memsw_bytes = memory.memsw_usage()?;
            }
        }
        Ok(stats)
    }
}

impl Isolator for CgroupsMemIsolator {
    fn recover(&self, states: &[ContainerState], orphans: &[ContainerId]) -> Result<()> {
        self.sys.recover(states, orphans, |container_id, cgroup| {
            let requested = Arc::new(Mutex::new(self.recovered(&cgroup)));
            self.containers.insert(
                container_id,
                MemInfo {
                    cgroup,
                    requested,
                    watcher: None,
                },
            );
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
        let cgroup = self.sys.create(container_id)?;
        let asked = requested(&config.resources).unwrap_or_default();
        if asked.limit > 0 {
            if let Err(e) = self.apply(container_id, &cgroup, asked.limit) {
                let _ = self.sys.destroy(container_id, &cgroup);
                return Err(e.into());
            }
        }
        self.containers.insert(
            container_id,
            MemInfo {
                cgroup,
                requested: Arc::new(Mutex::new(asked)),
                watcher: None,
            },
        );
        Ok(None)
    }

    fn isolate(&self, container_id: &str, pid: i32) -> Result<()> {
        let cgroup = self.containers.with(container_id, |i| i.cgroup.clone())?;
        Ok(self.sys.isolate(container_id, &cgroup, pid)?)
    }

    fn watch(&self, container_id: &str, sink: LimitationSink) -> Result<()> {
        let (cgroup, requested, watching) = self.containers.with(container_id, |i| {
            (
                i.cgroup.clone(),
                Arc::clone(&i.requested),
                i.watcher.is_some(),
            )
        })?;
        if watching {
            return Ok(());
        }
        let watcher = Watcher::start(&self.sys, container_id, &cgroup, requested, sink)?;
        let unused = self.containers.with(container_id, |i| {
            if i.watcher.is_none() {
                i.watcher = Some(watcher);
                None
            } else {
                Some(watcher)
            }
        });
        match unused {
            Ok(Some(extra)) => extra.stop(),
            Ok(None) => {}
            // Cleaned up meanwhile: the watcher is no longer wanted.
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    fn update(&self, container_id: &str, resources: &Resources) -> Result<()> {
        let cgroup = self.containers.with(container_id, |i| i.cgroup.clone())?;
        let Some(asked) = requested(resources) else {
            return Err(ModuleError::invalid(format!(
                "{NAME}: container {container_id}: no mem resource given"
            )));
        };
        self.apply(container_id, &cgroup, asked.limit)?;
        self.containers.with(container_id, |i| {
            *i.requested.lock().unwrap_or_else(|e| e.into_inner()) = asked;
        })?;
        Ok(())
    }

    fn usage(&self, container_id: &str) -> Result<ResourceStatistics> {
        let cgroup = self.containers.with(container_id, |i| i.cgroup.clone())?;
        self.statistics(&cgroup)
            .map_err(|e| self.sys.error(container_id, e).into())
    }

    fn cleanup(&self, container_id: &str) -> Result<()> {
        let Some(info) = self.containers.remove(container_id) else {
            return Ok(());
        };
        if let Some(watcher) = info.watcher {
            watcher.stop();
        }
        Ok(self.sys.destroy(container_id, &info.cgroup)?)
    }
}

impl Drop for CgroupsMemIsolator {
    /// No watcher thread outlives the isolator.
    fn drop(&mut self) {
        let watchers: Vec<Watcher> = self
            .containers
            .lock()
            .values_mut()
            .filter_map(|i| i.watcher.take())
            .collect();
        watchers.into_iter().for_each(Watcher::stop);
    }
}

modkit_ffi::export_module!(org_modkit_CgroupsMemIsolator: Isolator = CgroupsMemIsolator {
    author: "modkit",
    email: "",
    description: "cgroups/mem: memory limits per container, OOM limitations, memory statistics",
});

#[cfg(test)]
mod tests;
