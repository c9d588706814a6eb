//! The host side of a device provider module (`MODKIT_KIND_DEVICE_PROVIDER`) as the devices
//! isolators open it from `--device_providers=symbol@library`. A provider named there without
//! a library was loaded with `--modules` and checked by the registry first; this opens it again
//! (the loader shares the library) and runs it through the registry's own factory, so the
//! descriptor checks, `compatible` and the bounded calls are the registry's.

use super::ForeignFactory;
use crate::abi::Kind;
use crate::bindings::modkit_module;
use crate::sdk::{Host, Instance, ModuleFactory, Parameters};

/// The error of a device provider module: what is wrong with it, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceProviderError {
    #[error("not a device provider descriptor: {0}")]
    Descriptor(String),
    #[error("{call} failed: {message}")]
    Call { call: &'static str, message: String },
}

/// Checks the descriptor, creates an instance with no parameters, asks it for its devices
/// (the JSON object of the header), and destroys it.
///
/// # Safety
/// `descriptor` must be the address of an exported `modkit_module` in a library that stays
/// loaded, with at least its `size` field readable.
pub unsafe fn device_provider_json(
    descriptor: *const modkit_module,
    host: &Host,
) -> Result<String, DeviceProviderError> {
    // SAFETY: caller contract (the same as the factory's).
    let factory = unsafe { ForeignFactory::new("device provider", "", descriptor) };
    let info = factory
        .describe()
        .map_err(|e| DeviceProviderError::Descriptor(e.to_string()))?;
    if info.kind != Kind::DeviceProvider {
        return Err(DeviceProviderError::Descriptor(format!(
            "kind is {}, not {}",
            info.kind,
            Kind::DeviceProvider
        )));
    }
    factory
        .compatible(host)
        .map_err(|message| DeviceProviderError::Call {
            call: "compatible",
            message,
        })?;
    let instance =
        factory
            .create(host, &Parameters::default())
            .map_err(|e| DeviceProviderError::Call {
                call: "create",
                message: e.to_string(),
            })?;
    let Instance::DeviceProvider(provider) = instance else {
        return Err(DeviceProviderError::Descriptor(format!(
            "the {} factory made another kind of instance",
            Kind::DeviceProvider
        )));
    };
    let devices = provider.devices().map_err(|e| DeviceProviderError::Call {
        call: "devices",
        message: e.to_string(),
    })?;
    Ok(devices.to_string())
}
