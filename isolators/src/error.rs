//! The error of this crate's isolators; every variant names the flag, container or file.

use modkit_cgroups::CgroupError;
use modkit_ffi::sdk::ModuleError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum IsolatorError {
    #[error("flag --{flag}={value:?}: {reason}")]
    Flag {
        flag: &'static str,
        value: String,
        reason: String,
    },
    #[error("{isolator}: {source}")]
    Setup {
        isolator: &'static str,
        #[source]
        source: CgroupError,
    },
    #[error("{isolator}: the {controller} controller is not available under {}", hierarchy.display())]
    Unsupported {
        isolator: &'static str,
        controller: &'static str,
        hierarchy: PathBuf,
    },
    #[error("{isolator}: container {container_id}: {source}")]
    Cgroup {
        isolator: &'static str,
        container_id: String,
        #[source]
        source: CgroupError,
    },
    #[error("{isolator}: unknown container {container_id}")]
    UnknownContainer {
        isolator: &'static str,
        container_id: String,
    },
    #[error("{isolator}: container {container_id} is already prepared")]
    AlreadyPrepared {
        isolator: &'static str,
        container_id: String,
    },
    #[error("{isolator}: container {container_id}: {reason}")]
    InvalidContainer {
        isolator: &'static str,
        container_id: String,
        reason: String,
    },
    #[error("{isolator}: cannot start the OOM watcher of container {container_id}: {source}")]
    Thread {
        isolator: &'static str,
        container_id: String,
        #[source]
        source: std::io::Error,
    },
}

impl From<IsolatorError> for ModuleError {
    fn from(e: IsolatorError) -> Self {
        let message = e.to_string();
        match e {
            IsolatorError::Flag { .. } | IsolatorError::InvalidContainer { .. } => {
                ModuleError::InvalidArgument(message)
            }
            IsolatorError::UnknownContainer { .. } => ModuleError::NotFound(message),
            IsolatorError::Unsupported { .. } => ModuleError::Unsupported(message),
            _ => ModuleError::Failed(message),
        }
    }
}
