//! `--device_providers` entries name a vendor's provider either as `symbol@/path/lib.so` or,
//! for one loaded with `--modules` (kind `device_provider`), by its module name alone. Names
//! become `name@library` from the module spec before the isolators see the flag, and after
//! loading each must be a device provider the registry checked.

use super::error::AgentError;
use crate::cli::SpecArgs;
use crate::modules::spec::{load_specs, plan, LibraryLocation};
use crate::modules::Registry;
use modkit_ffi::abi::Kind;

/// The module names (entries without `@`) of a `--device_providers` value.
pub fn module_names(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty() && !part.contains('@'))
}

/// `value` with each module name that the spec lists replaced by `name@library`; others
/// are kept as given (an unknown name is reported by [`check_loaded`]).
pub fn with_libraries(value: &str, spec: &SpecArgs) -> String {
    if module_names(value).next().is_none() {
        return value.to_string();
    }
    let planned = load_specs(spec.modules.as_deref(), spec.modules_dir.as_deref())
        .ok()
        .and_then(|specs| plan(&specs).ok())
        .unwrap_or_default();
    value
        .split(',')
        .map(str::trim)
        .map(|part| {
            if part.contains('@') {
                return part.to_string();
            }
            let library = planned
                .iter()
                .find(|m| m.name == part)
                .map(|m| match &m.library {
                    LibraryLocation::Path(path) => std::path::absolute(path)
                        .unwrap_or_else(|_| path.clone())
                        .display()
                        .to_string(),
                    LibraryLocation::SearchName(name) => name.clone(),
                });
            match library {
                Some(library) => format!("{part}@{library}"),
                None => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Every module name of `value` is a device provider module of the registry.
pub fn check_loaded(value: &str, registry: &Registry) -> Result<(), AgentError> {
    for name in module_names(value) {
        registry
            .find(Kind::DeviceProvider, name)
            .map_err(|e| AgentError::Flag {
                flag: "device_providers",
                reason: e.to_string(),
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(modules: &str) -> SpecArgs {
        SpecArgs {
            modules: Some(modules.to_string()),
            modules_dir: None,
        }
    }

    #[test]
    fn names_from_the_spec_get_their_library() {
        let spec = spec(
            r#"{"libraries": [
                {"file": "/opt/x/libfpga.so", "modules": [{"name": "org_x_Fpga"}]},
                {"name": "nic", "modules": [{"name": "org_x_Nic"}]},
                {"file": "rel/libgpu.so", "modules": [{"name": "org_x_Gpu"}]}]}"#,
        );
        let value = "org_x_Fpga, a_B@/lib/libb.so,org_x_Nic,org_x_Gpu,org_x_Unknown";
        let resolved = with_libraries(value, &spec);
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            resolved,
            format!(
                "org_x_Fpga@/opt/x/libfpga.so,a_B@/lib/libb.so,org_x_Nic@libnic.so,org_x_Gpu@{}/rel/libgpu.so,org_x_Unknown",
                cwd.display()
            )
        );
        assert_eq!(
            module_names(value).collect::<Vec<_>>(),
            ["org_x_Fpga", "org_x_Nic", "org_x_Gpu", "org_x_Unknown"]
        );
        // Nothing to resolve: kept as is, spec not read.
        assert_eq!(with_libraries("a@/x.so", &spec), "a@/x.so");
    }
}
