//! Why the master could not start or serve.

use crate::flags::DurationError;
use crate::modules::ModuleError;

#[derive(Debug, thiserror::Error)]
pub enum MasterError {
    #[error(transparent)]
    Module(#[from] ModuleError),
    #[error(transparent)]
    Hooks(#[from] crate::hooks::HookError),
    #[error("--{flag}: {reason}")]
    Flag { flag: &'static str, reason: String },
    /// `--credentials`, `--authenticate_frameworks` or `--acls` (the message names the flag).
    #[error(transparent)]
    Auth(#[from] crate::auth::AuthError),
    #[error("--{flag}: {source}")]
    Duration {
        flag: &'static str,
        source: DurationError,
    },
    #[error("--work_dir '{path}': {source}")]
    WorkDir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: String,
        source: std::io::Error,
    },
    #[error("allocator '{name}': {reason}")]
    Allocator { name: String, reason: String },
    #[error("{0}")]
    Runtime(String),
}
