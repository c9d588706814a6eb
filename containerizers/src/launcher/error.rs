//! The one error of the launcher: every variant names the step, the file or process, and the reason.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("invalid launch spec: {reason}")]
    InvalidSpec { reason: String },
    #[error("unknown user '{user}'")]
    UnknownUser { user: String },
    #[error("resolve user '{user}': {source}")]
    ResolveUser {
        user: String,
        #[source]
        source: io::Error,
    },
    #[error("open {what} '{}': {source}", path.display())]
    Open {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A system call of the agent's side of the launch (pipes, clone, waiting).
    #[error("{what}: {source}")]
    Os {
        what: String,
        #[source]
        source: io::Error,
    },
    /// A step of the supervisor or the task that failed before the task's exec.
    #[error("{step}: {source}")]
    PreExec {
        step: String,
        #[source]
        source: io::Error,
    },
    #[error("supervisor {pid} reported a truncated error record ({len} bytes)")]
    TruncatedRecord { pid: i32, len: usize },
    /// The fallback to `CLONE_INTO_CGROUP`: writing the supervisor to `cgroup.procs` failed.
    #[error("add supervisor {pid} to cgroup '{}': {source}", path.display())]
    JoinCgroup {
        pid: i32,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("place supervisor {pid}: {reason}")]
    Place { pid: i32, reason: String },
    #[error("read status file '{}': {source}", path.display())]
    ReadStatus {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("status file '{}' holds {content:?}, not a wait status", path.display())]
    MalformedStatus { path: PathBuf, content: String },
    #[error("refusing to signal pid {pid}: not one process or container group")]
    InvalidPid { pid: i32 },
    #[error("send signal {signal} to {pid}: {source}")]
    Signal {
        pid: i32,
        signal: i32,
        #[source]
        source: io::Error,
    },
}

impl LaunchError {
    pub(crate) fn os(what: impl Into<String>, source: io::Error) -> Self {
        LaunchError::Os {
            what: what.into(),
            source,
        }
    }

    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        LaunchError::InvalidSpec {
            reason: reason.into(),
        }
    }

    /// The errno behind the error, when a system call failed.
    pub fn raw_os_error(&self) -> Option<i32> {
        match self {
            LaunchError::ResolveUser { source, .. }
            | LaunchError::Open { source, .. }
            | LaunchError::Os { source, .. }
            | LaunchError::PreExec { source, .. }
            | LaunchError::JoinCgroup { source, .. }
            | LaunchError::ReadStatus { source, .. }
            | LaunchError::Signal { source, .. } => source.raw_os_error(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_step_and_the_errno() {
        let err = LaunchError::PreExec {
            step: "exec '/no/such'".into(),
            source: io::Error::from_raw_os_error(libc::ENOENT),
        };
        assert_eq!(
            err.to_string(),
            "exec '/no/such': No such file or directory (os error 2)"
        );
        assert_eq!(err.raw_os_error(), Some(libc::ENOENT));
        let err = LaunchError::Open {
            what: "stdout",
            path: "/sandbox/stdout".into(),
            source: io::Error::from_raw_os_error(libc::EACCES),
        };
        assert_eq!(
            err.to_string(),
            "open stdout '/sandbox/stdout': Permission denied (os error 13)"
        );
        assert_eq!(LaunchError::InvalidPid { pid: 0 }.raw_os_error(), None);
    }
}
