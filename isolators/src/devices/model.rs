//! The device model: what a provider reports, independent of the vendor.

use super::{Access, DeviceType};
use super::{DeviceError, DeviceFlags, DeviceRule, ModuleProvider, NvidiaProvider, StaticProvider};
use modkit_ffi::sdk::Host;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One allocatable device: a GPU, an FPGA, a NIC... counted in the agent resource `resource`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// The scalar resource it counts in (`gpus`).
    pub resource: String,
    /// Its index in that resource (NVML index for NVIDIA); what the task is told.
    pub index: u32,
    /// The nodes a task opens; the first is `major:minor`.
    pub nodes: Vec<PathBuf>,
    pub major: u32,
    pub minor: u32,
    #[serde(default)]
    pub vendor: String,
    #[serde(default)]
    pub model: String,
}

impl Device {
    /// What a container holding the device may open: its character node.
    pub fn rule(&self) -> DeviceRule {
        DeviceRule {
            r#type: DeviceType::Char,
            major: Some(self.major),
            minor: Some(self.minor),
            access: Access::RWM,
        }
    }
}

/// What providers report: the devices, and the control nodes every holder of one of them
/// needs (e.g. `/dev/nvidiactl`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inventory {
    pub devices: Vec<Device>,
    pub shared: Vec<DeviceRule>,
}

impl Inventory {
    fn extend(&mut self, provider: &str, other: Inventory) -> Result<(), DeviceError> {
        for device in other.devices {
            if self
                .devices
                .iter()
                .any(|d| d.resource == device.resource && d.index == device.index)
            {
                return Err(DeviceError::Provider {
                    provider: provider.to_string(),
                    reason: format!(
                        "{} index {} is already reported by another provider",
                        device.resource, device.index
                    ),
                });
            }
            self.devices.push(device);
        }
        for rule in other.shared {
            if !self.shared.contains(&rule) {
                self.shared.push(rule);
            }
        }
        Ok(())
    }

    /// The number of devices of `resource`.
    pub fn count(&self, resource: &str) -> usize {
        self.devices
            .iter()
            .filter(|d| d.resource == resource)
            .count()
    }

    /// The resource names, sorted, without duplicates.
    pub fn resources(&self) -> Vec<String> {
        let mut names: Vec<String> = self.devices.iter().map(|d| d.resource.clone()).collect();
        names.sort();
        names.dedup();
        names
    }
}

/// A source of devices. Built-ins: `static` and `nvidia`; vendors add theirs as modules.
pub trait DeviceProvider: Send + Sync {
    fn name(&self) -> &str;
    fn discover(&self) -> Result<Inventory, DeviceError>;
}

/// Every configured provider's devices, in provider order (`static`, `nvidia`, then modules).
/// The agent (to advertise) and `gpu/devices` (to allocate) both call this with the same flags,
/// so they see the same devices.
pub fn discover(flags: &DeviceFlags, host: Option<&Host>) -> Result<Inventory, DeviceError> {
    let mut providers: Vec<Box<dyn DeviceProvider>> = Vec::new();
    if let Some(spec) = &flags.devices {
        providers.push(Box::new(StaticProvider::parse(spec)?));
    }
    if flags.nvidia_gpu_devices.is_some() || flags.auto_nvidia() {
        providers.push(Box::new(NvidiaProvider::new(
            flags.nvml_library.clone(),
            flags.nvidia_gpu_devices.clone(),
        )));
    }
    for (symbol, library) in &flags.providers {
        let host = host.ok_or_else(|| DeviceError::Provider {
            provider: symbol.clone(),
            reason: "a module provider needs the host's services table".into(),
        })?;
        providers.push(Box::new(ModuleProvider::load(library, symbol, host)?));
    }
    let mut inventory = Inventory::default();
    for provider in providers {
        let found = provider.discover()?;
        inventory.extend(provider.name(), found)?;
    }
    Ok(inventory)
}
