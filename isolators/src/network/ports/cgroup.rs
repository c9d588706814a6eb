//! Which cgroup holds a container: the one line of `/proc/<pid>/cgroup` where the container's
//! init differs from the agent itself (v2 first, then v1 pids, freezer, cpu, ...), found on
//! disk through the agent's own cgroup mounts. Works for v1, v2 and hybrid hosts, and does not
//! need the freezer.

use super::procfd::Dir;
use std::ffi::CString;
use std::path::{Path, PathBuf};

/// One line of `/proc/<pid>/cgroup`: hierarchy controllers (empty for v2) and path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    pub controllers: String,
    pub path: String,
}

/// Parses `/proc/<pid>/cgroup`.
pub fn parse_memberships(text: &str) -> Vec<Membership> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let _id = parts.next()?;
            let controllers = parts.next()?.to_string();
            let path = parts.next()?.to_string();
            path.starts_with('/')
                .then_some(Membership { controllers, path })
        })
        .collect()
}

/// A cgroup filesystem the agent sees: which hierarchy, its root within it and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CgroupMount {
    /// Empty for cgroup2; the v1 super options (`cpu,cpuacct`, `name=systemd`) otherwise.
    pub options: Vec<String>,
    pub root: String,
    pub mount_point: PathBuf,
}

/// The cgroup mounts in `/proc/self/mountinfo`.
pub fn parse_mounts(mountinfo: &str) -> Vec<CgroupMount> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (head, tail) = line.split_once(" - ")?;
            let mut head = head.split(' ');
            let root = unescape(head.nth(3)?);
            let mount_point = PathBuf::from(unescape(head.next()?));
            let mut tail = tail.split(' ');
            let fstype = tail.next()?;
            let _source = tail.next()?;
            let options = match fstype {
                "cgroup2" => Vec::new(),
                "cgroup" => tail
                    .next()?
                    .split(',')
                    .filter(|o| !matches!(*o, "rw" | "ro") && !o.contains("release_agent"))
                    .map(str::to_string)
                    .collect(),
                _ => return None,
            };
            Some(CgroupMount {
                options,
                root,
                mount_point,
            })
        })
        .collect()
}

/// mountinfo escapes space, tab, newline and backslash as octal.
fn unescape(field: &str) -> String {
    field
        .replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

/// The order hierarchies are tried in; v2 (empty) first.
const PREFERENCE: [&str; 6] = ["", "pids", "freezer", "cpu", "cpuacct", "memory"];

fn rank(controllers: &str) -> usize {
    let names: Vec<&str> = controllers.split(',').collect();
    PREFERENCE
        .iter()
        .position(|p| {
            if p.is_empty() {
                controllers.is_empty()
            } else {
                names.contains(p)
            }
        })
        .unwrap_or(PREFERENCE.len())
}

/// The directory of the container's own cgroup, if it has one apart from the agent's.
pub fn container_cgroup(
    container: &[Membership],
    agent: &[Membership],
    mounts: &[CgroupMount],
) -> Option<PathBuf> {
    let mut candidates: Vec<&Membership> = container
        .iter()
        .filter(|m| m.path != "/")
        .filter(|m| {
            !agent
                .iter()
                .any(|a| a.controllers == m.controllers && a.path == m.path)
        })
        .collect();
    candidates.sort_by_key(|m| rank(&m.controllers));
    candidates.into_iter().find_map(|m| directory(m, mounts))
}

fn directory(membership: &Membership, mounts: &[CgroupMount]) -> Option<PathBuf> {
    let wanted: Vec<&str> = if membership.controllers.is_empty() {
        Vec::new()
    } else {
        membership.controllers.split(',').collect()
    };
    let mount = mounts.iter().find(|m| {
        if wanted.is_empty() {
            m.options.is_empty()
        } else {
            !m.options.is_empty() && wanted.iter().all(|w| m.options.iter().any(|o| o == w))
        }
    })?;
    let root = mount.root.trim_end_matches('/');
    let relative = membership.path.strip_prefix(root)?;
    if !relative.is_empty() && !relative.starts_with('/') {
        return None;
    }
    let dir = mount.mount_point.join(relative.trim_start_matches('/'));
    dir.join("cgroup.procs").exists().then_some(dir)
}

/// Every process in the cgroup at `dir` and its descendants.
pub fn processes(dir: &Path, into: &mut Vec<i32>) {
    if let Some(dir) = Dir::list(dir) {
        processes_in(&dir, into);
    }
}

/// The ids of the cgroup2 directory at `dir` and of every directory below it, and the
/// processes in them; false when `dir` cannot be opened (gone).
pub fn tree(dir: &Path, ids: &mut Vec<u64>, pids: &mut Vec<i32>) -> bool {
    let Some(dir) = Dir::list(dir) else {
        return false;
    };
    tree_in(&dir, ids, pids);
    true
}

fn tree_in(dir: &Dir, ids: &mut Vec<u64>, pids: &mut Vec<i32>) {
    ids.extend(dir.inode());
    for_each_level(dir, pids, |child, pids| tree_in(child, ids, pids));
}

/// Read through descriptors: one `openat` per file and directory, no path walks.
fn processes_in(dir: &Dir, into: &mut Vec<i32>) {
    for_each_level(dir, into, processes_in);
}

/// Adds the processes of `dir` to `into`, then calls `below` with each directory under it.
fn for_each_level(dir: &Dir, into: &mut Vec<i32>, mut below: impl FnMut(&Dir, &mut Vec<i32>)) {
    let mut text = Vec::new();
    if dir.read(c"cgroup.procs", &mut text) {
        into.extend(
            text.split(|b| *b == b'\n')
                .filter_map(|l| std::str::from_utf8(l).ok()?.trim().parse::<i32>().ok()),
        );
    }
    let mut children: Vec<CString> = Vec::new();
    dir.entries(|name, kind| {
        if kind == libc::DT_DIR || kind == libc::DT_UNKNOWN {
            children.push(name.to_owned());
        }
    });
    for child in children {
        if let Some(child) = dir.list_at(&child) {
            below(&child, into);
        }
    }
}

#[cfg(test)]
mod tests;
