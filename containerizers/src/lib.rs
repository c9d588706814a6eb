//! modkit-containerizers: built-in modules of this kind, also exported from this crate's cdylib.

mod container;
mod containerizer;
mod containers;
mod error;
pub mod external;
pub mod launcher;
mod model;
pub mod native;

pub use containerizer::{Composing, Containerizer};
pub use error::{ContainerizerError, Result};
pub use external::{Config as ExternalConfig, ExternalContainerizer};
pub use model::{
    ContainerRequest, ContainerSummary, ContainerTermination, PidRecord, RecoverMode,
    RecoveryReport,
};

use modkit_ffi::sdk::ModuleFactory;

/// The built-in modules of this crate, for the host's registry.
pub fn builtins() -> Vec<Box<dyn ModuleFactory>> {
    Vec::new()
}
