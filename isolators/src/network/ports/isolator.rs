//! The `network/ports` isolator: one thread scans every container each watch interval. Each
//! container gets a cgroup2 directory of its own (`<cgroup2 mount>/<cgroups_root>/<id>`) before
//! its task runs, so a scan attributes listening sockets by their cgroup id; without one the
//! scan reads the container processes' descriptors.

use super::{unallocated, violation_message, PortScanner, PortsFlags, Target, UnifiedCgroups};
use crate::periodic::Periodic;
use crate::{CgroupsFlags, IsolatorError};
use modkit_ffi::resources::{Ranges, Resource, Resources};
use modkit_ffi::sdk::{Create, Host, Isolator, LimitationSink, ModuleError, Parameters, Result};
use modkit_ffi::types::{
    ContainerConfig, ContainerId, ContainerLaunchInfo, ContainerLimitation, ContainerState, Reason,
};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

const NAME: &str = "network/ports";

#[derive(Default)]
struct Watched {
    /// The container's init, once isolated.
    pid: Option<i32>,
    /// Its cgroup2 directory, once its init is in it.
    cgroup: Option<PathBuf>,
    /// The `ports` resource; `None` after a recovery until the next update (the checkpoint
    /// does not say what the container was given, and guessing would kill it).
    allocated: Option<Ranges>,
    sink: Option<LimitationSink>,
    raised: bool,
}

#[derive(Default)]
struct Container(Mutex<Watched>);

impl Container {
    fn lock(&self) -> MutexGuard<'_, Watched> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn allocated(resources: &Resources) -> Ranges {
    resources.ranges("ports").unwrap_or_default()
}

/// One pass over the due containers.
fn check(scanner: &PortScanner, flags: &PortsFlags, batch: &[(String, Arc<Container>)]) {
    let due: Vec<(&String, &Arc<Container>, Target, Ranges)> = batch
        .iter()
        .filter_map(|(container_id, container)| {
            let watched = container.lock();
            let target = Target {
                pid: watched.pid?,
                cgroup: watched.cgroup.clone(),
            };
            Some((container_id, container, target, watched.allocated.clone()?))
        })
        .collect();
    let targets: Vec<Target> = due.iter().map(|d| d.2.clone()).collect();
    let listening = scanner.scan().listening_targets(&targets);
    for ((container_id, container, _, allocated), ports) in due.into_iter().zip(listening) {
        let bad = unallocated(&ports, &allocated, flags.checked.as_ref());
        if bad.is_empty() {
            continue;
        }
        let message = violation_message(&bad);
        tracing::warn!(container = %container_id, "{NAME}: {message}");
        if !flags.enforce {
            continue;
        }
        let sink = {
            let mut watched = container.lock();
            if watched.raised {
                continue;
            }
            let Some(sink) = watched.sink.clone() else {
                continue;
            };
            watched.raised = true;
            sink
        };
        let ports: Ranges = bad.iter().map(|p| u64::from(*p)..=u64::from(*p)).collect();
        let resources =
            Resources::from_resources([Resource::ranges("ports", ports)]).unwrap_or_default();
        sink.raise(ContainerLimitation::new(
            resources,
            message,
            Reason::ContainerLimitation,
        ));
    }
}

pub struct NetworkPortsIsolator {
    containers: Periodic<Container>,
    /// Where container cgroup2 directories go; none without a cgroup2 hierarchy.
    unified: Option<UnifiedCgroups>,
}

impl Create for NetworkPortsIsolator {
    fn create(host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&[])?;
        let flags = PortsFlags::from_lookup(|name| host.flag(name))?;
        let root = CgroupsFlags::from_host(host)?.root;
        let isolator = NetworkPortsIsolator::new(flags, PortScanner::default());
        Ok(match UnifiedCgroups::detect(&root) {
            Some(unified) => isolator.placing_in(unified),
            None => {
                tracing::warn!("{NAME}: no cgroup2 hierarchy mounted; containers are scanned by reading their processes' descriptors (slower)");
                isolator
            }
        })
    }
}

impl NetworkPortsIsolator {
    /// With any scanner (tests use a fake /proc).
    pub fn new(flags: PortsFlags, scanner: PortScanner) -> Self {
        let interval = flags.watch_interval;
        NetworkPortsIsolator {
            containers: Periodic::new(NAME, "modkit-ports", interval, move |batch| {
                check(&scanner, &flags, batch)
            }),
            unified: None,
        }
    }

    /// Places each container in a cgroup2 directory of its own under `unified`.
    pub fn placing_in(mut self, unified: UnifiedCgroups) -> Self {
        self.unified = Some(unified);
        self
    }

    /// Removes the container's cgroup2 directory, if there is one.
    fn remove_cgroup(&self, container_id: &str) -> Result<()> {
        let Some(unified) = &self.unified else {
            return Ok(());
        };
        match unified.remove(container_id) {
            // Nothing was made for an id that is no path component.
            Ok(()) | Err(super::UnifiedError::InvalidContainer { .. }) => Ok(()),
            Err(e) => Err(ModuleError::failed(format!(
                "{NAME}: container {container_id}: {e}"
            ))),
        }
    }

    fn container(&self, container_id: &str) -> Result<Arc<Container>, IsolatorError> {
        self.containers.get(container_id)
    }

    fn add(&self, container_id: &str, watched: Watched) -> Result<()> {
        self.containers
            .insert(container_id, Arc::new(Container(Mutex::new(watched))))
            .map_err(|e| {
                ModuleError::failed(format!(
                    "{NAME}: container {container_id}: cannot start the ports watch thread: {e}"
                ))
            })
    }
}

impl Isolator for NetworkPortsIsolator {
    fn recover(&self, states: &[ContainerState], orphans: &[ContainerId]) -> Result<()> {
        for state in states {
            let id = state.container_id.to_string();
            if self.containers.contains(&id) {
                continue;
            }
            let pid = i32::try_from(state.pid).ok().filter(|p| *p > 0);
            let cgroup = self.unified.as_ref().and_then(|u| u.find(&id));
            self.add(
                &id,
                Watched {
                    pid,
                    cgroup,
                    ..Watched::default()
                },
            )?;
        }
        for orphan in orphans {
            if let Err(e) = self.remove_cgroup(&orphan.to_string()) {
                tracing::warn!("{e}");
            }
        }
        Ok(())
    }

    fn prepare(
        &self,
        container_id: &str,
        config: &ContainerConfig,
    ) -> Result<Option<ContainerLaunchInfo>> {
        self.containers.ensure_new(container_id)?;
        self.add(
            container_id,
            Watched {
                allocated: Some(allocated(&config.resources)),
                ..Watched::default()
            },
        )?;
        Ok(None)
    }

    fn isolate(&self, container_id: &str, pid: i32) -> Result<()> {
        let container = self.container(container_id)?;
        // Before the task runs, so that every socket it creates carries the cgroup.
        let cgroup = self.unified.as_ref().and_then(|unified| {
            let placed = unified
                .create(container_id)
                .and_then(|dir| super::add_process(&dir, pid).map(|()| dir));
            placed
                .inspect_err(|e| {
                    tracing::warn!(container = %container_id, "{NAME}: {e}; the container is scanned by reading its processes' descriptors (slower)");
                })
                .ok()
        });
        let mut watched = container.lock();
        watched.pid = Some(pid);
        watched.cgroup = cgroup;
        Ok(())
    }

    fn watch(&self, container_id: &str, sink: LimitationSink) -> Result<()> {
        self.container(container_id)?.lock().sink = Some(sink);
        Ok(())
    }

    fn update(&self, container_id: &str, resources: &Resources) -> Result<()> {
        self.container(container_id)?.lock().allocated = Some(allocated(resources));
        Ok(())
    }

    fn cleanup(&self, container_id: &str) -> Result<()> {
        self.containers.remove(container_id);
        self.remove_cgroup(container_id)
    }
}

modkit_ffi::export_module!(org_modkit_NetworkPortsIsolator: Isolator = NetworkPortsIsolator {
    author: "modkit",
    email: "",
    description: "network/ports: containers may only listen on their ports resource (IPv4 and IPv6); enforced with --enforce_container_ports",
});

#[cfg(test)]
mod tests;
