//! The Rust SDK: one safe trait per kind, the export macro, and the factory both built-in and
//! loaded modules are created through.
//!
//! A module author implements [`Create`] and one kind trait, then calls [`export_module!`]
//! (crate root). Built-in modules use exactly this path.

mod duration;
mod error;
pub mod export;
mod factory;
mod host;
pub mod kinds;
mod params;
mod quantities;
mod weights;

pub use duration::{parse_duration, DurationError};
pub use error::ModuleError;
pub use export::ExportedModule;
pub use factory::{native, native_named, Create, Exported, Instance, ModuleFactory, ModuleInfo};
pub use host::{Host, LogLevel};
pub use kinds::{
    allocator::{Allocator, Offer},
    anonymous::Anonymous,
    device_provider::DeviceProvider,
    hook::*,
    isolator::{Isolator, LimitationSink},
    sorter::Sorter,
};
pub use params::Parameters;
pub use quantities::{Quantities, QuantityBuf};
pub use weights::{parse_weights, WeightsError};

/// Result of every SDK call.
pub type Result<T, E = ModuleError> = std::result::Result<T, E>;
