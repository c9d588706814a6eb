//! Who holds which device: the first free devices go to the next container that asks.

use crate::devices::{Device, DeviceError, Inventory};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One held device: its resource and index.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Held {
    pub resource: String,
    pub index: u32,
}

impl From<&Device> for Held {
    fn from(device: &Device) -> Held {
        Held {
            resource: device.resource.clone(),
            index: device.index,
        }
    }
}

/// The devices of every container.
#[derive(Debug, Default)]
pub struct Allocation {
    held: BTreeMap<String, Vec<Held>>,
}

/// `resources`' count of `name` as a whole number of devices (0 when absent); anything else
/// is refused as Mesos refuses fractional GPUs.
pub fn whole_count(
    resources: &modkit_ffi::resources::Resources,
    name: &str,
) -> Result<u64, String> {
    let Some(value) = resources.scalar(name) else {
        return Ok(0);
    };
    if !value.is_whole() || value.milli() < 0 {
        return Err(format!("{name} must be an unsigned integer, not {value}"));
    }
    Ok((value.milli() / 1000) as u64)
}

impl Allocation {
    pub fn holder_of(&self, held: &Held) -> Option<&str> {
        self.held
            .iter()
            .find(|(_, devices)| devices.contains(held))
            .map(|(id, _)| id.as_str())
    }

    pub fn of(&self, container_id: &str) -> &[Held] {
        self.held.get(container_id).map_or(&[], Vec::as_slice)
    }

    /// Takes `wanted` free devices of each resource for `container_id`, lowest index first;
    /// all or nothing.
    pub fn allocate(
        &mut self,
        isolator: &'static str,
        container_id: &str,
        inventory: &Inventory,
        wanted: &[(String, u64)],
    ) -> Result<Vec<Held>, DeviceError> {
        let mut taken: Vec<Held> = Vec::new();
        for (resource, count) in wanted {
            let mut all: Vec<Held> = inventory
                .devices
                .iter()
                .filter(|d| &d.resource == resource)
                .map(Held::from)
                .collect();
            all.sort_by_key(|held| held.index);
            let free: Vec<&Held> = all
                .iter()
                .filter(|held| self.holder_of(held).is_none())
                .collect();
            if (free.len() as u64) < *count {
                return Err(DeviceError::NotEnough {
                    isolator,
                    container_id: container_id.to_string(),
                    resource: resource.clone(),
                    wanted: *count,
                    free: free.len(),
                    total: all.len(),
                });
            }
            taken.extend(free.into_iter().take(*count as usize).cloned());
        }
        self.held.insert(container_id.to_string(), taken.clone());
        Ok(taken)
    }

    /// Records what a recovered container holds.
    pub fn restore(&mut self, container_id: &str, held: Vec<Held>) {
        self.held.insert(container_id.to_string(), held);
    }

    pub fn free(&mut self, container_id: &str) -> Option<Vec<Held>> {
        self.held.remove(container_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inventory(n: u32) -> Inventory {
        Inventory {
            devices: (0..n)
                .rev()
                .map(|index| Device {
                    resource: "gpus".into(),
                    index,
                    nodes: vec![format!("/dev/fake{index}").into()],
                    major: 240,
                    minor: index,
                    vendor: String::new(),
                    model: String::new(),
                })
                .collect(),
            shared: Vec::new(),
        }
    }

    fn want(n: u64) -> Vec<(String, u64)> {
        vec![("gpus".to_string(), n)]
    }

    #[test]
    fn first_free_devices_all_or_nothing() {
        let inv = inventory(2);
        let mut a = Allocation::default();
        let got = a.allocate("gpu/devices", "a", &inv, &want(1)).unwrap();
        assert_eq!(got[0].index, 0);
        let got = a.allocate("gpu/devices", "b", &inv, &want(1)).unwrap();
        assert_eq!(got[0].index, 1);
        let e = a.allocate("gpu/devices", "c", &inv, &want(1)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "gpu/devices: container 'c' asks for 1 gpus, 0 free (of 2)"
        );
        assert!(a.of("c").is_empty());
        assert_eq!(a.free("a").map(|h| h.len()), Some(1));
        let got = a.allocate("gpu/devices", "c", &inv, &want(1)).unwrap();
        assert_eq!(got[0].index, 0);
        assert_eq!(
            a.holder_of(&Held {
                resource: "gpus".into(),
                index: 0
            }),
            Some("c")
        );
        let e = a.allocate("gpu/devices", "d", &inv, &want(3)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "gpu/devices: container 'd' asks for 3 gpus, 0 free (of 2)"
        );
    }

    #[test]
    fn counts_must_be_whole() {
        let r: modkit_ffi::resources::Resources = "cpus:1;gpus:2".parse().unwrap();
        assert_eq!(whole_count(&r, "gpus"), Ok(2));
        assert_eq!(whole_count(&r, "fpgas"), Ok(0));
        let r: modkit_ffi::resources::Resources = "gpus:0.5".parse().unwrap();
        assert_eq!(
            whole_count(&r, "gpus"),
            Err("gpus must be an unsigned integer, not 0.5".to_string())
        );
    }
}
