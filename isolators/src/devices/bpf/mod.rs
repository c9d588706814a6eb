//! cgroup v2 device control: an eBPF `BPF_PROG_TYPE_CGROUP_DEVICE` program built from the
//! allow rules by a small assembler, loaded and attached to the container's cgroup.

pub mod asm;
#[cfg(test)]
mod interp;
mod load;
pub mod program;

pub use load::attach;

#[cfg(test)]
mod tests;
