//! `static`: devices named by `--devices='gpus:0=/dev/fake0,1=/dev/fake1;fpgas:0=/dev/f0'`,
//! for hardware without a vendor library, and for tests. Each node is stat'ed for its numbers.

use super::{stat_node, Device, DeviceError, DeviceProvider, DeviceType, Inventory};
use std::path::PathBuf;

const FLAG: &str = "devices";

#[derive(Debug, Clone)]
pub struct StaticProvider {
    /// (resource, index, node)
    entries: Vec<(String, u32, PathBuf)>,
}

impl StaticProvider {
    pub fn parse(spec: &str) -> Result<StaticProvider, DeviceError> {
        let mut entries: Vec<(String, u32, PathBuf)> = Vec::new();
        for group in spec.split(';').map(str::trim).filter(|g| !g.is_empty()) {
            let (resource, list) = group.split_once(':').ok_or_else(|| {
                DeviceError::flag(
                    FLAG,
                    spec,
                    format!("{group:?} is not resource:index=node,..."),
                )
            })?;
            let resource = resource.trim();
            if resource.is_empty()
                || !resource
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(DeviceError::flag(
                    FLAG,
                    spec,
                    format!("{resource:?} is not a resource name"),
                ));
            }
            for item in list.split(',').map(str::trim) {
                let (index, node) = item.split_once('=').ok_or_else(|| {
                    DeviceError::flag(FLAG, spec, format!("{item:?} is not index=/dev/node"))
                })?;
                let index: u32 = index.trim().parse().map_err(|_| {
                    DeviceError::flag(FLAG, spec, format!("{index:?} is not a device index"))
                })?;
                let node = node.trim();
                if !node.starts_with('/') {
                    return Err(DeviceError::flag(
                        FLAG,
                        spec,
                        format!("{node:?} is not an absolute path"),
                    ));
                }
                if entries.iter().any(|(r, i, _)| r == resource && *i == index) {
                    return Err(DeviceError::flag(
                        FLAG,
                        spec,
                        format!("{resource} index {index} is given twice"),
                    ));
                }
                entries.push((resource.to_string(), index, PathBuf::from(node)));
            }
        }
        if entries.is_empty() {
            return Err(DeviceError::flag(FLAG, spec, "names no device"));
        }
        Ok(StaticProvider { entries })
    }
}

impl DeviceProvider for StaticProvider {
    fn name(&self) -> &str {
        "static"
    }

    fn discover(&self) -> Result<Inventory, DeviceError> {
        let mut devices = Vec::new();
        for (resource, index, node) in &self.entries {
            let (r#type, major, minor) = stat_node(node).map_err(|e| DeviceError::Provider {
                provider: "static".into(),
                reason: format!("{resource} {index}: {e}"),
            })?;
            if r#type != DeviceType::Char {
                return Err(DeviceError::Provider {
                    provider: "static".into(),
                    reason: format!("{resource} {index}: {} is a block device; only character devices are allocated", node.display()),
                });
            }
            devices.push(Device {
                resource: resource.clone(),
                index: *index,
                nodes: vec![node.clone()],
                major,
                minor,
                vendor: "static".into(),
                model: String::new(),
            });
        }
        Ok(Inventory {
            devices,
            shared: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_the_nodes() {
        let p = StaticProvider::parse("gpus:0=/dev/null, 1=/dev/zero; fpgas:3=/dev/full").unwrap();
        let inv = p.discover().unwrap();
        let got: Vec<(String, u32, u32, u32)> = inv
            .devices
            .iter()
            .map(|d| (d.resource.clone(), d.index, d.major, d.minor))
            .collect();
        assert_eq!(
            got,
            [
                ("gpus".to_string(), 0, 1, 3),
                ("gpus".to_string(), 1, 1, 5),
                ("fpgas".to_string(), 3, 1, 7)
            ]
        );
        assert_eq!(inv.count("gpus"), 2);
        assert_eq!(inv.resources(), ["fpgas", "gpus"]);
    }

    #[test]
    fn a_missing_node_is_named() {
        let p = StaticProvider::parse("gpus:0=/dev/null,1=/no/such/fake1").unwrap();
        let e = p.discover().unwrap_err().to_string();
        assert_eq!(
            e,
            "device provider 'static': gpus 1: device node /no/such/fake1: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn bad_specs_name_the_flag() {
        for (spec, reason) in [
            ("gpus", "\"gpus\" is not resource:index=node,..."),
            ("gpus:x=/dev/null", "\"x\" is not a device index"),
            ("gpus:0=dev/null", "\"dev/null\" is not an absolute path"),
            (
                "gpus:0=/dev/null,0=/dev/zero",
                "gpus index 0 is given twice",
            ),
            ("gpus:0", "\"0\" is not index=/dev/node"),
            ("", "names no device"),
        ] {
            let e = StaticProvider::parse(spec).unwrap_err().to_string();
            assert_eq!(e, format!("flag --devices={spec:?}: {reason}"));
        }
    }
}
