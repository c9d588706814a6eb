//! `cgroups/cpu`: CPU shares from `cpus` (and, with `--cgroups_enable_cfs`, a hard CFS quota);
//! CPU time and throttling statistics.

use super::{positive_milli, Subsystem};
use crate::containers::Containers;
use crate::{sys, CgroupsFlags, IsolatorError};
use modkit_cgroups::{Cgroups, CFS_PERIOD, MIN_CFS_QUOTA};
use modkit_ffi::resources::{Resources, Scalar};
use modkit_ffi::sdk::{Create, Host, Isolator, ModuleError, Parameters, Result};
use modkit_ffi::types::{
    ContainerConfig, ContainerId, ContainerLaunchInfo, ContainerState, ResourceStatistics,
};
use std::time::Duration;

const NAME: &str = "cgroups/cpu";
const SHARES_PER_CPU: i64 = 1024;
const MIN_SHARES: u64 = 2;

struct CpuInfo {
    cgroup: String,
    /// The `cpus` applied last (`None` when recovered without a way to tell).
    cpus: Option<Scalar>,
}

pub struct CgroupsCpuIsolator {
    sys: Subsystem,
    containers: Containers<CpuInfo>,
}

impl Create for CgroupsCpuIsolator {
    fn create(host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&[])?;
        let flags = CgroupsFlags::from_host(host)?;
        Ok(CgroupsCpuIsolator::from_subsystem(Subsystem::detect(
            NAME,
            flags,
            &["cpu", "cpuacct"],
        )?))
    }
}

/// `cpu.shares` for `cpus` (thousandths): 1024 per CPU, at least 2.
fn shares(milli: i64) -> u64 {
    ((SHARES_PER_CPU * milli / 1000).max(0) as u64).max(MIN_SHARES)
}

/// The CFS quota for `cpus` (thousandths) per 100 ms period, at least 1 ms.
fn quota(milli: i64) -> Duration {
    let micros = CFS_PERIOD.as_micros() as i64 * milli / 1000;
    Duration::from_micros(micros.max(0) as u64).max(MIN_CFS_QUOTA)
}

impl CgroupsCpuIsolator {
    /// Over any hierarchy (tests use a fake one).
    pub fn with_cgroups(cgroups: Cgroups, flags: CgroupsFlags) -> Result<Self, ModuleError> {
        let sys = Subsystem::new(NAME, cgroups, flags, &["cpu", "cpuacct"])?;
        Ok(CgroupsCpuIsolator::from_subsystem(sys))
    }

    fn from_subsystem(sys: Subsystem) -> Self {
        CgroupsCpuIsolator {
            sys,
            containers: Containers::new(NAME),
        }
    }

    fn apply(&self, container_id: &str, cgroup: &str, milli: i64) -> Result<(), IsolatorError> {
        let cpu = self.sys.cgroups.cpu(cgroup);
        cpu.set_shares(shares(milli))
            .map_err(|e| self.sys.error(container_id, e))?;
        if self.sys.flags.enable_cfs {
            cpu.set_cfs(CFS_PERIOD, Some(quota(milli)))
                .map_err(|e| self.sys.error(container_id, e))?;
        }
        Ok(())
    }

    /// What a recovered container was given: the CFS quota tells exactly, v1 shares roughly.
    fn recovered_cpus(&self, cgroup: &str) -> Option<Scalar> {
        let cpu = self.sys.cgroups.cpu(cgroup);
        if let Ok((Some(quota), period)) = cpu.cfs() {
            if !period.is_zero() {
                let milli = quota.as_micros() * 1000 / period.as_micros();
                return Some(Scalar::from_milli(milli as i64));
            }
        }
        if self.sys.unified() {
            return None;
        }
        let shares = cpu.shares_or_weight().ok()? as i64;
        Some(Scalar::from_milli(shares * 1000 / SHARES_PER_CPU))
    }

    fn cpu_times(&self, cgroup: &str) -> Result<(f64, f64), modkit_cgroups::CgroupError> {
        if self.sys.unified() {
            let stat = self.sys.cgroups.cpu(cgroup).stat()?;
            let secs = |d: Option<Duration>| d.unwrap_or_default().as_secs_f64();
            return Ok((secs(stat.user), secs(stat.system)));
        }
        let stat = self.sys.cgroups.cpuacct(cgroup).stat()?;
        let hz = sys::clock_ticks_per_second() as f64;
        Ok((stat.user_ticks as f64 / hz, stat.system_ticks as f64 / hz))
    }
}

impl Isolator for CgroupsCpuIsolator {
    fn recover(&self, states: &[ContainerState], orphans: &[ContainerId]) -> Result<()> {
        self.sys.recover(states, orphans, |container_id, cgroup| {
            let cpus = self.recovered_cpus(&cgroup);
            self.containers
                .insert(container_id, CpuInfo { cgroup, cpus });
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
        let milli = positive_milli(&config.resources, "cpus");
        if let Some(milli) = milli {
            if let Err(e) = self.apply(container_id, &cgroup, milli) {
                let _ = self.sys.destroy(container_id, &cgroup);
                return Err(e.into());
            }
        }
        let cpus = milli.map(Scalar::from_milli);
        self.containers
            .insert(container_id, CpuInfo { cgroup, cpus });
        Ok(None)
    }

    fn isolate(&self, container_id: &str, pid: i32) -> Result<()> {
        let cgroup = self.containers.with(container_id, |i| i.cgroup.clone())?;
        Ok(self.sys.isolate(container_id, &cgroup, pid)?)
    }

    fn update(&self, container_id: &str, resources: &Resources) -> Result<()> {
        let cgroup = self.containers.with(container_id, |i| i.cgroup.clone())?;
        let Some(milli) = positive_milli(resources, "cpus") else {
            return Err(ModuleError::invalid(format!(
                "{NAME}: container {container_id}: no cpus resource given"
            )));
        };
        self.apply(container_id, &cgroup, milli)?;
        self.containers
            .with(container_id, |i| i.cpus = Some(Scalar::from_milli(milli)))?;
        Ok(())
    }

    fn usage(&self, container_id: &str) -> Result<ResourceStatistics> {
        let (cgroup, cpus) = self
            .containers
            .with(container_id, |i| (i.cgroup.clone(), i.cpus))?;
        let error = |e| ModuleError::from(self.sys.error(container_id, e));
        let (user, system) = self.cpu_times(&cgroup).map_err(error)?;
        let mut stats = ResourceStatistics {
            timestamp: sys::now(),
            cpus_user_time_secs: Some(user),
            cpus_system_time_secs: Some(system),
            cpus_limit: cpus.map(Scalar::as_f64),
            ..ResourceStatistics::default()
        };
        if self.sys.flags.enable_cfs {
            let stat = self.sys.cgroups.cpu(&cgroup).stat().map_err(error)?;
            let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
            stats.cpus_nr_periods = Some(count(stat.nr_periods));
            stats.cpus_nr_throttled = Some(count(stat.nr_throttled));
            stats.cpus_throttled_time_secs = Some(stat.throttled.as_secs_f64());
        }
        Ok(stats)
    }

    fn cleanup(&self, container_id: &str) -> Result<()> {
        let Some(info) = self.containers.remove(container_id) else {
            return Ok(());
        };
        Ok(self.sys.destroy(container_id, &info.cgroup)?)
    }
}

modkit_ffi::export_module!(org_modkit_CgroupsCpuIsolator: Isolator = CgroupsCpuIsolator {
    author: "modkit",
    email: "",
    description: "cgroups/cpu: CPU shares and CFS quota per container, CPU time statistics",
});

#[cfg(test)]
mod tests;
