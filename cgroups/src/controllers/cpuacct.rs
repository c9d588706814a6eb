//! The v1 cpuacct controller: CPU time in USER_HZ ticks (`cpuacct.stat`) and nanoseconds
//! (`cpuacct.usage`). On v2 the same figures are in `cpu.stat` ([`crate::Cpu::stat`]).

use super::{read_keyed, read_u64};
use crate::{CgroupError, Cgroups, Result};
use std::time::Duration;

/// `cpuacct.stat`, in USER_HZ ticks (`sysconf(_SC_CLK_TCK)` per second).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuacctStat {
    pub user_ticks: u64,
    pub system_ticks: u64,
}

/// The cpuacct controller of one cgroup (v1 only).
#[derive(Clone, Copy, Debug)]
pub struct Cpuacct<'a> {
    cgroups: &'a Cgroups,
    cgroup: &'a str,
}

impl Cgroups {
    pub fn cpuacct<'a>(&'a self, cgroup: &'a str) -> Cpuacct<'a> {
        Cpuacct {
            cgroups: self,
            cgroup,
        }
    }
}

impl Cpuacct<'_> {
    fn v1_only(&self) -> Result<()> {
        if self.cgroups.mode().is_unified() {
            return Err(CgroupError::Unsupported {
                controller: "cpuacct (v2 reports CPU time in cpu.stat)".into(),
                hierarchy: self.cgroups.hierarchy().to_path_buf(),
            });
        }
        Ok(())
    }

    pub fn stat(&self) -> Result<CpuacctStat> {
        self.v1_only()?;
        let map = read_keyed(self.cgroups, "cpuacct", self.cgroup, "cpuacct.stat")?;
        Ok(CpuacctStat {
            user_ticks: map.get("user").copied().unwrap_or(0),
            system_ticks: map.get("system").copied().unwrap_or(0),
        })
    }

    /// Total CPU time (`cpuacct.usage`).
    pub fn usage(&self) -> Result<Duration> {
        self.v1_only()?;
        read_u64(self.cgroups, "cpuacct", self.cgroup, "cpuacct.usage").map(Duration::from_nanos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FakeFs, Mode};
    use std::path::Path;

    #[test]
    fn reads_ticks_and_usage() {
        let fs = FakeFs::new();
        fs.file("/cg/cpuacct/c1/cpuacct.stat", "user 250\nsystem 50\n")
            .file("/cg/cpuacct/c1/cpuacct.usage", "3000000000\n");
        let cg = Cgroups::with_fs(Path::new("/cg"), Mode::Hybrid, fs.clone());
        assert_eq!(
            cg.cpuacct("c1").stat().unwrap(),
            CpuacctStat {
                user_ticks: 250,
                system_ticks: 50
            }
        );
        assert_eq!(cg.cpuacct("c1").usage().unwrap(), Duration::from_secs(3));
        let v2 = Cgroups::with_fs(Path::new("/cg"), Mode::Unified, fs);
        assert!(matches!(
            v2.cpuacct("c1").stat(),
            Err(CgroupError::Unsupported { .. })
        ));
    }
}
