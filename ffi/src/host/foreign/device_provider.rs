//! [`DeviceProvider`] over a C `modkit_device_provider_vtable`.

use super::Handle;
use crate::bindings::modkit_device_provider_vtable;
use crate::sdk::{DeviceProvider, ModuleError, Result};

pub(crate) struct ForeignDeviceProvider {
    handle: Handle,
    vt: modkit_device_provider_vtable,
}

impl ForeignDeviceProvider {
    pub(crate) fn new(handle: Handle, vt: modkit_device_provider_vtable) -> Self {
        ForeignDeviceProvider { handle, vt }
    }
}

impl DeviceProvider for ForeignDeviceProvider {
    fn devices(&self) -> Result<serde_json::Value> {
        // The descriptor check refused a vtable without `devices`.
        let Some(f) = self.vt.devices else {
            return Err(ModuleError::failed("vtable entry 'devices' is null"));
        };
        // SAFETY: live instance; the writers are valid for the call.
        self.handle
            .call_json("the device list", |i, o, e| unsafe { f(i, o, e) })?
            .ok_or_else(|| ModuleError::BadOutput("the device list is empty".into()))
    }
}
