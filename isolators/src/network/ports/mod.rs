//! `network/ports`: every `--container_ports_watch_interval` finds the TCP ports (IPv4 and
//! IPv6) each container listens on and compares them with its `ports` resource; violations
//! are logged, and with `--enforce_container_ports` the container is destroyed.

mod cgroup;
mod check;
mod diag;
#[cfg(test)]
mod fake;
mod flags;
mod isolator;
mod procfd;
mod procnet;
mod scan;
mod unified;

pub use check::{unallocated, violation_message};
pub use flags::{parse_ranges, PortsFlags, DEFAULT_AGENT_PORTS};
pub use isolator::NetworkPortsIsolator;
pub use procnet::{parse_listening, socket_inode};
pub use scan::{PortScanner, Scan, Target};
pub use unified::{add_process, cgroup_id, UnifiedCgroups, UnifiedError};
