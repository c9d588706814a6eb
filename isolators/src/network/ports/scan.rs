//! One pass over the containers: for each, its processes (from its cgroup, else its process
//! tree), their socket descriptors, matched against the listening sockets of each process's
//! own network namespace. Tables are read once per namespace per pass: the agent's own through
//! sock_diag netlink, others (containers with their own namespace) from `/proc/<pid>/net`.

use super::cgroup::{self, CgroupMount, Membership};
use super::diag;
use super::procnet::{parse_listening, socket_inode};
use crate::posix::Procfs;
use std::collections::{BTreeSet, HashMap};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// What a scan needs to know of the host, read once.
pub struct PortScanner {
    proc: PathBuf,
    mounts: Vec<CgroupMount>,
    agent: Vec<Membership>,
    /// The agent's network namespace, whose table comes from sock_diag (real /proc only).
    own_netns: Option<Vec<u8>>,
}

impl Default for PortScanner {
    fn default() -> Self {
        PortScanner::at(Path::new("/proc"))
    }
}

impl PortScanner {
    /// Over any /proc (its `self` is the agent); tests use a fake one.
    pub fn at(proc: &Path) -> PortScanner {
        let read = |file: &str| std::fs::read_to_string(proc.join("self").join(file));
        PortScanner {
            proc: proc.to_path_buf(),
            mounts: read("mountinfo")
                .map(|t| cgroup::parse_mounts(&t))
                .unwrap_or_default(),
            agent: read("cgroup")
                .map(|t| cgroup::parse_memberships(&t))
                .unwrap_or_default(),
            own_netns: (proc == Path::new("/proc"))
                .then(|| std::fs::read_link(proc.join("self/ns/net")).ok())
                .flatten()
                .map(|link| link.as_os_str().as_bytes().to_vec()),
        }
    }

    /// Starts a pass; what it reads is cached until it is dropped.
    pub fn scan(&self) -> Scan<'_> {
        Scan {
            scanner: self,
            tables: HashMap::new(),
            children: None,
        }
    }

    fn pid_dir(&self, pid: i32) -> PathBuf {
        self.proc.join(pid.to_string())
    }
}

/// One pass.
pub struct Scan<'a> {
    scanner: &'a PortScanner,
    /// Network namespace (the `ns/net` link) → socket inode → listening port.
    tables: HashMap<Vec<u8>, HashMap<u64, u16>>,
    /// Parent → children, built on first need (containers without a cgroup of their own).
    children: Option<HashMap<i32, Vec<i32>>>,
}

impl Scan<'_> {
    /// The TCP ports (IPv4 and IPv6) the container whose init is `pid` listens on; empty
    /// once it is gone.
    pub fn listening(&mut self, pid: i32) -> BTreeSet<u16> {
        let mut ports = BTreeSet::new();
        for member in self.processes(pid) {
            self.add_ports(member, &mut ports);
        }
        ports
    }

    /// The container's processes: its cgroup's, else `pid` and its descendants.
    pub fn processes(&mut self, pid: i32) -> Vec<i32> {
        let scanner = self.scanner;
        let memberships = std::fs::read_to_string(scanner.pid_dir(pid).join("cgroup"))
            .map(|t| cgroup::parse_memberships(&t))
            .unwrap_or_default();
        let mut pids = Vec::new();
        if let Some(dir) = cgroup::container_cgroup(&memberships, &scanner.agent, &scanner.mounts) {
            cgroup::processes(&dir, &mut pids);
        }
        if pids.is_empty() {
            pids = self.tree(pid);
        }
        pids
    }

    fn tree(&mut self, pid: i32) -> Vec<i32> {
        let proc = &self.scanner.proc;
        let children = self.children.get_or_insert_with(|| {
            let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
            for stat in Procfs::at(proc).all() {
                children.entry(stat.ppid).or_default().push(stat.pid);
            }
            children
        });
        if !self.scanner.pid_dir(pid).exists() {
            return Vec::new();
        }
        let mut tree = vec![pid];
        let mut next = 0;
        while next < tree.len() {
            if let Some(kids) = children.get(&tree[next]) {
                let parent = tree[next];
                tree.extend(kids.iter().filter(|k| **k != parent));
            }
            next += 1;
        }
        tree
    }

    fn add_ports(&mut self, pid: i32, ports: &mut BTreeSet<u16>) {
        let dir = self.scanner.pid_dir(pid);
        let Ok(fds) = std::fs::read_dir(dir.join("fd")) else {
            return;
        };
        let inodes: Vec<u64> = fds
            .filter_map(|fd| {
                let link = std::fs::read_link(fd.ok()?.path()).ok()?;
                socket_inode(link.as_os_str().as_bytes())
            })
            .collect();
        if inodes.is_empty() {
            return;
        }
        let Ok(namespace) = std::fs::read_link(dir.join("ns/net")) else {
            return;
        };
        let namespace = namespace.as_os_str().as_bytes().to_vec();
        let own = self.scanner.own_netns.as_ref() == Some(&namespace);
        let table = self.tables.entry(namespace).or_insert_with(|| {
            let mut table = HashMap::new();
            if own && diag::listening(&mut table).is_ok() {
                return table;
            }
            table.clear();
            for file in ["net/tcp", "net/tcp6"] {
                if let Ok(text) = std::fs::read_to_string(dir.join(file)) {
                    parse_listening(&text, &mut table);
                }
            }
            table
        });
        ports.extend(inodes.iter().filter_map(|inode| table.get(inode)));
    }
}

#[cfg(test)]
mod tests;
