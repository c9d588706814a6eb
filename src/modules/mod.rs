//! The module manager: reads `--modules` specs, loads libraries, checks descriptors, and keeps one
//! registry in which built-in and loaded modules are found the same way, by kind and name.

mod builtins;
mod error;
mod library;
mod manager;
mod registry;
pub mod spec;

pub use builtins::builtin_factories;
pub use error::ModuleError;
pub use library::Libraries;
pub use manager::ModuleManager;
pub use registry::{Registry, RegistryEntry};
