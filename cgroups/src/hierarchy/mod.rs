//! [`Cgroups`]: one detected hierarchy and the operations on its cgroups.

mod kill;
mod name;

use crate::detect::{detect_mode, Mode};
use crate::fs::{real::RealFs, CgroupFs};
use crate::{CgroupError, Result};
pub(crate) use name::{checked, checked_non_root};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How long `remove` retries a cgroup the kernel still calls busy.
const REMOVE_RETRY: Duration = Duration::from_secs(2);
/// How long `kill_all` tries before giving up and naming the survivors.
const KILL_TIMEOUT: Duration = Duration::from_secs(10);
/// Controllers that are part of the cgroup v2 core (or have no v2 files): never enabled in
/// `cgroup.subtree_control`, always available.
const V2_CORE: &[&str] = &["freezer", "cpuacct"];

#[derive(Debug)]
struct Inner {
    hierarchy: PathBuf,
    mode: Mode,
    fs: Arc<dyn CgroupFs>,
    kill_timeout: Duration,
}

/// A cgroup hierarchy. Cheap to clone; every clone shares the same file system.
#[derive(Clone, Debug)]
pub struct Cgroups {
    inner: Arc<Inner>,
}

impl Cgroups {
    /// The real kernel's hierarchy at `hierarchy` (usually `/sys/fs/cgroup`).
    pub fn detect(hierarchy: &Path) -> Result<Cgroups> {
        let mode = detect_mode(hierarchy)?;
        Ok(Cgroups::with_fs(hierarchy, mode, Arc::new(RealFs)))
    }

    /// A hierarchy of a known mode over any file system (tests use [`crate::FakeFs`]).
    pub fn with_fs(hierarchy: &Path, mode: Mode, fs: Arc<dyn CgroupFs>) -> Cgroups {
        Cgroups {
            inner: Arc::new(Inner {
                hierarchy: hierarchy.to_path_buf(),
                mode,
                fs,
                kill_timeout: KILL_TIMEOUT,
            }),
        }
    }

    /// The same hierarchy with another bound for [`Cgroups::kill_all`].
    pub fn with_kill_timeout(&self, timeout: Duration) -> Cgroups {
        Cgroups {
            inner: Arc::new(Inner {
                hierarchy: self.inner.hierarchy.clone(),
                mode: self.inner.mode,
                fs: Arc::clone(&self.inner.fs),
                kill_timeout: timeout,
            }),
        }
    }

    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    pub fn hierarchy(&self) -> &Path {
        &self.inner.hierarchy
    }

    pub(crate) fn fs(&self) -> &dyn CgroupFs {
        &*self.inner.fs
    }

    pub(crate) fn fs_arc(&self) -> Arc<dyn CgroupFs> {
        Arc::clone(&self.inner.fs)
    }

    /// v1: `<h>/<controller>` is mounted; v2: listed in `<h>/cgroup.controllers`. `freezer`
    /// (`cgroup.freeze`, `cgroup.kill`) and `cpuacct` (`cpu.stat` usage) are core on v2.
    pub fn supports(&self, controller: &str) -> bool {
        let h = &self.inner.hierarchy;
        if self.mode().is_unified() {
            if V2_CORE.contains(&controller) {
                return true;
            }
            return self
                .fs()
                .read(&h.join("cgroup.controllers"))
                .is_ok_and(|list| list.split_whitespace().any(|c| c == controller));
        }
        self.fs().exists(&h.join(controller).join("cgroup.procs"))
    }

    /// v1 (Legacy, Hybrid): `<h>/<controller>/<cgroup>`; Unified: `<h>/<cgroup>`. Only joins:
    /// the name is checked by the operations, not here.
    pub fn path(&self, controller: &str, cgroup: &str) -> PathBuf {
        let base = if self.mode().is_unified() {
            self.inner.hierarchy.clone()
        } else {
            self.inner.hierarchy.join(controller)
        };
        let cgroup = cgroup.trim_matches('/');
        if cgroup.is_empty() {
            base
        } else {
            base.join(cgroup)
        }
    }

    fn file(&self, controller: &str, cgroup: &str, file: &str) -> Result<PathBuf> {
        Ok(self.path(controller, checked(cgroup)?).join(file))
    }

    /// `mkdir -p`; on v2 also enables the controller in every ancestor's
    /// `cgroup.subtree_control`. Idempotent.
    pub fn create(&self, controller: &str, cgroup: &str) -> Result<PathBuf> {
        let name = checked_non_root(cgroup)?;
        let unified = self.mode().is_unified();
        let enable = unified && !V2_CORE.contains(&controller);
        if !self.supports(controller) {
            return Err(CgroupError::Unsupported {
                controller: controller.to_string(),
                hierarchy: self.path(controller, ""),
            });
        }
        let mut dir = self.path(controller, "");
        for component in name.split('/') {
            if enable {
                self.enable_in_subtree(&dir, controller)?;
            }
            dir.push(component);
            match self.fs().mkdir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(CgroupError::io("create cgroup", &dir, e)),
            }
        }
        Ok(dir)
    }

    fn enable_in_subtree(&self, dir: &Path, controller: &str) -> Result<()> {
        let file = dir.join("cgroup.subtree_control");
        let enabled = self
            .fs()
            .read(&file)
            .map_err(|e| CgroupError::io("read", &file, e))?;
        if enabled.split_whitespace().any(|c| c == controller) {
            return Ok(());
        }
        self.fs()
            .write(&file, &format!("+{controller}"))
            .map_err(|e| CgroupError::write(&file, &format!("+{controller}"), e))
    }

    /// Removes the cgroup and its descendants, deepest first. A missing cgroup is fine; a busy
    /// one (the kernel frees a cgroup shortly after its last process dies) is retried briefly.
    pub fn remove(&self, controller: &str, cgroup: &str) -> Result<()> {
        let dir = self.path(controller, checked_non_root(cgroup)?);
        self.remove_tree(&dir)
    }

    fn remove_tree(&self, dir: &Path) -> Result<()> {
        let children = match self.fs().list_dirs(dir) {
            Ok(children) => children,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(CgroupError::io("list", dir, e)),
        };
        for child in children {
            self.remove_tree(&dir.join(child))?;
        }
        // Pauses are summed rather than timed so that a fake file system can skip them.
        let mut waited = Duration::ZERO;
        let mut pause = Duration::from_millis(5);
        loop {
            match self.fs().rmdir(dir) {
                Ok(()) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) if e.raw_os_error() == Some(libc::EBUSY) && waited < REMOVE_RETRY => {
                    self.fs().pause(pause);
                    waited += pause;
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
                Err(e) => return Err(CgroupError::io("remove cgroup", dir, e)),
            }
        }
    }

    /// Moves `pid` into the cgroup (`cgroup.procs`).
    pub fn add_process(&self, controller: &str, cgroup: &str, pid: i32) -> Result<()> {
        let file = self.file(controller, cgroup, "cgroup.procs")?;
        self.fs()
            .write(&file, &pid.to_string())
            .map_err(|e| CgroupError::write(&file, &pid.to_string(), e))
    }

    /// The processes of the cgroup and of its descendants, sorted.
    pub fn processes(&self, controller: &str, cgroup: &str) -> Result<Vec<i32>> {
        let dir = self.path(controller, checked(cgroup)?);
        let mut pids = self.processes_at(&dir)?;
        pids.sort_unstable();
        pids.dedup();
        Ok(pids)
    }

    fn processes_at(&self, dir: &Path) -> Result<Vec<i32>> {
        let file = dir.join("cgroup.procs");
        let text = self
            .fs()
            .read(&file)
            .map_err(|e| CgroupError::io("read", &file, e))?;
        let mut pids = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            pids.push(line.parse().map_err(|e| CgroupError::Parse {
                path: file.clone(),
                value: line.to_string(),
                reason: format!("not a pid: {e}"),
            })?);
        }
        let children = match self.fs().list_dirs(dir) {
            Ok(children) => children,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(CgroupError::io("list", dir, e)),
        };
        for child in children {
            match self.processes_at(&dir.join(child)) {
                Ok(more) => pids.extend(more),
                // A child removed meanwhile has no processes.
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(pids)
    }

    /// The names of the child cgroups (one level) of `parent`, sorted; none when `parent` does
    /// not exist.
    pub fn children(&self, controller: &str, parent: &str) -> Result<Vec<String>> {
        let dir = self.path(controller, checked(parent)?);
        match self.fs().list_dirs(&dir) {
            Ok(mut names) => {
                names.sort();
                Ok(names)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(CgroupError::io("list", &dir, e)),
        }
    }

    /// Whether the cgroup exists.
    pub fn exists(&self, controller: &str, cgroup: &str) -> bool {
        checked(cgroup).is_ok_and(|name| self.fs().exists(&self.path(controller, name)))
    }

    pub fn read(&self, controller: &str, cgroup: &str, file: &str) -> Result<String> {
        let path = self.file(controller, cgroup, file)?;
        self.fs()
            .read(&path)
            .map_err(|e| CgroupError::io("read", &path, e))
    }

    pub fn write(&self, controller: &str, cgroup: &str, file: &str, value: &str) -> Result<()> {
        let path = self.file(controller, cgroup, file)?;
        self.fs()
            .write(&path, value)
            .map_err(|e| CgroupError::write(&path, value, e))
    }

    /// Whether a control file exists (files differ between kernels and configurations).
    pub fn has_file(&self, controller: &str, cgroup: &str, file: &str) -> bool {
        self.file(controller, cgroup, file)
            .is_ok_and(|path| self.fs().exists(&path))
    }

    pub(crate) fn kill_timeout(&self) -> Duration {
        self.inner.kill_timeout
    }
}

#[cfg(test)]
mod tests;
