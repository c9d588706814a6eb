//! modkit-isolators: built-in isolator modules, also exported from this crate's cdylib.
//!
//! `cgroups/cpu`, `cgroups/mem`, `cgroups/pids` place each container in
//! `<--cgroups_root>/<container_id>` through modkit-cgroups (v1 or v2); `namespaces/pid` asks
//! the launcher for PID and mount namespaces; `posix/cpu` and `posix/mem` only measure;
//! `disk/du` (alias `posix/disk`) watches sandbox sizes; `network/ports` watches listening
//! ports; `cgroups/devices` and `gpu/devices` control device access (providers in
//! [`devices`]); `linux/capabilities` bounds the task's capabilities.

mod bytes;
pub mod cgroups;
mod containers;
pub mod devices;
pub mod disk;
mod error;
mod flags;
pub mod gpu;
pub mod linux;
pub mod namespaces;
pub mod network;
mod periodic;
pub mod posix;
mod sys;

pub use bytes::format_bytes;
pub use cgroups::cpu::CgroupsCpuIsolator;
pub use cgroups::mem::{oom_message, CgroupsMemIsolator, MIN_MEMORY};
pub use cgroups::pids::CgroupsPidsIsolator;
pub use devices::CgroupsDevicesIsolator;
pub use disk::{DiskDuIsolator, PosixDiskIsolator};
pub use error::IsolatorError;
pub use flags::CgroupsFlags;
pub use gpu::GpuDevicesIsolator;
pub use linux::capabilities::LinuxCapabilitiesIsolator;
pub use namespaces::pid::PidNamespaceIsolator;
pub use network::ports::NetworkPortsIsolator;
pub use posix::cpu::PosixCpuIsolator;
pub use posix::mem::PosixMemIsolator;

use modkit_ffi::sdk::{native_named, ModuleFactory};

/// The built-in isolators, for the host's registry, under the names operators pass to
/// `--isolation`. The cdylib exports the same modules as `org_modkit_*` symbols.
pub fn builtins() -> Vec<Box<dyn ModuleFactory>> {
    vec![
        native_named::<CgroupsCpuIsolator>("cgroups/cpu"),
        native_named::<CgroupsMemIsolator>("cgroups/mem"),
        native_named::<CgroupsPidsIsolator>("cgroups/pids"),
        native_named::<PidNamespaceIsolator>("namespaces/pid"),
        native_named::<PosixCpuIsolator>("posix/cpu"),
        native_named::<PosixMemIsolator>("posix/mem"),
        native_named::<DiskDuIsolator>("disk/du"),
        native_named::<PosixDiskIsolator>("posix/disk"),
        native_named::<NetworkPortsIsolator>("network/ports"),
        native_named::<CgroupsDevicesIsolator>("cgroups/devices"),
        native_named::<GpuDevicesIsolator>("gpu/devices"),
        native_named::<LinuxCapabilitiesIsolator>("linux/capabilities"),
    ]
}

#[cfg(test)]
mod tests {
    use modkit_ffi::abi::Kind;

    #[test]
    fn builtins_are_isolators_under_mesos_names() {
        let names: Vec<String> = super::builtins()
            .iter()
            .map(|f| {
                let info = f.describe().expect("valid descriptor");
                assert_eq!(info.kind, Kind::Isolator);
                assert!(info.thread_safe(), "{}", f.name());
                f.name().to_string()
            })
            .collect();
        assert_eq!(
            names,
            [
                "cgroups/cpu",
                "cgroups/mem",
                "cgroups/pids",
                "namespaces/pid",
                "posix/cpu",
                "posix/mem",
                "disk/du",
                "posix/disk",
                "network/ports",
                "cgroups/devices",
                "gpu/devices",
                "linux/capabilities",
            ]
        );
    }
}
