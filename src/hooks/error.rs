//! Why a hook chain could not be built, or why one of its hooks failed a call.

use crate::modules::ModuleError;

#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// `--hooks` itself is wrong (an empty or repeated name).
    #[error("--hooks '{flag}': {reason}")]
    Flag { flag: String, reason: String },
    /// `--hook_error_policy` with a value that is no policy.
    #[error("--hook_error_policy '{value}' is not a policy (known: warn, fail)")]
    Policy { value: String },
    /// The registry could not find or create a hook (the error names the module).
    #[error("--hooks: {0}")]
    Module(#[from] ModuleError),
    /// A hook module failed one call (an error, a panic, or output that is not the JSON the
    /// decorator returns). Under `--hook_error_policy=fail` this reaches the caller.
    #[error("hook '{hook}' failed in {decorator}: {source}")]
    Failed {
        hook: String,
        decorator: &'static str,
        source: modkit_ffi::sdk::ModuleError,
    },
}

impl HookError {
    /// The hook module that failed, for `Failed`.
    pub fn hook(&self) -> Option<&str> {
        match self {
            HookError::Failed { hook, .. } => Some(hook),
            _ => None,
        }
    }
}
