//! modkit-containerizers: built-in modules of this kind, also exported from this crate's cdylib.

pub mod launcher;
pub mod native;

use modkit_ffi::sdk::ModuleFactory;

/// The built-in modules of this crate, for the host's registry.
pub fn builtins() -> Vec<Box<dyn ModuleFactory>> {
    Vec::new()
}
