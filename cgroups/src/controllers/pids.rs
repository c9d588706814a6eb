//! The pids controller: `pids.max` and `pids.current`, the same files in v1 and v2.

use super::{read_limit, read_u64};
use crate::{Cgroups, Result};

/// The pids controller of one cgroup.
#[derive(Clone, Copy, Debug)]
pub struct Pids<'a> {
    cgroups: &'a Cgroups,
    cgroup: &'a str,
}

impl Cgroups {
    pub fn pids<'a>(&'a self, cgroup: &'a str) -> Pids<'a> {
        Pids {
            cgroups: self,
            cgroup,
        }
    }
}

impl Pids<'_> {
    /// `None` writes `max`.
    pub fn set_max(&self, max: Option<u64>) -> Result<()> {
        let value = max.map_or_else(|| "max".to_string(), |m| m.to_string());
        self.cgroups.write("pids", self.cgroup, "pids.max", &value)
    }

    pub fn max(&self) -> Result<Option<u64>> {
        read_limit(self.cgroups, "pids", self.cgroup, "pids.max")
    }

    pub fn current(&self) -> Result<u64> {
        read_u64(self.cgroups, "pids", self.cgroup, "pids.current")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FakeFs, Mode};
    use std::path::Path;

    #[test]
    fn max_and_current() {
        let fs = FakeFs::new();
        fs.file("/cg/pids/c1/pids.max", "max\n")
            .file("/cg/pids/c1/pids.current", "3\n");
        let cg = Cgroups::with_fs(Path::new("/cg"), Mode::Legacy, fs.clone());
        let pids = cg.pids("c1");
        assert_eq!(pids.max().unwrap(), None);
        pids.set_max(Some(32)).unwrap();
        assert_eq!(pids.max().unwrap(), Some(32));
        pids.set_max(None).unwrap();
        assert_eq!(fs.contents("/cg/pids/c1/pids.max").as_deref(), Some("max"));
        assert_eq!(pids.current().unwrap(), 3);
    }
}
