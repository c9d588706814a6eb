//! `disk/du` (old name `posix/disk`): measures each sandbox every
//! `--container_disk_watch_interval` with an in-process walker instead of forking `du`, and with
//! `--enforce_container_disk_quota` fails a container whose sandbox outgrows its `disk`.

mod du;
mod flags;
pub mod walk;

pub use du::{quota_message, DiskDuIsolator, PosixDiskIsolator};
pub use flags::DiskFlags;
pub use walk::{disk_usage, DiskUsage, WalkError, Walker};
