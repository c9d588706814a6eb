//! The modules linked into the host: each kind crate lists its own.

use modkit_ffi::sdk::ModuleFactory;

/// Every built-in module, in kind-crate order.
pub fn builtin_factories() -> Vec<Box<dyn ModuleFactory>> {
    let mut all = Vec::new();
    all.extend(modkit_isolators::builtins());
    all.extend(modkit_allocators::builtins());
    all.extend(modkit_hooks::builtins());
    all.extend(modkit_containerizers::builtins());
    all
}
