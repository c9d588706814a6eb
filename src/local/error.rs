//! What can stop `modkit local` from starting.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum LocalError {
    #[error("master: {0}")]
    Master(#[from] crate::master::MasterError),
    #[error("agent: {0}")]
    Agent(#[from] crate::agent::AgentError),
    #[error("--work_dir {path}: {source}")]
    WorkDir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("agent flags: {0}")]
    AgentFlags(String),
    #[error("runtime: {0}")]
    Runtime(String),
    #[error("the agent did not register with the master within {0:?}")]
    AgentNotRegistered(std::time::Duration),
}
