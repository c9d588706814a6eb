//! Typed views of the controllers the isolators use, each hiding the v1/v2 file names.

pub mod cpu;
pub mod cpuacct;
pub mod keyed;
pub mod memory;
pub mod pids;

use crate::{Cgroups, Result};

/// Reads a single number, naming the file on failure.
fn read_u64(cgroups: &Cgroups, controller: &str, cgroup: &str, file: &str) -> Result<u64> {
    let text = cgroups.read(controller, cgroup, file)?;
    keyed::parse_u64(&cgroups.path(controller, cgroup).join(file), &text)
}

/// Reads a limit: a number, or `max` (v2) for none.
fn read_limit(
    cgroups: &Cgroups,
    controller: &str,
    cgroup: &str,
    file: &str,
) -> Result<Option<u64>> {
    let text = cgroups.read(controller, cgroup, file)?;
    keyed::parse_limit(&cgroups.path(controller, cgroup).join(file), &text)
}

/// Reads a flat keyed file (`key value` per line).
fn read_keyed(
    cgroups: &Cgroups,
    controller: &str,
    cgroup: &str,
    file: &str,
) -> Result<std::collections::BTreeMap<String, u64>> {
    let text = cgroups.read(controller, cgroup, file)?;
    keyed::parse_flat_keyed(&cgroups.path(controller, cgroup).join(file), &text)
}
