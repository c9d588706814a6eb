//! The cpu controller: shares (v1 `cpu.shares`, v2 `cpu.weight`), CFS bandwidth (v1
//! `cpu.cfs_period_us`/`cpu.cfs_quota_us`, v2 `cpu.max`) and throttling statistics (`cpu.stat`).

use super::{read_keyed, read_u64};
use crate::{CgroupError, Cgroups, Result};
use std::time::Duration;

/// The CFS period Mesos uses.
pub const CFS_PERIOD: Duration = Duration::from_millis(100);
/// The smallest quota the kernel accepts.
pub const MIN_CFS_QUOTA: Duration = Duration::from_millis(1);

const MIN_SHARES: u64 = 2;
const MAX_SHARES: u64 = 262_144;

/// v1 shares to v2 weight, as the kernel documents and runc converts: the range [2, 262144]
/// maps linearly onto [1, 10000].
pub fn shares_to_weight(shares: u64) -> u64 {
    let shares = shares.clamp(MIN_SHARES, MAX_SHARES);
    1 + ((shares - MIN_SHARES) * 9999) / (MAX_SHARES - MIN_SHARES)
}

/// `cpu.stat`, in both versions' terms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CpuStat {
    pub nr_periods: u64,
    pub nr_throttled: u64,
    pub throttled: Duration,
    /// v2 only: v1 keeps usage in cpuacct.
    pub usage: Option<Duration>,
    pub user: Option<Duration>,
    pub system: Option<Duration>,
}

/// The cpu controller of one cgroup.
#[derive(Clone, Copy, Debug)]
pub struct Cpu<'a> {
    cgroups: &'a Cgroups,
    cgroup: &'a str,
}

impl Cgroups {
    pub fn cpu<'a>(&'a self, cgroup: &'a str) -> Cpu<'a> {
        Cpu {
            cgroups: self,
            cgroup,
        }
    }
}

impl Cpu<'_> {
    fn write(&self, file: &str, value: &str) -> Result<()> {
        self.cgroups.write("cpu", self.cgroup, file, value)
    }

    /// v1 `cpu.shares`; v2 `cpu.weight` converted with [`shares_to_weight`].
    pub fn set_shares(&self, shares: u64) -> Result<()> {
        if self.cgroups.mode().is_unified() {
            self.write("cpu.weight", &shares_to_weight(shares).to_string())
        } else {
            self.write(
                "cpu.shares",
                &shares.clamp(MIN_SHARES, MAX_SHARES).to_string(),
            )
        }
    }

    /// v1 `cpu.shares`, or v2 `cpu.weight` (in weight units).
    pub fn shares_or_weight(&self) -> Result<u64> {
        let file = if self.cgroups.mode().is_unified() {
            "cpu.weight"
        } else {
            "cpu.shares"
        };
        read_u64(self.cgroups, "cpu", self.cgroup, file)
    }

    /// CFS bandwidth: at most `quota` of CPU time per `period`; `None` removes the limit.
    pub fn set_cfs(&self, period: Duration, quota: Option<Duration>) -> Result<()> {
        let period_us = period.as_micros();
        let quota_us = quota.map(|q| q.max(MIN_CFS_QUOTA).as_micros());
        if self.cgroups.mode().is_unified() {
            let quota = quota_us.map_or_else(|| "max".to_string(), |q| q.to_string());
            self.write("cpu.max", &format!("{quota} {period_us}"))
        } else {
            self.write("cpu.cfs_period_us", &period_us.to_string())?;
            let quota = quota_us.map_or_else(|| "-1".to_string(), |q| q.to_string());
            self.write("cpu.cfs_quota_us", &quota)
        }
    }

    /// The CFS `(quota, period)`; `None` quota when unlimited.
    pub fn cfs(&self) -> Result<(Option<Duration>, Duration)> {
        let us = Duration::from_micros;
        if self.cgroups.mode().is_unified() {
            let text = self.cgroups.read("cpu", self.cgroup, "cpu.max")?;
            let path = self.cgroups.path("cpu", self.cgroup).join("cpu.max");
            let mut fields = text.split_whitespace();
            let bad = |reason: &str| CgroupError::Parse {
                path: path.clone(),
                value: text.trim().to_string(),
                reason: reason.to_string(),
            };
            let (Some(quota), Some(period)) = (fields.next(), fields.next()) else {
                return Err(bad("expected '<quota|max> <period>'"));
            };
            let period = period.parse().map_err(|_| bad("period is not a number"))?;
            let quota = match quota {
                "max" => None,
                q => Some(us(q.parse().map_err(|_| bad("quota is not a number"))?)),
            };
            return Ok((quota, us(period)));
        }
        let period = read_u64(self.cgroups, "cpu", self.cgroup, "cpu.cfs_period_us")?;
        let text = self.cgroups.read("cpu", self.cgroup, "cpu.cfs_quota_us")?;
        let quota = match text.trim().parse::<i64>() {
            Ok(q) if q < 0 => None,
            Ok(q) => Some(us(q.unsigned_abs())),
            Err(e) => {
                return Err(CgroupError::Parse {
                    path: self
                        .cgroups
                        .path("cpu", self.cgroup)
                        .join("cpu.cfs_quota_us"),
                    value: text.trim().to_string(),
                    reason: e.to_string(),
                })
            }
        };
        Ok((quota, us(period)))
    }

    /// `cpu.stat`; counters the kernel does not report read as zero.
    pub fn stat(&self) -> Result<CpuStat> {
        let map = read_keyed(self.cgroups, "cpu", self.cgroup, "cpu.stat")?;
        let get = |key: &str| map.get(key).copied();
        if self.cgroups.mode().is_unified() {
            Ok(CpuStat {
                nr_periods: get("nr_periods").unwrap_or(0),
                nr_throttled: get("nr_throttled").unwrap_or(0),
                throttled: Duration::from_micros(get("throttled_usec").unwrap_or(0)),
                usage: get("usage_usec").map(Duration::from_micros),
                user: get("user_usec").map(Duration::from_micros),
                system: get("system_usec").map(Duration::from_micros),
            })
        } else {
            Ok(CpuStat {
                nr_periods: get("nr_periods").unwrap_or(0),
                nr_throttled: get("nr_throttled").unwrap_or(0),
                throttled: Duration::from_nanos(get("throttled_time").unwrap_or(0)),
                usage: None,
                user: None,
                system: None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FakeFs, Mode};
    use std::path::Path;

    fn fake(mode: Mode) -> (std::sync::Arc<FakeFs>, Cgroups) {
        let fs = FakeFs::new();
        let files: &[(&str, &str)] = &[
            ("cgroup.procs", ""),
            ("cpu.shares", "1024\n"),
            ("cpu.cfs_period_us", "100000\n"),
            ("cpu.cfs_quota_us", "-1\n"),
            ("cpu.weight", "100\n"),
            ("cpu.max", "max 100000\n"),
            ("cgroup.controllers", "cpu\n"),
            ("cgroup.subtree_control", ""),
        ];
        fs.template("/cg", files).dir("/cg/cpu");
        fs.file("/cg/cgroup.controllers", "cpu memory\n")
            .file("/cg/cgroup.subtree_control", "")
            .file("/cg/cpu/cgroup.procs", "");
        let cgroups = Cgroups::with_fs(Path::new("/cg"), mode, fs.clone());
        cgroups.create("cpu", "modkit/c1").unwrap();
        (fs, cgroups)
    }

    #[test]
    fn weight_conversion_matches_the_kernel_formula() {
        assert_eq!(shares_to_weight(2), 1);
        assert_eq!(shares_to_weight(1024), 39);
        assert_eq!(shares_to_weight(262_144), 10_000);
        assert_eq!(shares_to_weight(0), 1, "clamped");
        assert_eq!(shares_to_weight(1 << 30), 10_000, "clamped");
        assert_eq!(shares_to_weight(512), 1 + (510 * 9999) / 262_142);
    }

    #[test]
    fn v1_shares_and_cfs() {
        let (fs, cg) = fake(Mode::Legacy);
        let cpu = cg.cpu("modkit/c1");
        cpu.set_shares(1536).unwrap();
        cpu.set_cfs(CFS_PERIOD, Some(Duration::from_millis(150)))
            .unwrap();
        assert_eq!(
            fs.contents("/cg/cpu/modkit/c1/cpu.shares").as_deref(),
            Some("1536")
        );
        assert_eq!(cpu.shares_or_weight().unwrap(), 1536);
        assert_eq!(
            cpu.cfs().unwrap(),
            (Some(Duration::from_millis(150)), CFS_PERIOD)
        );
        cpu.set_cfs(CFS_PERIOD, Some(Duration::from_micros(10)))
            .unwrap();
        assert_eq!(
            fs.contents("/cg/cpu/modkit/c1/cpu.cfs_quota_us").as_deref(),
            Some("1000"),
            "the minimum quota"
        );
        cpu.set_cfs(CFS_PERIOD, None).unwrap();
        assert_eq!(cpu.cfs().unwrap(), (None, CFS_PERIOD));
    }

    #[test]
    fn v2_weight_and_max() {
        let (fs, cg) = fake(Mode::Unified);
        let cpu = cg.cpu("modkit/c1");
        cpu.set_shares(2048).unwrap();
        assert_eq!(
            fs.contents("/cg/modkit/c1/cpu.weight").as_deref(),
            Some("79")
        );
        cpu.set_cfs(CFS_PERIOD, Some(Duration::from_millis(250)))
            .unwrap();
        assert_eq!(
            fs.contents("/cg/modkit/c1/cpu.max").as_deref(),
            Some("250000 100000")
        );
        assert_eq!(
            cpu.cfs().unwrap(),
            (Some(Duration::from_millis(250)), CFS_PERIOD)
        );
        cpu.set_cfs(CFS_PERIOD, None).unwrap();
        assert_eq!(
            fs.contents("/cg/modkit/c1/cpu.max").as_deref(),
            Some("max 100000")
        );
    }

    #[test]
    fn stat_in_both_versions() {
        let (fs, cg) = fake(Mode::Legacy);
        fs.file(
            "/cg/cpu/modkit/c1/cpu.stat",
            "nr_periods 20\nnr_throttled 4\nthrottled_time 1500000000\n",
        );
        let stat = cg.cpu("modkit/c1").stat().unwrap();
        assert_eq!(
            (
                stat.nr_periods,
                stat.nr_throttled,
                stat.throttled,
                stat.usage
            ),
            (20, 4, Duration::from_millis(1500), None)
        );
        let (fs, cg) = fake(Mode::Unified);
        fs.file(
            "/cg/modkit/c1/cpu.stat",
            "usage_usec 3000000\nuser_usec 2000000\nsystem_usec 1000000\n",
        );
        let stat = cg.cpu("modkit/c1").stat().unwrap();
        assert_eq!(stat.user, Some(Duration::from_secs(2)));
        assert_eq!(stat.system, Some(Duration::from_secs(1)));
        assert_eq!((stat.nr_periods, stat.throttled), (0, Duration::ZERO));
    }
}
