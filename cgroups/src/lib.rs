//! cgroup v1 and v2 behind one interface: the isolators and the launcher share it, so it lives
//! below both kind crates.
//!
//! [`Cgroups`] is detected once per hierarchy ([`Mode`]) and does every file operation through a
//! [`CgroupFs`], so the v1/v2 logic is unit-tested against [`FakeFs`] without root. Typed
//! per-controller views ([`Cgroups::cpu`], [`Cgroups::memory`], ...) hide the v1/v2 file names;
//! [`Cgroups::watch_oom`] reports a memory cgroup's OOM kills.

mod controllers;
mod detect;
mod error;
mod fs;
mod hierarchy;
mod oom;

pub use controllers::cpu::{shares_to_weight, Cpu, CpuStat, CFS_PERIOD, MIN_CFS_QUOTA};
pub use controllers::cpuacct::{Cpuacct, CpuacctStat};
pub use controllers::keyed::{parse_flat_keyed, parse_limit, parse_u64};
pub use controllers::memory::{Memory, OomControl};
pub use controllers::pids::Pids;
pub use detect::{mode_from_magic, Mode, CGROUP2_SUPER_MAGIC, TMPFS_MAGIC};
pub use error::CgroupError;
pub use fs::fake::FakeFs;
pub use fs::real::RealFs;
pub use fs::{CgroupFs, OomNotifier, Wake};
pub use hierarchy::Cgroups;
pub use oom::{OomEvent, OomWatch};

/// Result of every call of this crate.
pub type Result<T, E = CgroupError> = std::result::Result<T, E>;
