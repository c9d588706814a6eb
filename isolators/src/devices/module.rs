//! A vendor's device provider, loaded from a shared library through the C ABI
//! (`MODKIT_KIND_DEVICE_PROVIDER`, named by `--device_providers=symbol@/path/lib.so`).

use super::{dl, stat_node, Access, Device, DeviceError, DeviceProvider, DeviceRule, Inventory};
use modkit_ffi::bindings::modkit_module;
use modkit_ffi::host::device_provider_json;
use modkit_ffi::sdk::Host;
use serde::Deserialize;
use std::ffi::CString;
use std::path::{Path, PathBuf};

pub struct ModuleProvider {
    symbol: String,
    library: String,
    json: String,
}

#[derive(Deserialize)]
struct Answer {
    devices: Vec<Device>,
    #[serde(default)]
    shared_nodes: Vec<PathBuf>,
}

impl ModuleProvider {
    /// Opens `library` (never closed), finds the descriptor `symbol` and asks it for its
    /// devices once: the answer must not change while the host runs.
    pub fn load(library: &str, symbol: &str, host: &Host) -> Result<ModuleProvider, DeviceError> {
        let library_error = |reason: String| DeviceError::Library {
            library: library.to_string(),
            reason,
        };
        let path = CString::new(library)
            .map_err(|_| library_error("the path contains a NUL byte".into()))?;
        let name = CString::new(symbol)
            .map_err(|_| library_error("the symbol contains a NUL byte".into()))?;
        let handle = dl::open(&path).map_err(library_error)?;
        let descriptor = dl::symbol(handle, &name)
            .map_err(library_error)?
            .cast::<modkit_module>();
        // SAFETY: the exported descriptor of a library that stays loaded.
        let json = unsafe { device_provider_json(descriptor, host) }.map_err(|e| {
            DeviceError::Provider {
                provider: format!("{symbol}@{library}"),
                reason: e.to_string(),
            }
        })?;
        Ok(ModuleProvider {
            symbol: symbol.to_string(),
            library: library.to_string(),
            json,
        })
    }

    /// Reads a provider's answer (the JSON object of `modkit_device_provider_vtable.devices`).
    pub fn parse(provider: &str, json: &str) -> Result<Inventory, DeviceError> {
        let error = |reason: String| DeviceError::Provider {
            provider: provider.to_string(),
            reason,
        };
        let answer: Answer =
            serde_json::from_str(json).map_err(|e| error(format!("bad devices JSON: {e}")))?;
        for d in &answer.devices {
            if d.resource.is_empty() || d.nodes.is_empty() {
                return Err(error(format!(
                    "device {} of '{}' has no resource name or no node",
                    d.index, d.resource
                )));
            }
        }
        let mut shared = Vec::new();
        for node in &answer.shared_nodes {
            let (r#type, major, minor) =
                stat_node(Path::new(node)).map_err(|e| error(e.to_string()))?;
            shared.push(DeviceRule {
                r#type,
                major: Some(major),
                minor: Some(minor),
                access: Access::RWM,
            });
        }
        Ok(Inventory {
            devices: answer.devices,
            shared,
        })
    }
}

impl DeviceProvider for ModuleProvider {
    fn name(&self) -> &str {
        &self.symbol
    }

    fn discover(&self) -> Result<Inventory, DeviceError> {
        ModuleProvider::parse(&format!("{}@{}", self.symbol, self.library), &self.json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A descriptor of another kind is refused by the registry's own checks, its kind named.
    #[test]
    fn a_module_of_another_kind_is_not_a_provider() {
        use modkit_ffi::host::HostServices;
        use modkit_ffi::sdk::Exported;
        let host = HostServices::leak("test", "agent", "/tmp", &Default::default()).host();
        let descriptor: *const modkit_module = &crate::DiskDuIsolator::descriptor().0;
        // SAFETY: the exported descriptor of a module linked into this binary.
        let e = unsafe { device_provider_json(descriptor, &host) }.unwrap_err();
        assert_eq!(
            e.to_string(),
            "not a device provider descriptor: kind is isolator, not device_provider"
        );
    }

    #[test]
    fn parses_a_provider_answer() {
        let inv = ModuleProvider::parse(
            "x",
            r#"{"devices":[{"resource":"fpgas","index":1,"nodes":["/dev/fpga1"],"major":240,"minor":1,"vendor":"Example","model":"X1"}],
                "shared_nodes":["/dev/null"]}"#,
        )
        .unwrap();
        assert_eq!(inv.devices[0].resource, "fpgas");
        assert_eq!(inv.devices[0].rule().to_string(), "c 240:1 rwm");
        assert_eq!(inv.shared[0].to_string(), "c 1:3 rwm");
        let e = ModuleProvider::parse(
            "x",
            r#"{"devices":[{"resource":"","index":0,"nodes":[],"major":1,"minor":1}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "device provider 'x': device 0 of '' has no resource name or no node"
        );
        let e = ModuleProvider::parse("x", "[]").unwrap_err().to_string();
        assert!(
            e.starts_with("device provider 'x': bad devices JSON"),
            "{e}"
        );
    }
}
