//! `/proc/<pid>/stat` of a process and its descendants. The root is a parameter so tests can
//! use a fake /proc in a temporary directory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The fields of `/proc/<pid>/stat` the posix isolators use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProcStat {
    pub pid: i32,
    pub ppid: i32,
    /// In USER_HZ ticks.
    pub utime: u64,
    pub stime: u64,
    pub threads: u64,
    /// In pages.
    pub rss: u64,
}

impl ProcStat {
    /// Parses one stat line; `None` when it is not one (a process exiting mid-read).
    pub fn parse(line: &str) -> Option<ProcStat> {
        // The command name is in parentheses and may hold spaces and parentheses itself.
        let (head, rest) = line.rsplit_once(')')?;
        let pid = head.split_once('(')?.0.trim().parse().ok()?;
        // Fields from 3 (state) on; field N is at index N - 3.
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3)?.parse::<i64>().ok();
        Some(ProcStat {
            pid,
            ppid: i32::try_from(field(4)?).ok()?,
            utime: u64::try_from(field(14)?).ok()?,
            stime: u64::try_from(field(15)?).ok()?,
            threads: u64::try_from(field(20)?).ok()?,
            rss: u64::try_from(field(24)?.max(0)).ok()?,
        })
    }
}

/// A /proc tree.
#[derive(Clone, Debug)]
pub struct Procfs {
    root: PathBuf,
}

impl Default for Procfs {
    fn default() -> Self {
        Procfs::at("/proc")
    }
}

impl Procfs {
    pub fn at(root: impl AsRef<Path>) -> Procfs {
        Procfs {
            root: root.as_ref().to_path_buf(),
        }
    }

    pub fn stat(&self, pid: i32) -> Option<ProcStat> {
        let text = std::fs::read_to_string(self.root.join(pid.to_string()).join("stat")).ok()?;
        ProcStat::parse(&text)
    }

    /// Every process now; ones that exit while being read are skipped.
    pub fn all(&self) -> Vec<ProcStat> {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
            .filter_map(|pid| self.stat(pid))
            .collect()
    }

    /// `pid` and its descendants; empty when `pid` is gone.
    pub fn tree(&self, pid: i32) -> Vec<ProcStat> {
        let all = self.all();
        let mut children: HashMap<i32, Vec<ProcStat>> = HashMap::new();
        let mut root = None;
        for stat in all {
            if stat.pid == pid {
                root = Some(stat);
            }
            children.entry(stat.ppid).or_default().push(stat);
        }
        let Some(root) = root else {
            return Vec::new();
        };
        let mut tree = vec![root];
        let mut next = 0;
        while next < tree.len() {
            let parent = tree[next].pid;
            if let Some(kids) = children.get(&parent) {
                tree.extend(kids.iter().filter(|k| k.pid != parent).copied());
            }
            next += 1;
        }
        tree
    }
}

#[cfg(test)]
pub(crate) mod fake {
    use std::path::Path;

    /// Writes a fake `/proc/<pid>/stat` with the given figures.
    pub fn process(root: &Path, pid: i32, ppid: i32, utime: u64, stime: u64, rss_pages: u64) {
        let dir = root.join(pid.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        let line = format!(
            "{pid} (odd (name) x) S {ppid} {pid} {pid} 0 -1 4194560 100 0 0 0 {utime} {stime} 0 0 20 0 2 0 1000 10000000 {rss_pages} 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
        );
        std::fs::write(dir.join("stat"), line).unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_with_spaces_and_parentheses() {
        let line = "42 (a (b) c) R 7 42 42 0 -1 0 0 0 0 0 150 25 0 0 20 0 3 0 99 1024 512 0";
        assert_eq!(
            ProcStat::parse(line),
            Some(ProcStat {
                pid: 42,
                ppid: 7,
                utime: 150,
                stime: 25,
                threads: 3,
                rss: 512
            })
        );
        assert_eq!(ProcStat::parse("42 (x) R 7"), None);
        assert_eq!(ProcStat::parse("garbage"), None);
    }

    #[test]
    fn tree_holds_descendants_only() {
        let dir = tempfile::tempdir().unwrap();
        fake::process(dir.path(), 10, 1, 1, 1, 1);
        fake::process(dir.path(), 11, 10, 1, 1, 1);
        fake::process(dir.path(), 12, 11, 1, 1, 1);
        fake::process(dir.path(), 20, 1, 1, 1, 1);
        std::fs::create_dir_all(dir.path().join("self")).unwrap();
        let procfs = Procfs::at(dir.path());
        let mut pids: Vec<i32> = procfs.tree(10).iter().map(|s| s.pid).collect();
        pids.sort_unstable();
        assert_eq!(pids, vec![10, 11, 12]);
        assert!(procfs.tree(99).is_empty());
    }

    #[test]
    fn reads_the_real_proc() {
        let me = std::process::id() as i32;
        let stat = Procfs::default().stat(me).expect("own stat");
        assert_eq!(stat.pid, me);
        assert!(stat.threads >= 1 && stat.rss > 0);
    }
}
