//! modkit-isolators: built-in isolator modules, also exported from this crate's cdylib.
//!
//! `cgroups/cpu`, `cgroups/mem`, `cgroups/pids` place each container in
//! `<--cgroups_root>/<container_id>` through modkit-cgroups (v1 or v2); `namespaces/pid` asks
//! the launcher for PID and mount namespaces; `posix/cpu` and `posix/mem` only measure.

mod bytes;
pub mod cgroups;
mod containers;
mod error;
mod flags;
pub mod namespaces;
pub mod posix;
mod sys;

pub use bytes::format_bytes;
pub use cgroups::cpu::CgroupsCpuIsolator;
pub use cgroups::mem::{oom_message, CgroupsMemIsolator, MIN_MEMORY};
pub use cgroups::pids::CgroupsPidsIsolator;
pub use error::IsolatorError;
pub use flags::CgroupsFlags;
pub use namespaces::pid::PidNamespaceIsolator;
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
                "posix/mem"
            ]
        );
    }
}
