//! A directory per container in the cgroup2 hierarchy, `<mount>/<cgroups_root>/<container_id>`,
//! so that every socket a container's tasks create carries its cgroup id (the directory's inode,
//! on 64-bit kernels) and a scan can attribute sockets without reading descriptors. On cgroup v2
//! hosts this is the directory the cgroups isolators use too; on v1 hosts it sits in the
//! controller-less cgroup2 mount (`/sys/fs/cgroup/unified`) and limits nothing.

use super::cgroup::parse_mounts;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long `remove` retries a directory whose last task is still exiting.
const REMOVE_RETRY: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum UnifiedError {
    #[error(
        "container {container_id:?}: a container id must be a single, non-empty path component"
    )]
    InvalidContainer { container_id: String },
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> UnifiedError + 'a {
    move |source| UnifiedError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// The cgroup2 hierarchy and the root under it that holds one directory per container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnifiedCgroups {
    root: PathBuf,
}

impl UnifiedCgroups {
    /// `<cgroup2 mount>/<root>` from this process's mounts; none without a cgroup2 mount.
    pub fn detect(root: &str) -> Option<UnifiedCgroups> {
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
        UnifiedCgroups::from_mountinfo(&mountinfo, root)
    }

    /// The first cgroup2 mount in `mountinfo`, with `root` below it.
    pub fn from_mountinfo(mountinfo: &str, root: &str) -> Option<UnifiedCgroups> {
        let mount = parse_mounts(mountinfo)
            .into_iter()
            .find(|m| m.options.is_empty())?;
        Some(UnifiedCgroups::at(&mount.mount_point, root))
    }

    /// `root` below the cgroup2 hierarchy mounted at `mount` (tests use a plain directory).
    pub fn at(mount: &Path, root: &str) -> UnifiedCgroups {
        UnifiedCgroups {
            root: mount.join(root.trim_matches('/')),
        }
    }

    /// The root all container directories are in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The container's directory; an id that is no single path component is refused so that
    /// no container can address another's.
    pub fn dir(&self, container_id: &str) -> Result<PathBuf, UnifiedError> {
        if container_id.is_empty()
            || container_id == "."
            || container_id == ".."
            || container_id.contains(['/', '\0', '\n'])
        {
            return Err(UnifiedError::InvalidContainer {
                container_id: container_id.to_string(),
            });
        }
        Ok(self.root.join(container_id))
    }

    /// Creates the container's directory (and the root); one already there is reused (a
    /// cgroups isolator on a v2 host may have made it first).
    pub fn create(&self, container_id: &str) -> Result<PathBuf, UnifiedError> {
        let dir = self.dir(container_id)?;
        std::fs::create_dir_all(&dir).map_err(io_error("create cgroup", &dir))?;
        Ok(dir)
    }

    /// The container's directory if it exists (recovery after an agent restart).
    pub fn find(&self, container_id: &str) -> Option<PathBuf> {
        let dir = self.dir(container_id).ok()?;
        dir.is_dir().then_some(dir)
    }

    /// Removes the container's directory once its tasks are gone, retrying while the last
    /// ones exit; a missing one is fine.
    pub fn remove(&self, container_id: &str) -> Result<(), UnifiedError> {
        remove_dir(&self.dir(container_id)?)
    }
}

/// The cgroup id of the directory: its inode.
pub fn cgroup_id(dir: &Path) -> Result<u64, UnifiedError> {
    std::fs::metadata(dir)
        .map(|m| m.ino())
        .map_err(io_error("read the cgroup id of", dir))
}

/// Moves `pid` into the cgroup at `dir`.
pub fn add_process(dir: &Path, pid: i32) -> Result<(), UnifiedError> {
    let procs = dir.join("cgroup.procs");
    std::fs::write(&procs, pid.to_string()).map_err(io_error("write the pid to", &procs))
}

/// Removes `dir` and anything a task made below it, deepest first.
fn remove_dir(dir: &Path) -> Result<(), UnifiedError> {
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for entry in entries.filter_map(|e| e.ok()) {
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    remove_dir(&entry.path())?;
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error("list", dir)(e)),
    }
    let mut waited = Duration::ZERO;
    let mut pause = Duration::from_millis(5);
    loop {
        match std::fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && waited < REMOVE_RETRY => {
                std::thread::sleep(pause);
                waited += pause;
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            Err(e) => return Err(io_error("remove cgroup", dir)(e)),
        }
    }
}

#[cfg(test)]
mod tests;
