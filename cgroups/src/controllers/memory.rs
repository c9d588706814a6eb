//! The memory controller: limits (v1 `memory.limit_in_bytes`, `memory.soft_limit_in_bytes`,
//! `memory.memsw.limit_in_bytes`; v2 `memory.max`, `memory.low`, `memory.swap.max`), usage and
//! statistics, and the OOM state (v1 `memory.oom_control`, v2 `memory.events`).

use super::{read_keyed, read_limit, read_u64};
use crate::{Cgroups, Result};
use std::collections::BTreeMap;

/// v1 reports "no limit" as the largest page count in bytes (just under `i64::MAX`); anything
/// this large is no limit.
const V1_UNLIMITED: u64 = 1 << 62;

/// v1 `memory.oom_control`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OomControl {
    pub oom_kill_disable: bool,
    pub under_oom: bool,
    /// Processes the OOM killer killed in this cgroup (kernels since 4.13).
    pub oom_kill: Option<u64>,
}

/// The memory controller of one cgroup.
#[derive(Clone, Copy, Debug)]
pub struct Memory<'a> {
    cgroups: &'a Cgroups,
    cgroup: &'a str,
}

impl Cgroups {
    pub fn memory<'a>(&'a self, cgroup: &'a str) -> Memory<'a> {
        Memory {
            cgroups: self,
            cgroup,
        }
    }
}

fn v1_limit(value: Option<u64>) -> Option<u64> {
    value.filter(|v| *v < V1_UNLIMITED)
}

impl Memory<'_> {
    fn unified(&self) -> bool {
        self.cgroups.mode().is_unified()
    }

    fn write(&self, file: &str, value: &str) -> Result<()> {
        self.cgroups.write("memory", self.cgroup, file, value)
    }

    fn has(&self, file: &str) -> bool {
        self.cgroups.has_file("memory", self.cgroup, file)
    }

    fn limit_text(bytes: Option<u64>, none: &str) -> String {
        bytes.map_or_else(|| none.to_string(), |b| b.to_string())
    }

    /// The hard limit: v1 `memory.limit_in_bytes`, v2 `memory.max`.
    pub fn set_limit(&self, bytes: Option<u64>) -> Result<()> {
        if self.unified() {
            self.write("memory.max", &Self::limit_text(bytes, "max"))
        } else {
            self.write("memory.limit_in_bytes", &Self::limit_text(bytes, "-1"))
        }
    }

    pub fn limit(&self) -> Result<Option<u64>> {
        if self.unified() {
            read_limit(self.cgroups, "memory", self.cgroup, "memory.max")
        } else {
            read_limit(self.cgroups, "memory", self.cgroup, "memory.limit_in_bytes").map(v1_limit)
        }
    }

    /// The soft limit: v1 `memory.soft_limit_in_bytes`; v2 `memory.low` (memory protected
    /// from reclaim, the closest v2 has to a soft guarantee).
    pub fn set_soft_limit(&self, bytes: Option<u64>) -> Result<()> {
        if self.unified() {
            self.write("memory.low", &Self::limit_text(bytes, "0"))
        } else {
            self.write("memory.soft_limit_in_bytes", &Self::limit_text(bytes, "-1"))
        }
    }

    /// `None` when unset (v1 unlimited, v2 `memory.low` of 0).
    pub fn soft_limit(&self) -> Result<Option<u64>> {
        if self.unified() {
            read_limit(self.cgroups, "memory", self.cgroup, "memory.low")
                .map(|low| low.filter(|l| *l > 0))
        } else {
            read_limit(
                self.cgroups,
                "memory",
                self.cgroup,
                "memory.soft_limit_in_bytes",
            )
            .map(v1_limit)
        }
    }

    /// Whether swap can be limited: v1 `memory.memsw.*` (swap accounting on), v2
    /// `memory.swap.max`.
    pub fn has_swap_accounting(&self) -> bool {
        self.has(if self.unified() {
            "memory.swap.max"
        } else {
            "memory.memsw.limit_in_bytes"
        })
    }

    /// v1 `memory.memsw.limit_in_bytes`: memory plus swap.
    pub fn set_memsw_limit(&self, bytes: Option<u64>) -> Result<()> {
        self.write(
            "memory.memsw.limit_in_bytes",
            &Self::limit_text(bytes, "-1"),
        )
    }

    /// v2 `memory.swap.max`: swap alone.
    pub fn set_swap_max(&self, bytes: Option<u64>) -> Result<()> {
        self.write("memory.swap.max", &Self::limit_text(bytes, "max"))
    }

    /// Sets the hard limit and, with `limit_swap`, forbids swapping beyond it (v1: memsw equal
    /// to the limit, v2: `memory.swap.max` 0). v1 needs memsw >= limit at every step, so a
    /// raise writes memsw first and a cut writes the limit first.
    pub fn set_hard_limit(&self, bytes: u64, limit_swap: bool) -> Result<()> {
        if self.unified() {
            self.set_limit(Some(bytes))?;
            if limit_swap {
                self.set_swap_max(Some(0))?;
            }
            return Ok(());
        }
        if !limit_swap {
            return self.set_limit(Some(bytes));
        }
        // No limit yet counts as infinite: setting one is a cut.
        let raising = self.limit()?.is_some_and(|current| bytes > current);
        if raising {
            self.set_memsw_limit(Some(bytes))?;
            self.set_limit(Some(bytes))
        } else {
            self.set_limit(Some(bytes))?;
            self.set_memsw_limit(Some(bytes))
        }
    }

    /// Current usage: v1 `memory.usage_in_bytes`, v2 `memory.current`.
    pub fn usage(&self) -> Result<u64> {
        let file = if self.unified() {
            "memory.current"
        } else {
            "memory.usage_in_bytes"
        };
        read_u64(self.cgroups, "memory", self.cgroup, file)
    }

    /// The highest usage seen: v1 `memory.max_usage_in_bytes`, v2 `memory.peak` (kernels
    /// since 5.19; `None` before).
    pub fn max_usage(&self) -> Result<Option<u64>> {
        let file = if self.unified() {
            "memory.peak"
        } else {
            "memory.max_usage_in_bytes"
        };
        if self.unified() && !self.has(file) {
            return Ok(None);
        }
        read_u64(self.cgroups, "memory", self.cgroup, file).map(Some)
    }

    /// v1 `memory.memsw.usage_in_bytes` (memory plus swap), when swap is accounted.
    pub fn memsw_usage(&self) -> Result<Option<u64>> {
        if self.unified() || !self.has("memory.memsw.usage_in_bytes") {
            return Ok(None);
        }
        read_u64(
            self.cgroups,
            "memory",
            self.cgroup,
            "memory.memsw.usage_in_bytes",
        )
        .map(Some)
    }

    /// v2 `memory.swap.current`, when swap is accounted.
    pub fn swap_usage(&self) -> Result<Option<u64>> {
        if !self.unified() || !self.has("memory.swap.current") {
            return Ok(None);
        }
        read_u64(self.cgroups, "memory", self.cgroup, "memory.swap.current").map(Some)
    }

    /// `memory.stat` as read, for messages.
    pub fn stat_text(&self) -> Result<String> {
        self.cgroups.read("memory", self.cgroup, "memory.stat")
    }

    pub fn stat(&self) -> Result<BTreeMap<String, u64>> {
        read_keyed(self.cgroups, "memory", self.cgroup, "memory.stat")
    }

    /// v1 `memory.oom_control`.
    pub fn oom_control(&self) -> Result<OomControl> {
        let map = read_keyed(self.cgroups, "memory", self.cgroup, "memory.oom_control")?;
        Ok(OomControl {
            oom_kill_disable: map.get("oom_kill_disable").is_some_and(|v| *v != 0),
            under_oom: map.get("under_oom").is_some_and(|v| *v != 0),
            oom_kill: map.get("oom_kill").copied(),
        })
    }

    /// v2 `memory.events` (`low`, `high`, `max`, `oom`, `oom_kill`, ...).
    pub fn events(&self) -> Result<BTreeMap<String, u64>> {
        read_keyed(self.cgroups, "memory", self.cgroup, "memory.events")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FakeFs, Mode};
    use std::path::Path;
    use std::sync::Arc;

    const V1: &[(&str, &str)] = &[
        ("cgroup.procs", ""),
        ("memory.limit_in_bytes", "9223372036854771712\n"),
        ("memory.soft_limit_in_bytes", "9223372036854771712\n"),
        ("memory.memsw.limit_in_bytes", "9223372036854771712\n"),
        ("memory.usage_in_bytes", "4096\n"),
        ("memory.max_usage_in_bytes", "8192\n"),
        ("memory.memsw.usage_in_bytes", "4096\n"),
        (
            "memory.oom_control",
            "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
        ),
    ];
    const V2: &[(&str, &str)] = &[
        ("cgroup.procs", ""),
        ("cgroup.subtree_control", ""),
        ("memory.max", "max\n"),
        ("memory.low", "0\n"),
        ("memory.swap.max", "max\n"),
        ("memory.current", "4096\n"),
        (
            "memory.events",
            "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n",
        ),
    ];

    fn fake(mode: Mode) -> (Arc<FakeFs>, Cgroups) {
        let fs = FakeFs::new();
        if mode.is_unified() {
            fs.template("/cg", V2)
                .dir("/cg")
                .file("/cg/cgroup.controllers", "memory\n")
                .file("/cg/cgroup.subtree_control", "");
        } else {
            fs.template("/cg/memory", V1)
                .dir("/cg/memory")
                .file("/cg/memory/cgroup.procs", "");
        }
        let cg = Cgroups::with_fs(Path::new("/cg"), mode, fs.clone());
        cg.create("memory", "c1").unwrap();
        fs.clear_log();
        (fs, cg)
    }

    #[test]
    fn v1_limits_keep_memsw_above_the_limit() {
        let (fs, cg) = fake(Mode::Legacy);
        let mem = cg.memory("c1");
        assert_eq!(mem.limit().unwrap(), None, "the kernel's huge default");
        mem.set_hard_limit(64 << 20, true).unwrap();
        mem.set_hard_limit(128 << 20, true).unwrap();
        mem.set_hard_limit(32 << 20, true).unwrap();
        let d = "/cg/memory/c1";
        assert_eq!(
            fs.log(),
            vec![
                format!("write {d}/memory.limit_in_bytes 67108864"),
                format!("write {d}/memory.memsw.limit_in_bytes 67108864"),
                format!("write {d}/memory.memsw.limit_in_bytes 134217728"),
                format!("write {d}/memory.limit_in_bytes 134217728"),
                format!("write {d}/memory.limit_in_bytes 33554432"),
                format!("write {d}/memory.memsw.limit_in_bytes 33554432"),
            ]
        );
        assert_eq!(mem.limit().unwrap(), Some(32 << 20));
        mem.set_soft_limit(Some(1 << 20)).unwrap();
        assert_eq!(mem.soft_limit().unwrap(), Some(1 << 20));
        assert!(mem.has_swap_accounting());
        assert_eq!(mem.usage().unwrap(), 4096);
        assert_eq!(mem.max_usage().unwrap(), Some(8192));
        assert_eq!(mem.memsw_usage().unwrap(), Some(4096));
        assert_eq!(mem.swap_usage().unwrap(), None);
        assert_eq!(
            mem.oom_control().unwrap(),
            OomControl {
                oom_kill_disable: false,
                under_oom: false,
                oom_kill: Some(0)
            }
        );
    }

    #[test]
    fn v2_limits_and_events() {
        let (fs, cg) = fake(Mode::Unified);
        let mem = cg.memory("c1");
        mem.set_hard_limit(64 << 20, true).unwrap();
        mem.set_soft_limit(Some(64 << 20)).unwrap();
        assert_eq!(
            fs.log(),
            vec![
                "write /cg/c1/memory.max 67108864",
                "write /cg/c1/memory.swap.max 0",
                "write /cg/c1/memory.low 67108864",
            ]
        );
        assert_eq!(mem.limit().unwrap(), Some(64 << 20));
        assert_eq!(mem.soft_limit().unwrap(), Some(64 << 20));
        mem.set_soft_limit(None).unwrap();
        assert_eq!(mem.soft_limit().unwrap(), None);
        assert_eq!(mem.max_usage().unwrap(), None, "no memory.peak");
        fs.file("/cg/c1/memory.peak", "65536\n");
        assert_eq!(mem.max_usage().unwrap(), Some(65536));
        let events = mem.events().unwrap();
        assert_eq!(
            (events["oom"], events["oom_kill"], events["max"]),
            (1, 1, 3)
        );
        assert_eq!(mem.memsw_usage().unwrap(), None);
    }

    #[test]
    fn v1_stat_parses() {
        let (fs, cg) = fake(Mode::Legacy);
        fs.file(
            "/cg/memory/c1/memory.stat",
            "cache 8192\nrss 4096\nmapped_file 0\ntotal_rss 4096\ntotal_cache 8192\n",
        );
        let stat = cg.memory("c1").stat().unwrap();
        assert_eq!((stat["total_rss"], stat["total_cache"]), (4096, 8192));
        assert!(cg
            .memory("c1")
            .stat_text()
            .unwrap()
            .starts_with("cache 8192"));
    }
}
