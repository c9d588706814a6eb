//! The cgroups isolators (`cgroups/cpu`, `cgroups/mem`, `cgroups/pids`) and what they share:
//! the hierarchy, the flags, and a cgroup per container at `<cgroups_root>/<container_id>`.

pub mod cpu;
pub mod mem;
pub mod pids;

use crate::{CgroupsFlags, IsolatorError};
use modkit_cgroups::{CgroupError, Cgroups};
use modkit_ffi::types::{ContainerId, ContainerState};

/// One isolator's view of the hierarchy.
pub(crate) struct Subsystem {
    pub isolator: &'static str,
    pub cgroups: Cgroups,
    pub flags: CgroupsFlags,
    /// The v1 controllers the isolator owns; on v2 the first names the one unified cgroup.
    controllers: &'static [&'static str],
}

impl Subsystem {
    /// The real kernel's hierarchy at `--cgroups_hierarchy`.
    pub fn detect(
        isolator: &'static str,
        flags: CgroupsFlags,
        controllers: &'static [&'static str],
    ) -> Result<Subsystem, IsolatorError> {
        let cgroups = Cgroups::detect(&flags.hierarchy)
            .map_err(|source| IsolatorError::Setup { isolator, source })?;
        Subsystem::new(isolator, cgroups, flags, controllers)
    }

    pub fn new(
        isolator: &'static str,
        cgroups: Cgroups,
        flags: CgroupsFlags,
        controllers: &'static [&'static str],
    ) -> Result<Subsystem, IsolatorError> {
        let sys = Subsystem {
            isolator,
            cgroups,
            flags,
            controllers,
        };
        for controller in sys.controllers() {
            if !sys.cgroups.supports(controller) {
                return Err(IsolatorError::Unsupported {
                    isolator,
                    controller,
                    hierarchy: sys.cgroups.hierarchy().to_path_buf(),
                });
            }
        }
        Ok(sys)
    }

    /// The controllers whose cgroups this isolator creates: on v2 there is one cgroup for all.
    pub fn controllers(&self) -> &'static [&'static str] {
        if self.cgroups.mode().is_unified() {
            &self.controllers[..1]
        } else {
            self.controllers
        }
    }

    pub fn unified(&self) -> bool {
        self.cgroups.mode().is_unified()
    }

    pub fn error(&self, container_id: &str, source: CgroupError) -> IsolatorError {
        IsolatorError::Cgroup {
            isolator: self.isolator,
            container_id: container_id.to_string(),
            source,
        }
    }

    /// `<cgroups_root>/<container_id>`; an id that is no single path component is refused so
    /// that no container can address another's cgroup.
    pub fn cgroup(&self, container_id: &str) -> Result<String, IsolatorError> {
        if container_id.is_empty()
            || container_id == "."
            || container_id == ".."
            || container_id.contains(['/', '\0', '\n'])
        {
            return Err(IsolatorError::InvalidContainer {
                isolator: self.isolator,
                container_id: container_id.to_string(),
                reason: "a container id must be a single, non-empty path component".into(),
            });
        }
        Ok(format!("{}/{container_id}", self.flags.root))
    }

    /// Creates the container's cgroup in every owned controller.
    pub fn create(&self, container_id: &str) -> Result<String, IsolatorError> {
        let cgroup = self.cgroup(container_id)?;
        for controller in self.controllers() {
            if let Err(e) = self.cgroups.create(controller, &cgroup) {
                let _ = self.destroy(container_id, &cgroup);
                return Err(self.error(container_id, e));
            }
        }
        Ok(cgroup)
    }

    pub fn exists(&self, cgroup: &str) -> bool {
        self.controllers()
            .iter()
            .all(|controller| self.cgroups.exists(controller, cgroup))
    }

    pub fn isolate(&self, container_id: &str, cgroup: &str, pid: i32) -> Result<(), IsolatorError> {
        for controller in self.controllers() {
            self.cgroups
                .add_process(controller, cgroup, pid)
                .map_err(|e| self.error(container_id, e))?;
        }
        Ok(())
    }

    /// Kills what is left in the container's cgroups and removes them; missing ones are fine.
    pub fn destroy(&self, container_id: &str, cgroup: &str) -> Result<(), IsolatorError> {
        let mut first_error = None;
        for controller in self.controllers() {
            let outcome = self
                .cgroups
                .kill_all(controller, cgroup)
                .and_then(|()| self.cgroups.remove(controller, cgroup));
            if let Err(e) = outcome {
                first_error.get_or_insert(self.error(container_id, e));
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Calls `adopt` for each checkpointed container whose cgroup exists (others are logged and
    /// left to the containerizer to destroy) and destroys the orphans' cgroups.
    pub fn recover(
        &self,
        states: &[ContainerState],
        orphans: &[ContainerId],
        mut adopt: impl FnMut(&str, String) -> Result<(), IsolatorError>,
    ) -> Result<(), IsolatorError> {
        for state in states {
            let container_id = state.container_id.to_string();
            let cgroup = self.cgroup(&container_id)?;
            if self.exists(&cgroup) {
                adopt(&container_id, cgroup)?;
            } else {
                tracing::warn!(
                    isolator = self.isolator,
                    container = %container_id,
                    "no cgroup {} to recover; the container is left to be destroyed",
                    self.cgroups.path(self.controllers[0], &cgroup).display()
                );
            }
        }
        for orphan in orphans {
            let container_id = orphan.to_string();
            let cgroup = self.cgroup(&container_id)?;
            self.destroy(&container_id, &cgroup)?;
        }
        Ok(())
    }
}

/// A scalar resource in thousandths (exact), if present and positive.
pub(crate) fn positive_milli(
    resources: &modkit_ffi::resources::Resources,
    name: &str,
) -> Option<i64> {
    resources.scalar(name).map(|s| s.milli()).filter(|m| *m > 0)
}

#[cfg(test)]
pub(crate) mod fake;
