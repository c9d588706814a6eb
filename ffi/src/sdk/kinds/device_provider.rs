//! Device providers: report a vendor's devices (GPUs, FPGAs, NICs) to the agent's device
//! isolators. Written in C against `modkit.h` (`MODKIT_KIND_DEVICE_PROVIDER`) and loaded with
//! `--modules`; the agent selects them by name in `--device_providers`.

use crate::sdk::Result;

pub trait DeviceProvider: Send + Sync {
    /// The devices, as the JSON object `modkit.h` describes (`{"devices": [...]}`).
    fn devices(&self) -> Result<serde_json::Value>;
}
