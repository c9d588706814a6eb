//! One pass over the containers. A container the isolator placed in a cgroup2 directory of its
//! own ([`Target::cgroup`]) is matched by cgroup id: one sock_diag dump of the agent's network
//! namespace says which cgroup created each listening socket, so no descriptor is read
//! ([`Scan::listening_targets`]). Otherwise (no cgroup2 hierarchy, a kernel without the
//! attribute, processes in another network namespace) the descriptor walk: the container's
//! processes (from its cgroup, else its process tree), their socket descriptors, matched against
//! the listening sockets of each process's own network namespace. Tables are read once per
//! namespace per pass: the agent's own through sock_diag netlink, others from
//! `/proc/<pid>/net`. Descriptors are read relative to an open `/proc/<pid>` ([`procfd`]), and
//! a batch of containers is read on every core ([`Scan::listening_all`]).

use super::cgroup::{self, CgroupMount, Membership};
use super::diag::{self, Listener};
use super::procfd::{self, Dir};
use super::procnet::parse_listening;
use crate::posix::Procfs;
use std::collections::{BTreeSet, HashMap};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Processes below which a batch is read on one thread (a thread costs more than this many).
const PER_THREAD: usize = 32;

/// Remembered container cgroups before the memory is cleared (containers come and go).
const MAX_KNOWN_CGROUPS: usize = 4096;

/// The socket inodes one process holds, and the network namespace it holds them in.
struct Held {
    pid: i32,
    namespace: Vec<u8>,
    inodes: Vec<u64>,
}

/// A container to scan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    /// Its init.
    pub pid: i32,
    /// The cgroup2 directory its tasks were placed in before they ran, if any.
    pub cgroup: Option<PathBuf>,
}

/// What a scan needs to know of the host, read once.
pub struct PortScanner {
    proc: PathBuf,
    /// `proc` opened, so each `/proc/<pid>` is one short `openat`.
    proc_dir: Option<Dir>,
    mounts: Vec<CgroupMount>,
    agent: Vec<Membership>,
    /// Container init → the cgroup directory it was found in, reused while it is still there
    /// (saves reading and matching `/proc/<pid>/cgroup` on every pass).
    cgroups: Mutex<HashMap<i32, PathBuf>>,
    /// The agent's network namespace, whose table comes from sock_diag (real /proc only).
    own_netns: Option<Vec<u8>>,
    /// Whether the fall back to the descriptor walk was logged (once per scanner).
    fallback_logged: AtomicBool,
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
            proc_dir: Dir::open(proc),
            mounts: read("mountinfo")
                .map(|t| cgroup::parse_mounts(&t))
                .unwrap_or_default(),
            agent: read("cgroup")
                .map(|t| cgroup::parse_memberships(&t))
                .unwrap_or_default(),
            cgroups: Mutex::new(HashMap::new()),
            own_netns: (proc == Path::new("/proc"))
                .then(|| std::fs::read_link(proc.join("self/ns/net")).ok())
                .flatten()
                .map(|link| link.as_os_str().as_bytes().to_vec()),
            fallback_logged: AtomicBool::new(false),
        }
    }

    /// Logs, once, why containers are scanned by descriptor.
    fn fall_back(&self, why: &str) {
        if !self.fallback_logged.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "network/ports: {why}; reading container processes' descriptors instead (slower)"
            );
        }
    }

    /// Starts a pass; what it reads is cached until it is dropped.
    pub fn scan(&self) -> Scan<'_> {
        Scan {
            scanner: self,
            tables: HashMap::new(),
            children: None,
            own: None,
        }
    }

    fn known_cgroup(&self, pid: i32) -> Option<PathBuf> {
        let known = self.cgroups.lock().unwrap_or_else(|e| e.into_inner());
        known.get(&pid).cloned()
    }

    fn remember_cgroup(&self, pid: i32, dir: Option<PathBuf>) {
        let mut known = self.cgroups.lock().unwrap_or_else(|e| e.into_inner());
        match dir {
            Some(dir) => {
                if known.len() >= MAX_KNOWN_CGROUPS {
                    known.clear();
                }
                known.insert(pid, dir);
            }
            None => {
                known.remove(&pid);
            }
        }
    }

    fn pid_dir(&self, pid: i32) -> PathBuf {
        self.proc.join(pid.to_string())
    }

    /// What `pid` holds; none once it is gone or when it holds no socket.
    fn held(&self, pid: i32) -> Option<Held> {
        let proc = self.proc_dir.as_ref()?;
        let mut inodes = Vec::new();
        proc.socket_inodes(pid, &mut inodes);
        if inodes.is_empty() {
            return None;
        }
        let mut link = [0u8; procfd::LINK_MAX];
        let namespace = proc.net_namespace(pid, &mut link)?.to_vec();
        Some(Held {
            pid,
            namespace,
            inodes,
        })
    }

    /// [`PortScanner::held`] of every pid, on up to every core.
    fn held_all(&self, pids: &[i32]) -> Vec<Held> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(pids.len() / PER_THREAD)
            .max(1);
        if threads == 1 {
            return pids.iter().filter_map(|pid| self.held(*pid)).collect();
        }
        let chunk = pids.len().div_ceil(threads);
        let read =
            |part: &[i32]| -> Vec<Held> { part.iter().filter_map(|pid| self.held(*pid)).collect() };
        std::thread::scope(|s| {
            let mut parts = pids.chunks(chunk);
            let own = parts.next().unwrap_or_default();
            let helpers: Vec<_> = parts.map(|part| s.spawn(move || read(part))).collect();
            // The first part on this thread while the helpers read theirs.
            let mut held = read(own);
            for helper in helpers {
                held.extend(helper.join().unwrap_or_default());
            }
            held
        })
    }
}

/// One pass.
pub struct Scan<'a> {
    scanner: &'a PortScanner,
    /// Network namespace (the `ns/net` link) → socket inode → listening port.
    tables: HashMap<Vec<u8>, HashMap<u64, u16>>,
    /// Parent → children, built on first need (containers without a cgroup of their own).
    children: Option<HashMap<i32, Vec<i32>>>,
    /// The sock_diag dump of the agent's namespace, read on first need.
    own: Option<std::io::Result<Vec<Listener>>>,
}

impl Scan<'_> {
    /// The TCP ports (IPv4 and IPv6) the container whose init is `pid` listens on; empty
    /// once it is gone.
    pub fn listening(&mut self, pid: i32) -> BTreeSet<u16> {
        self.listening_all(&[pid]).pop().unwrap_or_default()
    }

    /// [`Scan::listening`] of each container init in `pids`, in order; the descriptors of a
    /// large batch are read on every core.
    pub fn listening_all(&mut self, pids: &[i32]) -> Vec<BTreeSet<u16>> {
        let mut listening = vec![BTreeSet::new(); pids.len()];
        let mut walk = Walk::default();
        for (container, pid) in pids.iter().enumerate() {
            for member in self.processes(*pid) {
                walk.add(container, member);
            }
        }
        self.walk(&walk, &mut listening);
        listening
    }

    /// The TCP ports each target listens on, in order: by cgroup id where the target has a
    /// cgroup2 directory and the kernel reports socket cgroups, else by descriptor.
    pub fn listening_targets(&mut self, targets: &[Target]) -> Vec<BTreeSet<u16>> {
        let mut listening = vec![BTreeSet::new(); targets.len()];
        let mut walk = Walk::default();
        // Cgroup id → container, for the containers in the agent's network namespace.
        let mut by_id: HashMap<u64, usize> = HashMap::new();
        let (mut ids, mut pids) = (Vec::new(), Vec::new());
        let mut link = [0u8; procfd::LINK_MAX];
        for (container, target) in targets.iter().enumerate() {
            ids.clear();
            pids.clear();
            let placed = target
                .cgroup
                .as_deref()
                .is_some_and(|dir| cgroup::tree(dir, &mut ids, &mut pids))
                && !pids.is_empty();
            if !placed {
                // Not placed (yet), or gone.
                for member in self.processes(target.pid) {
                    walk.add(container, member);
                }
                continue;
            }
            let mut own = false;
            for pid in &pids {
                let namespace = self
                    .scanner
                    .proc_dir
                    .as_ref()
                    .and_then(|proc| proc.net_namespace(*pid, &mut link));
                if namespace.is_some() && namespace == self.scanner.own_netns.as_deref() {
                    own = true;
                } else {
                    // In a namespace of its own: only its descriptors say which sockets.
                    walk.add(container, *pid);
                }
            }
            if own {
                by_id.extend(ids.iter().map(|id| (*id, container)));
            }
        }
        if !by_id.is_empty() {
            let attributed = match self.own_listeners() {
                Ok(sockets) if sockets.iter().all(|s| s.cgroup.is_some()) => {
                    for socket in sockets {
                        if let Some(container) = socket.cgroup.and_then(|id| by_id.get(&id)) {
                            listening[*container].insert(socket.port);
                        }
                    }
                    Ok(())
                }
                Ok(_) => Err(
                    "this kernel does not report socket cgroups (INET_DIAG_CGROUP_ID, Linux 5.9+)"
                        .to_string(),
                ),
                Err(e) => Err(format!("sock_diag netlink failed: {e}")),
            };
            if let Err(why) = attributed {
                self.scanner.fall_back(&why);
                let mut walked: Vec<usize> = by_id.into_values().collect();
                walked.sort_unstable();
                walked.dedup();
                for container in walked {
                    for member in self.processes(targets[container].pid) {
                        walk.add(container, member);
                    }
                }
            }
        }
        self.walk(&walk, &mut listening);
        listening
    }

    /// The listening sockets of the agent's namespace, with their cgroups (dumped once).
    fn own_listeners(&mut self) -> &std::io::Result<Vec<Listener>> {
        self.own.get_or_insert_with(|| {
            let mut found = Vec::new();
            diag::listeners(&mut found).map(|()| found)
        })
    }

    /// Adds to `listening` the ports found through the descriptors of the walk's processes.
    fn walk(&mut self, walk: &Walk, listening: &mut [BTreeSet<u16>]) {
        if walk.members.is_empty() {
            return;
        }
        let held = self.scanner.held_all(&walk.members);
        let mut by_pid: HashMap<i32, usize> = HashMap::with_capacity(walk.owner.len());
        for (member, container) in walk.members.iter().zip(&walk.owner) {
            by_pid.entry(*member).or_insert(*container);
        }
        for held in held {
            let Some(container) = by_pid.get(&held.pid) else {
                continue;
            };
            let table = self.table(&held);
            listening[*container].extend(held.inodes.iter().filter_map(|i| table.get(i)));
        }
    }

    /// The container's processes: its cgroup's, else `pid` and its descendants.
    pub fn processes(&mut self, pid: i32) -> Vec<i32> {
        let scanner = self.scanner;
        let mut pids = Vec::new();
        // The cgroup found last time, while `pid` is still in it (a reused pid elsewhere is not).
        if let Some(dir) = scanner.known_cgroup(pid) {
            cgroup::processes(&dir, &mut pids);
            if pids.contains(&pid) {
                return pids;
            }
            pids.clear();
        }
        let memberships = std::fs::read_to_string(scanner.pid_dir(pid).join("cgroup"))
            .map(|t| cgroup::parse_memberships(&t))
            .unwrap_or_default();
        let found = cgroup::container_cgroup(&memberships, &scanner.agent, &scanner.mounts);
        if let Some(dir) = &found {
            cgroup::processes(dir, &mut pids);
        }
        scanner.remember_cgroup(pid, found.filter(|_| !pids.is_empty()));
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

    /// The listening sockets of the namespace `held` is in, read on first need.
    fn table(&mut self, held: &Held) -> &HashMap<u64, u16> {
        if !self.tables.contains_key(&held.namespace) {
            let own = self.scanner.own_netns.as_ref() == Some(&held.namespace);
            let mut table = HashMap::new();
            let dumped = own
                && match self.own_listeners() {
                    Ok(sockets) => {
                        table.extend(sockets.iter().map(|s| (s.inode, s.port)));
                        true
                    }
                    Err(_) => false,
                };
            if !dumped {
                table.clear();
                let dir = self.scanner.pid_dir(held.pid);
                for file in ["net/tcp", "net/tcp6"] {
                    if let Ok(text) = std::fs::read_to_string(dir.join(file)) {
                        parse_listening(&text, &mut table);
                    }
                }
            }
            self.tables.insert(held.namespace.clone(), table);
        }
        &self.tables[&held.namespace]
    }
}

/// Processes whose descriptors are read, and the container each belongs to.
#[derive(Default)]
struct Walk {
    owner: Vec<usize>,
    members: Vec<i32>,
}

impl Walk {
    fn add(&mut self, container: usize, pid: i32) {
        self.owner.push(container);
        self.members.push(pid);
    }
}

#[cfg(test)]
mod tests;
