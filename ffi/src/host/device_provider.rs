//! The host side of a device provider module (`MODKIT_KIND_DEVICE_PROVIDER`) as the devices
//! isolators open it from `--device_providers=symbol@library`. A provider named there without
//! a library was loaded with `--modules` and checked by the registry first; this opens it again
//! (the loader shares the library) and repeats the registry's checks, in the same order.

use crate::abi::{read_sized, status, Collector, ABI_MAJOR, ABI_MINOR};
use crate::bindings::{self as b, modkit_device_provider_vtable, modkit_module};
use crate::sdk::Host;

/// Bound on what a provider may write.
const OUTPUT_LIMIT: usize = 4 << 20;
const ERROR_LIMIT: usize = 64 << 10;

/// The error of a device provider module: what is wrong with it, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceProviderError {
    #[error("not a device provider descriptor: {0}")]
    Descriptor(String),
    #[error("{call} failed (status {status}): {message}")]
    Call {
        call: &'static str,
        status: i32,
        message: String,
    },
}

fn bad(reason: impl Into<String>) -> DeviceProviderError {
    DeviceProviderError::Descriptor(reason.into())
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
    // SAFETY: caller contract.
    let size = unsafe { (*descriptor).size } as usize;
    if size < super::DESCRIPTOR_SIZE_1_0 {
        return Err(bad(format!("descriptor size {size} is below ABI 1.0's")));
    }
    // SAFETY: `size` bytes are readable (caller contract).
    let raw = unsafe { read_sized(descriptor, size) };
    if raw.abi_major != ABI_MAJOR || raw.abi_minor > ABI_MINOR {
        return Err(bad(format!(
            "module ABI {}.{} does not load on host ABI {ABI_MAJOR}.{ABI_MINOR}",
            raw.abi_major, raw.abi_minor
        )));
    }
    if raw.kind != b::MODKIT_KIND_DEVICE_PROVIDER as u32 {
        return Err(bad(format!(
            "kind is {}, not MODKIT_KIND_DEVICE_PROVIDER ({})",
            raw.kind,
            b::MODKIT_KIND_DEVICE_PROVIDER
        )));
    }
    let (min, max) = (
        b::MODKIT_DEVICE_PROVIDER_MIN_VERSION as u32,
        b::MODKIT_DEVICE_PROVIDER_VERSION as u32,
    );
    if raw.kind_version < min || raw.kind_version > max {
        return Err(bad(format!(
            "device provider kind version {} is outside this host's {min} to {max}",
            raw.kind_version
        )));
    }
    let (Some(create), Some(destroy)) = (raw.create, raw.destroy) else {
        return Err(bad("'create' or 'destroy' is null"));
    };
    if raw.vtable.is_null() {
        return Err(bad("the device provider vtable is null"));
    }
    let vtable = raw.vtable.cast::<modkit_device_provider_vtable>();
    // SAFETY: a non-null vtable whose first field is its size (header contract).
    let vt: modkit_device_provider_vtable = unsafe { read_sized(vtable, (*vtable).size as usize) };
    let Some(devices) = vt.devices else {
        return Err(bad("vtable entry 'devices' is required but null"));
    };

    let mut err = Collector::with_limit(Vec::new(), ERROR_LIMIT);
    let mut instance: *mut std::ffi::c_void = std::ptr::null_mut();
    let mut w = err.writer();
    // SAFETY: the host table lives until exit; no parameters; out-pointers are live locals.
    let code = unsafe { create(host.as_ptr(), std::ptr::null(), 0, &mut instance, &mut w) };
    if code != status::OK {
        return Err(DeviceProviderError::Call {
            call: "create",
            status: code,
            message: String::from_utf8_lossy(&err.into_inner())
                .trim()
                .to_string(),
        });
    }
    let mut out = Collector::with_limit(Vec::new(), OUTPUT_LIMIT);
    let mut err = Collector::with_limit(Vec::new(), ERROR_LIMIT);
    let (mut o, mut e) = (out.writer(), err.writer());
    // SAFETY: the instance `create` just made; writers point at live collectors.
    let code = unsafe { devices(instance, &mut o, &mut e) };
    // SAFETY: the same instance, not used again.
    unsafe { destroy(instance) };
    if code != status::OK {
        return Err(DeviceProviderError::Call {
            call: "devices",
            status: code,
            message: String::from_utf8_lossy(&err.into_inner())
                .trim()
                .to_string(),
        });
    }
    if let Some(refused) = out.error() {
        return Err(DeviceProviderError::Call {
            call: "devices",
            status: status::ERROR,
            message: refused.to_string(),
        });
    }
    String::from_utf8(out.into_inner()).map_err(|_| DeviceProviderError::Call {
        call: "devices",
        status: status::ERROR,
        message: "the output is not UTF-8".into(),
    })
}
