//! `gpu/devices`: the first free devices go to each container asking `gpus:N` (or any other
//! device resource a provider reports); the container's device cgroup allows Mesos's defaults,
//! `--allowed_devices`, exactly its devices and their shared control nodes. It owns the device
//! cgroup of every container (with or without devices), so `cgroups/devices` steps aside.

use super::allocation::{whole_count, Allocation, Held};
use super::state::StateDir;
use crate::devices::{discover, DeviceCgroup, DeviceError, DeviceFlags, DeviceRule, Inventory};
use crate::CgroupsFlags;
use modkit_cgroups::Cgroups;
use modkit_ffi::sdk::{Create, Host, Isolator, Parameters, Result};
use modkit_ffi::types::{
    ContainerConfig, ContainerId, ContainerLaunchInfo, ContainerState, Environment,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Mutex;

const NAME: &str = "gpu/devices";
/// The indices of the container's GPUs, e.g. `0,1` (vendor-neutral).
pub const GPU_ENV: &str = "MODKIT_GPU_DEVICES";
/// What NVIDIA's container tooling reads; set when the GPUs come from NVML.
pub const NVIDIA_ENV: &str = "NVIDIA_VISIBLE_DEVICES";

pub struct GpuDevicesIsolator {
    cgroup: DeviceCgroup,
    base: Vec<DeviceRule>,
    inventory: Inventory,
    state: StateDir,
    /// Assignments and each container's cgroup, under one lock: allocation is all or nothing.
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    allocation: Allocation,
    cgroups: BTreeMap<String, String>,
}

impl Create for GpuDevicesIsolator {
    fn create(host: &Host, params: &Parameters) -> Result<Self> {
        params.reject_unknown(&[])?;
        let devices = DeviceFlags::from_host(host)?;
        let inventory = discover(&devices, Some(host))?;
        let work_dir = host
            .flag("work_dir")
            .filter(|w| !w.is_empty())
            .unwrap_or_else(|| host.work_dir().to_string());
        if work_dir.is_empty() {
            return Err(DeviceError::flag(
                "work_dir",
                "",
                "gpu/devices keeps its assignments under the work dir; none is set",
            )
            .into());
        }
        let cgroup = DeviceCgroup::detect(NAME, CgroupsFlags::from_host(host)?)?;
        GpuDevicesIsolator::from_parts(cgroup, &devices, inventory, Path::new(&work_dir))
    }
}

impl GpuDevicesIsolator {
    /// Over any hierarchy and inventory (tests use fakes).
    pub fn with_cgroups(
        cgroups: Cgroups,
        flags: CgroupsFlags,
        devices: &DeviceFlags,
        inventory: Inventory,
        work_dir: &Path,
    ) -> Result<Self> {
        let cgroup = DeviceCgroup::new(NAME, cgroups, flags)?;
        GpuDevicesIsolator::from_parts(cgroup, devices, inventory, work_dir)
    }

    fn from_parts(
        cgroup: DeviceCgroup,
        devices: &DeviceFlags,
        inventory: Inventory,
        work_dir: &Path,
    ) -> Result<Self> {
        for device in &inventory.devices {
            tracing::info!(
                resource = %device.resource,
                index = device.index,
                node = %device.nodes.first().map(|n| n.display().to_string()).unwrap_or_default(),
                vendor = %device.vendor,
                model = %device.model,
                "gpu/devices: device"
            );
        }
        Ok(GpuDevicesIsolator {
            cgroup,
            base: crate::devices::isolator_base_rules(devices),
            inventory,
            state: StateDir::open(work_dir)?,
            inner: Mutex::new(Inner::default()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The devices a container asks for: every resource a provider reports, and `gpus` always
    /// (asking for GPUs on an agent without any is refused, not ignored).
    fn wanted(
        &self,
        container_id: &str,
        config: &ContainerConfig,
    ) -> Result<Vec<(String, u64)>, DeviceError> {
        let mut names: BTreeSet<String> = self.inventory.resources().into_iter().collect();
        names.insert("gpus".into());
        let mut wanted = Vec::new();
        for name in names {
            let count =
                whole_count(&config.resources, &name).map_err(|reason| DeviceError::Container {
                    isolator: NAME,
                    container_id: container_id.to_string(),
                    reason,
                })?;
            if count > 0 {
                wanted.push((name, count));
            }
        }
        Ok(wanted)
    }

    /// The environment that tells the task its devices.
    fn environment(&self, held: &[Held]) -> Environment {
        let mut env = Environment::default();
        let mut by_resource: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for h in held {
            by_resource
                .entry(&h.resource)
                .or_default()
                .push(h.index.to_string());
        }
        for (resource, indices) in by_resource {
            let list = indices.join(",");
            if resource == "gpus" {
                let nvidia = held.iter().any(|h| {
                    self.inventory.devices.iter().any(|d| {
                        d.resource == h.resource && d.index == h.index && d.vendor == "nvidia"
                    })
                });
                if nvidia {
                    env.insert(NVIDIA_ENV, list.clone());
                }
                env.insert(GPU_ENV, list);
            } else {
                env.insert(
                    format!(
                        "MODKIT_DEVICES_{}",
                        resource.to_ascii_uppercase().replace('-', "_")
                    ),
                    list,
                );
            }
        }
        env
    }

    fn rules_for(&self, held: &[Held]) -> Vec<DeviceRule> {
        let mut rules = self.base.clone();
        for h in held {
            if let Some(device) = self
                .inventory
                .devices
                .iter()
                .find(|d| d.resource == h.resource && d.index == h.index)
            {
                rules.push(device.rule());
            }
        }
        if !held.is_empty() {
            rules.extend(self.inventory.shared.iter().copied());
        }
        rules
    }

    /// What a container holds (for tests and status).
    pub fn held(&self, container_id: &str) -> Vec<(String, u32)> {
        self.lock()
            .allocation
            .of(container_id)
            .iter()
            .map(|h| (h.resource.clone(), h.index))
            .collect()
    }

    fn release(&self, container_id: &str) -> Option<String> {
        let mut inner = self.lock();
        inner.allocation.free(container_id);
        inner.cgroups.remove(container_id)
    }
}

impl Isolator for GpuDevicesIsolator {
    fn recover(&self, states: &[ContainerState], orphans: &[ContainerId]) -> Result<()> {
        let live: BTreeSet<String> = states.iter().map(|s| s.container_id.to_string()).collect();
        {
            let mut inner = self.lock();
            for container_id in &live {
                let cgroup = self.cgroup.cgroup(container_id)?;
                match self.state.read(container_id) {
                    Ok(Some(held)) => {
                        for h in &held {
                            if !self
                                .inventory
                                .devices
                                .iter()
                                .any(|d| d.resource == h.resource && d.index == h.index)
                            {
                                tracing::warn!(container = %container_id, "gpu/devices: recovered {} {} is no longer reported by any provider", h.resource, h.index);
                            }
                        }
                        inner.allocation.restore(container_id, held);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        // Holding nothing would hand its devices to another container: refuse.
                        return Err(e.into());
                    }
                }
                inner.cgroups.insert(container_id.clone(), cgroup);
            }
        }
        // Assignments of containers that are gone (ended while the agent was down, or whose
        // launch never finished) are freed.
        for container_id in self.state.containers()? {
            if !live.contains(&container_id) {
                self.state.remove(&container_id)?;
            }
        }
        self.cgroup.recover(states, orphans, |_, _| Ok(()))?;
        Ok(())
    }

    fn prepare(
        &self,
        container_id: &str,
        config: &ContainerConfig,
    ) -> Result<Option<ContainerLaunchInfo>> {
        let cgroup_name = self.cgroup.cgroup(container_id)?;
        let wanted = self.wanted(container_id, config)?;
        let held: Vec<Held> = {
            let mut inner = self.lock();
            if inner.cgroups.contains_key(container_id) {
                return Err(crate::IsolatorError::AlreadyPrepared {
                    isolator: NAME,
                    container_id: container_id.to_string(),
                }
                .into());
            }
            let held = inner
                .allocation
                .allocate(NAME, container_id, &self.inventory, &wanted)?;
            inner.cgroups.insert(container_id.to_string(), cgroup_name);
            held
        };
        let outcome = self
            .state
            .write(container_id, &held)
            .map_err(Into::into)
            .and_then(|()| self.cgroup.prepare(container_id, &self.rules_for(&held)));
        if let Err(e) = outcome {
            self.release(container_id);
            let _ = self.state.remove(container_id);
            return Err(e);
        }
        if held.is_empty() {
            return Ok(None);
        }
        Ok(Some(ContainerLaunchInfo {
            environment: Some(self.environment(&held)),
            ..ContainerLaunchInfo::default()
        }))
    }

    fn isolate(&self, container_id: &str, pid: i32) -> Result<()> {
        let cgroup = self
            .lock()
            .cgroups
            .get(container_id)
            .cloned()
            .ok_or_else(|| crate::IsolatorError::UnknownContainer {
                isolator: NAME,
                container_id: container_id.to_string(),
            })?;
        Ok(self.cgroup.isolate(container_id, &cgroup, pid)?)
    }

    fn cleanup(&self, container_id: &str) -> Result<()> {
        let Some(cgroup) = self.release(container_id) else {
            return Ok(());
        };
        let destroyed = self.cgroup.destroy(container_id, &cgroup);
        self.state.remove(container_id)?;
        Ok(destroyed?)
    }
}

modkit_ffi::export_module!(org_modkit_GpuDevicesIsolator: Isolator = GpuDevicesIsolator {
    author: "modkit",
    email: "",
    description: "gpu/devices: the first free devices (gpus:N) to each container, through the device cgroup",
});

#[cfg(test)]
mod tests;
