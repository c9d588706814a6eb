//! What can go wrong in a containerizer (native or external); every message names the container.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ContainerizerError {
    #[error("container '{0}' already exists")]
    Exists(String),
    #[error("container '{0}' is unknown")]
    Unknown(String),
    #[error("container id '{id}' is invalid: {reason}")]
    InvalidId { id: String, reason: &'static str },
    #[error("container '{id}': the command is empty")]
    EmptyCommand { id: String },
    #[error("container '{id}': isolator '{isolator}' failed to {step}: {message}")]
    Isolator {
        id: String,
        isolator: String,
        step: &'static str,
        message: String,
    },
    #[error("container '{id}': launch failed: {message}")]
    Launch { id: String, message: String },
    #[error("container '{id}': {what} '{path}': {source}")]
    Io {
        id: String,
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("checkpoint '{path}': {reason}")]
    Checkpoint { path: PathBuf, reason: String },
    #[error("container '{id}': destroy left something behind: {message}")]
    Destroy { id: String, message: String },
    #[error("container '{id}': no containerizer runs containers of type {kind} (tried: {tried})")]
    Unsupported {
        id: String,
        kind: String,
        tried: String,
    },
    #[error("cgroups: {0}")]
    Cgroups(String),
    /// A command of the external containerizer program about one container failed.
    #[error("external containerizer '{program}': {command} for container '{id}' {reason}")]
    External {
        program: String,
        command: &'static str,
        id: String,
        reason: String,
    },
    /// An agent-level command (`version`, `recover`, `containers`) failed.
    #[error("external containerizer '{program}': {command} {reason}")]
    ExternalAgent {
        program: String,
        command: &'static str,
        reason: String,
    },
}

pub type Result<T, E = ContainerizerError> = std::result::Result<T, E>;
