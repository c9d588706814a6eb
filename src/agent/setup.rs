//! Builds the native containerizer from the isolation flags: modules loaded, isolators created
//! through the registry in `--isolation` order, the launcher's cgroup hierarchy detected.

use super::error::AgentError;
use super::flags::IsolationArgs;
use crate::cli::load_modules;
use crate::flags::parse_duration;
use crate::modules::ModuleManager;
use modkit_cgroups::Cgroups;
use modkit_containerizers::native::{Config, IsolatorSlot, NativeContainerizer};
use modkit_ffi::abi::Kind;
use modkit_ffi::sdk::Instance;
use std::path::Path;
use std::sync::Arc;

pub struct Runtime {
    /// The native (`mesos`) containerizer with the `--isolation` isolators.
    pub containerizer: Arc<NativeContainerizer>,
    /// Kept for the life of the host: the isolators' libraries stay loaded.
    pub modules: ModuleManager,
}

pub fn runtime(role: &str, args: &IsolationArgs, work_dir: &Path) -> Result<Runtime, AgentError> {
    std::fs::create_dir_all(work_dir).map_err(|source| AgentError::WorkDir {
        path: work_dir.to_path_buf(),
        source,
    })?;
    let work_dir = work_dir
        .canonicalize()
        .map_err(|source| AgentError::WorkDir {
            path: work_dir.to_path_buf(),
            source,
        })?;
    let grace_period = parse_duration(&args.executor_shutdown_grace_period).map_err(|source| {
        AgentError::Duration {
            flag: "executor_shutdown_grace_period",
            source,
        }
    })?;
    let names = args.isolators().map_err(|reason| AgentError::Flag {
        flag: "isolation",
        reason,
    })?;
    let modules = load_modules(role, &args.spec, args.host_flags(&work_dir))?;
    if let Some(providers) = &args.device_providers {
        super::device_providers::check_loaded(providers, modules.registry())?;
    }
    let mut isolators = Vec::new();
    for name in names {
        match modules.registry().create(Kind::Isolator, &name)? {
            Instance::Isolator(isolator) => isolators.push(IsolatorSlot { name, isolator }),
            other => {
                return Err(AgentError::Flag {
                    flag: "isolation",
                    reason: format!("module '{name}' created a {} instance", other.kind()),
                })
            }
        }
    }
    let config = Config {
        work_dir,
        cgroups: launcher_cgroups(&args.cgroups_hierarchy),
        cgroups_root: args.cgroups_root().to_string(),
        switch_user: args.switch_user,
        grace_period,
    };
    Ok(Runtime {
        containerizer: Arc::new(NativeContainerizer::new(config, isolators)),
        modules,
    })
}

/// The hierarchy the launcher keeps every container in, so destroy kills all of it. Without
/// one (not root, no freezer) containers are killed through their process group, which a
/// task that calls setsid escapes: say so.
fn launcher_cgroups(hierarchy: &Path) -> Option<Cgroups> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        tracing::warn!("not running as root: containers are not kept in a cgroup; destroy kills their process group only");
        return None;
    }
    match Cgroups::detect(hierarchy) {
        Ok(cgroups) if cgroups.supports("freezer") => Some(cgroups),
        Ok(_) => {
            tracing::warn!(
                "no freezer cgroup under {}: destroy kills process groups only",
                hierarchy.display()
            );
            None
        }
        Err(e) => {
            tracing::warn!("{e}: destroy kills process groups only");
            None
        }
    }
}
