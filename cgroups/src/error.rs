//! The one error of this crate: every variant names the cgroup file or directory and the reason.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {value:?} to {}: {source}", path.display())]
    Write {
        path: PathBuf,
        value: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot parse {} ({value:?}): {reason}", path.display())]
    Parse {
        path: PathBuf,
        value: String,
        reason: String,
    },
    #[error("invalid cgroup name {name:?}: {reason}")]
    InvalidName { name: String, reason: &'static str },
    #[error("the {controller} controller is not available under {}", hierarchy.display())]
    Unsupported {
        controller: String,
        hierarchy: PathBuf,
    },
    #[error("cannot SIGKILL process {pid} of {}: {source}", path.display())]
    Signal {
        pid: i32,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "processes {pids:?} of {} are still alive after {:.1}s of killing",
        path.display(),
        waited.as_secs_f64()
    )]
    KillTimeout {
        path: PathBuf,
        pids: Vec<i32>,
        waited: Duration,
    },
}

impl CgroupError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        CgroupError::Io {
            op,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn write(path: impl Into<PathBuf>, value: &str, source: std::io::Error) -> Self {
        CgroupError::Write {
            path: path.into(),
            value: value.trim().to_string(),
            source,
        }
    }

    /// Whether the file or cgroup did not exist (callers often treat that as done).
    pub fn is_not_found(&self) -> bool {
        match self {
            CgroupError::Io { source, .. } | CgroupError::Write { source, .. } => {
                source.kind() == std::io::ErrorKind::NotFound
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_path_and_the_reason() {
        let e = CgroupError::io(
            "read",
            "/sys/fs/cgroup/memory/modkit/c1/memory.stat",
            std::io::Error::from_raw_os_error(libc::ENOENT),
        );
        assert!(e.is_not_found());
        assert_eq!(
            e.to_string(),
            "cannot read /sys/fs/cgroup/memory/modkit/c1/memory.stat: No such file or directory (os error 2)"
        );
        let e = CgroupError::KillTimeout {
            path: "/sys/fs/cgroup/freezer/modkit/c1".into(),
            pids: vec![7, 9],
            waited: Duration::from_secs(10),
        };
        assert!(!e.is_not_found());
        assert_eq!(
            e.to_string(),
            "processes [7, 9] of /sys/fs/cgroup/freezer/modkit/c1 are still alive after 10.0s of killing"
        );
    }
}
