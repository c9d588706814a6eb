//! The error of the device isolators and providers; every variant names the flag, node, library
//! or container and the reason.

use modkit_ffi::sdk::ModuleError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("flag --{flag}={value:?}: {reason}")]
    Flag {
        flag: &'static str,
        value: String,
        reason: String,
    },
    #[error("device node {}: {reason}", path.display())]
    Node { path: PathBuf, reason: String },
    #[error("device provider '{provider}': {reason}")]
    Provider { provider: String, reason: String },
    #[error("cannot load {library}: {reason}")]
    Library { library: String, reason: String },
    #[error("{isolator}: container '{container_id}': {reason}")]
    Container {
        isolator: &'static str,
        container_id: String,
        reason: String,
    },
    #[error("{isolator}: container '{container_id}' asks for {wanted} {resource}, {free} free (of {total})")]
    NotEnough {
        isolator: &'static str,
        container_id: String,
        resource: String,
        wanted: u64,
        free: usize,
        total: usize,
    },
    #[error("{isolator}: cgroup {}: {reason}", path.display())]
    Bpf {
        isolator: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("{isolator}: state file {}: {reason}", path.display())]
    State {
        isolator: &'static str,
        path: PathBuf,
        reason: String,
    },
}

impl DeviceError {
    pub(crate) fn flag(flag: &'static str, value: &str, reason: impl Into<String>) -> DeviceError {
        DeviceError::Flag {
            flag,
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

impl From<DeviceError> for ModuleError {
    fn from(e: DeviceError) -> Self {
        let message = e.to_string();
        match e {
            DeviceError::Flag { .. } | DeviceError::NotEnough { .. } => {
                ModuleError::InvalidArgument(message)
            }
            DeviceError::Container { .. } => ModuleError::InvalidArgument(message),
            _ => ModuleError::Failed(message),
        }
    }
}
