//! The agent flags that say which devices exist and which every container may open.

use super::{parse_allowed_devices, DeviceError, DeviceRule, NVML_LIBRARY};
use modkit_ffi::sdk::Host;
use std::path::PathBuf;

/// `--allowed_devices`, `--devices`, `--nvidia_gpu_devices`, `--device_providers`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceFlags {
    /// `--allowed_devices`: granted to every container besides Mesos's defaults.
    pub allowed: Vec<DeviceRule>,
    /// `--devices`: the `static` provider's spec, e.g. `gpus:0=/dev/fake0,1=/dev/fake1`.
    pub devices: Option<String>,
    /// `--nvidia_gpu_devices`: the NVML indices to use (all when unset).
    pub nvidia_gpu_devices: Option<Vec<u32>>,
    /// `--device_providers`: vendor modules as `symbol@/path/lib.so` (or `symbol@libx.so` on
    /// the loader's search path, as the agent writes a module of `--modules` named alone).
    pub providers: Vec<(String, String)>,
    /// The NVML library (`libnvidia-ml.so.1`); tests point it elsewhere.
    pub nvml_library: PathBuf,
}

impl DeviceFlags {
    pub fn from_host(host: &Host) -> Result<DeviceFlags, DeviceError> {
        DeviceFlags::from_lookup(|name| host.flag(name))
    }

    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<DeviceFlags, DeviceError> {
        let mut flags = DeviceFlags {
            nvml_library: PathBuf::from(NVML_LIBRARY),
            ..DeviceFlags::default()
        };
        if let Some(value) = lookup("allowed_devices").filter(|v| !v.trim().is_empty()) {
            flags.allowed = parse_allowed_devices(&value)?;
        }
        flags.devices = lookup("devices").filter(|v| !v.trim().is_empty());
        if let Some(value) = lookup("nvidia_gpu_devices").filter(|v| !v.trim().is_empty()) {
            let mut indices = Vec::new();
            for part in value.split(',').map(str::trim) {
                let index: u32 = part.parse().map_err(|_| {
                    DeviceError::flag(
                        "nvidia_gpu_devices",
                        &value,
                        format!("{part:?} is not a GPU index (expected e.g. 0,1)"),
                    )
                })?;
                if indices.contains(&index) {
                    return Err(DeviceError::flag(
                        "nvidia_gpu_devices",
                        &value,
                        format!("GPU {index} is listed twice"),
                    ));
                }
                indices.push(index);
            }
            flags.nvidia_gpu_devices = Some(indices);
        }
        if let Some(value) = lookup("device_providers").filter(|v| !v.trim().is_empty()) {
            for part in value.split(',').map(str::trim) {
                match part.split_once('@') {
                    Some((symbol, library))
                        if !symbol.is_empty()
                            && (library.starts_with('/')
                                || (!library.is_empty() && !library.contains('/'))) =>
                    {
                        flags
                            .providers
                            .push((symbol.to_string(), library.to_string()))
                    }
                    _ => {
                        return Err(DeviceError::flag(
                            "device_providers",
                            &value,
                            format!(
                                "{part:?} is not symbol@/absolute/path/lib.so (nor a device provider module of --modules)"
                            ),
                        ))
                    }
                }
            }
        }
        Ok(flags)
    }

    /// NVML is looked for when nothing else says where devices come from (as Mesos's
    /// `gpu/nvidia` auto-discovery).
    pub fn auto_nvidia(&self) -> bool {
        self.devices.is_none() && self.nvidia_gpu_devices.is_none() && self.providers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn parse(pairs: &[(&str, &str)]) -> Result<DeviceFlags, DeviceError> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        DeviceFlags::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn values() {
        let flags = parse(&[
            ("nvidia_gpu_devices", "1, 0"),
            ("device_providers", "org_x_Fpga@/opt/x/libfpga.so"),
        ])
        .unwrap();
        assert_eq!(flags.nvidia_gpu_devices, Some(vec![1, 0]));
        assert_eq!(
            flags.providers,
            [("org_x_Fpga".to_string(), "/opt/x/libfpga.so".to_string())]
        );
        assert!(!flags.auto_nvidia());
        assert!(parse(&[]).unwrap().auto_nvidia());
        // A library on the loader's search path, as the agent writes a module of --modules.
        let flags = parse(&[("device_providers", "org_x_Nic@libnic.so")]).unwrap();
        assert_eq!(
            flags.providers,
            [("org_x_Nic".to_string(), "libnic.so".to_string())]
        );
        assert!(!parse(&[("devices", "gpus:0=/dev/null")])
            .unwrap()
            .auto_nvidia());
    }

    #[test]
    fn bad_values_name_the_flag() {
        for (pair, message) in [
            (("nvidia_gpu_devices", "0,x"), "flag --nvidia_gpu_devices=\"0,x\": \"x\" is not a GPU index (expected e.g. 0,1)"),
            (("nvidia_gpu_devices", "0,0"), "flag --nvidia_gpu_devices=\"0,0\": GPU 0 is listed twice"),
            (("device_providers", "libx.so"), "flag --device_providers=\"libx.so\": \"libx.so\" is not symbol@/absolute/path/lib.so (nor a device provider module of --modules)"),
            (("device_providers", "a@rel/libx.so"), "flag --device_providers=\"a@rel/libx.so\": \"a@rel/libx.so\" is not symbol@/absolute/path/lib.so (nor a device provider module of --modules)"),
            (("device_providers", "a@"), "flag --device_providers=\"a@\": \"a@\" is not symbol@/absolute/path/lib.so (nor a device provider module of --modules)"),
        ] {
            assert_eq!(parse(&[pair]).unwrap_err().to_string(), message);
        }
    }
}
