//! Device access for containers: `cgroups/devices` (v1 `devices.allow`/`devices.deny`, v2 an
//! eBPF device program), the vendor-neutral device model and its providers (`static`,
//! `nvidia`, and vendor modules through the C ABI).

pub mod bpf;
mod cgroup;
mod dl;
mod error;
mod flags;
mod isolator;
mod model;
mod module;
mod nvidia;
mod rule;
mod static_provider;

pub(crate) use cgroup::DeviceCgroup;
pub use error::DeviceError;
pub use flags::DeviceFlags;
pub(crate) use isolator::base_rules as isolator_base_rules;
pub use isolator::CgroupsDevicesIsolator;
pub use model::{discover, Device, DeviceProvider, Inventory};
pub use module::ModuleProvider;
pub use nvidia::{NvidiaProvider, NVIDIA_MAJOR, NVML_LIBRARY};
pub use rule::{parse_allowed_devices, stat_node, Access, DeviceRule, DeviceType, DEFAULT_RULES};
pub use static_provider::StaticProvider;
