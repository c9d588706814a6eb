//! modkit-hooks: built-in hook modules. Each is also exported from this crate's cdylib, so the
//! same code can be loaded with `--modules` and tested through the C ABI.
//!
//! The built-ins are registered under short flag names (as isolators and sorters are:
//! `cgroups/mem` is `org_modkit_CgroupsMemIsolator`), so that their `org_modkit_*` symbols can
//! be loaded from the cdylib with `--modules` and parameters beside them: a built-in is
//! created with no parameters.

mod env_to_labels;
mod names;
mod require_labels;
mod static_labels;
mod task_environment;
#[cfg(test)]
mod testing;

pub use env_to_labels::EnvToLabels;
pub use require_labels::RequireLabels;
pub use static_labels::StaticLabels;
pub use task_environment::TaskEnvironment;

use modkit_ffi::sdk::{native_named, ModuleFactory};

/// The built-in hooks, for the host's registry.
pub fn builtins() -> Vec<Box<dyn ModuleFactory>> {
    vec![
        native_named::<StaticLabels>("static_labels"),
        native_named::<EnvToLabels>("env_to_labels"),
        native_named::<RequireLabels>("require_labels"),
        native_named::<TaskEnvironment>("task_environment"),
    ]
}

#[cfg(test)]
mod tests {
    use modkit_ffi::abi::Kind;

    #[test]
    fn builtins_are_thread_safe_hooks() {
        let names: Vec<String> = super::builtins()
            .iter()
            .map(|f| {
                let info = f.describe().expect("valid descriptor");
                assert_eq!(info.kind, Kind::Hook, "{}", f.name());
                assert!(info.thread_safe(), "{}", f.name());
                f.name().to_string()
            })
            .collect();
        assert_eq!(
            names,
            [
                "static_labels",
                "env_to_labels",
                "require_labels",
                "task_environment"
            ]
        );
    }
}
