//! The agent end to end, as root on the real kernel: `modkit agent` processes driven over the
//! v1 operator API, and `modkit execute`. Each test skips, saying why, where the kernel lacks
//! a controller, and checks that no cgroup and no process is left.

mod devices;
mod disk_ports;
mod execute;
mod external;
mod harness;
mod hooks;
mod hostile;
mod isolation;
mod lifecycle;
mod modules;
mod recovery;

#[path = "../common/mod.rs"]
mod common;
