//! modkit-hooks: built-in hook modules. Each is also exported from this crate's cdylib, so the
//! same code can be loaded with `--modules` and tested through the C ABI.

mod static_labels;

pub use static_labels::StaticLabels;

use modkit_ffi::sdk::{native, ModuleFactory};

/// The built-in hooks, for the host's registry.
pub fn builtins() -> Vec<Box<dyn ModuleFactory>> {
    vec![native::<StaticLabels>()]
}
