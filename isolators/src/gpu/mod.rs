//! `gpu/devices`: hands a provider's devices (GPUs and any other device resource) to the
//! containers that ask for them, through the device cgroup it owns for every container.

mod allocation;
mod isolator;
mod state;

pub use allocation::{whole_count, Allocation};
pub use isolator::{GpuDevicesIsolator, GPU_ENV, NVIDIA_ENV};
