//! The host side of the ABI: the services table handed to modules, the descriptor checks, and the
//! adaptors that present a C module as the SDK trait of its kind.

mod descriptor;
mod device_provider;
mod foreign;
mod services;

pub(crate) use descriptor::{check_vtable, read_vtable};
pub use descriptor::{read_descriptor, Descriptor, DescriptorError, DESCRIPTOR_SIZE_1_0};
pub use device_provider::{device_provider_json, DeviceProviderError};
pub(crate) use foreign::foreign_sorter;
pub use foreign::ForeignFactory;
pub use services::{HostServices, SorterProvider};
