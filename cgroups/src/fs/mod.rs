//! The file operations cgroup logic needs, behind a trait so that logic runs against a fake tree
//! in unit tests and against the kernel in production.

pub mod fake;
mod notify;
pub mod real;

use std::fmt::Debug;
use std::io;
use std::path::Path;
use std::time::Duration;

/// cgroupfs as the rest of this crate sees it. Paths are absolute (hierarchy included).
pub trait CgroupFs: Send + Sync + Debug {
    fn read(&self, path: &Path) -> io::Result<String>;
    /// Writes an existing control file in one `write(2)`, as cgroupfs expects.
    fn write(&self, path: &Path, value: &str) -> io::Result<()>;
    /// Creates one directory; its parent must exist.
    fn mkdir(&self, path: &Path) -> io::Result<()>;
    /// Removes one empty cgroup directory.
    fn rmdir(&self, path: &Path) -> io::Result<()>;
    /// The names of the subdirectories (child cgroups) of `path`.
    fn list_dirs(&self, path: &Path) -> io::Result<Vec<String>>;
    fn exists(&self, path: &Path) -> bool;
    /// Sends SIGKILL to `pid`; a process already gone is not an error. The one call that is not
    /// a file operation, here so that `kill_all`'s sequencing can be tested.
    fn kill(&self, pid: i32) -> io::Result<()>;
    /// Arms the kernel's OOM notification for the memory cgroup at `dir`: v1 through an eventfd
    /// registered in `cgroup.event_control`, v2 by watching `memory.events`.
    fn oom_notifier(&self, dir: &Path, unified: bool) -> io::Result<Box<dyn OomNotifier>>;
    /// Pauses between polls of the kernel; fakes may skip it.
    fn pause(&self, duration: Duration) {
        std::thread::sleep(duration)
    }
}

/// Why [`OomNotifier::wait`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// The kernel signalled: an OOM, a change of `memory.events`, or the cgroup's removal.
    Signalled,
    TimedOut,
    Cancelled,
}

/// A kernel notification channel for one memory cgroup. `wait` and `cancel` may run on
/// different threads.
pub trait OomNotifier: Send + Sync {
    fn wait(&self, timeout: Duration) -> io::Result<Wake>;
    /// Makes the current and every later `wait` return [`Wake::Cancelled`].
    fn cancel(&self);
}
