//! `namespaces/pid`: each container gets its own PID namespace (and a mount namespace, so the
//! launcher can mount a fresh /proc); killing the namespace's init tears the container down.

use modkit_ffi::sdk::{Create, Host, Isolator, ModuleError, Parameters, Result};
use modkit_ffi::types::{ContainerConfig, ContainerLaunchInfo};

pub struct PidNamespaceIsolator;

impl Create for PidNamespaceIsolator {
    /// Checks for namespaces here rather than in `compatible`: the host registers every
    /// built-in at start, and only an agent that selects this isolator needs them.
    fn create(_host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&[])?;
        for ns in ["pid", "mnt"] {
            let path = format!("/proc/self/ns/{ns}");
            if !std::path::Path::new(&path).exists() {
                return Err(ModuleError::Unsupported(format!(
                    "namespaces/pid: {path} is missing: this kernel has no {ns} namespaces"
                )));
            }
        }
        Ok(PidNamespaceIsolator)
    }
}

impl Isolator for PidNamespaceIsolator {
    fn prepare(
        &self,
        _container_id: &str,
        _config: &ContainerConfig,
    ) -> Result<Option<ContainerLaunchInfo>> {
        Ok(Some(ContainerLaunchInfo {
            clone_namespaces: vec!["pid".into(), "mnt".into()],
            ..ContainerLaunchInfo::default()
        }))
    }
}

modkit_ffi::export_module!(org_modkit_PidNamespaceIsolator: Isolator = PidNamespaceIsolator {
    author: "modkit",
    email: "",
    description: "namespaces/pid: a PID and a mount namespace per container",
});

#[cfg(test)]
mod tests {
    use super::*;
    use modkit_ffi::host::HostServices;

    #[test]
    fn asks_for_pid_and_mount_namespaces() {
        let host = HostServices::leak("test", "agent", "", &Default::default()).host();
        let isolator = PidNamespaceIsolator::create(&host, &Parameters::default()).unwrap();
        let info = isolator
            .prepare("c1", &crate::cgroups::fake::config("cpus:1"))
            .unwrap()
            .unwrap();
        assert_eq!(info.clone_namespaces, vec!["pid", "mnt"]);
        assert_eq!(
            info,
            ContainerLaunchInfo {
                clone_namespaces: vec!["pid".into(), "mnt".into()],
                ..ContainerLaunchInfo::default()
            }
        );
        let params = Parameters::new(vec![("x".into(), "1".into())]);
        assert!(PidNamespaceIsolator::create(&host, &params).is_err());
    }
}
