//! Birth in a cgroup v2 directory. With `clone3(2)` and `CLONE_INTO_CGROUP` (Linux 5.7) the
//! kernel creates the supervisor inside the cgroup, so not one instruction of it runs (or
//! allocates memory, or forks) outside. Where the kernel, a seccomp filter or the cgroup refuses
//! that, the launcher clones as before and writes the pid to `cgroup.procs` while the supervisor
//! is still blocked on its sync pipe: later, but still before anything of the task runs.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::error::LaunchError;

/// Opens the cgroup directory `O_PATH|O_DIRECTORY|O_CLOEXEC` for `clone3`, before the fork: a
/// missing or non-directory path fails here, before any process exists.
pub(crate) fn open(path: &Path) -> Result<OwnedFd, LaunchError> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_DIRECTORY)
        .open(path)
        .map(OwnedFd::from)
        .map_err(|source| LaunchError::Open {
            what: "cgroup",
            path: path.to_path_buf(),
            source,
        })
}

/// How the supervisor came to be in its cgroup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Birth {
    /// No cgroup was asked for.
    Plain,
    /// Born inside it by `clone3` with `CLONE_INTO_CGROUP`.
    IntoCgroup,
    /// `clone3` refused with this errno; the agent must move the supervisor.
    NeedsJoin(libc::c_int),
}

/// Whether a failed `clone3(CLONE_INTO_CGROUP)` is worth retrying as `clone` plus a write to
/// `cgroup.procs`: the errno says clone3 or the flag is unavailable, or the cgroup refused the
/// birth for a reason the write reports with the cgroup's path. Anything else (EAGAIN, ENOMEM,
/// EPERM for a namespace, ENOSPC) would fail `clone` the same way.
pub(crate) fn falls_back(errno: libc::c_int) -> bool {
    matches!(
        errno,
        // No clone3 (before 5.3), or a seccomp filter that hides it (container runtimes do).
        libc::ENOSYS
        // 5.3 to 5.6: the larger clone_args with a cgroup field is refused.
        | libc::E2BIG
        | libc::EINVAL
        // Not a cgroup2 directory (a v1 one, say).
        | libc::EBADF
        // Domain-invalid or threaded cgroup; or one with controllers in cgroup.subtree_control.
        | libc::EOPNOTSUPP
        | libc::EBUSY
    )
}

/// Moves `pid` into the cgroup at `path` (the fallback to `CLONE_INTO_CGROUP`).
pub(crate) fn join(path: &Path, pid: libc::pid_t) -> Result<(), LaunchError> {
    OpenOptions::new()
        .write(true)
        .open(path.join("cgroup.procs"))
        .and_then(|mut file: File| file.write_all(pid.to_string().as_bytes()))
        .map_err(|source| LaunchError::JoinCgroup {
            pid,
            path: path.to_path_buf(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_clone3_or_refused_cgroup_falls_back() {
        for errno in [
            libc::ENOSYS,
            libc::E2BIG,
            libc::EINVAL,
            libc::EBADF,
            libc::EOPNOTSUPP,
            libc::EBUSY,
        ] {
            assert!(falls_back(errno), "errno {errno}");
        }
    }

    #[test]
    fn resource_and_permission_errors_do_not_fall_back() {
        for errno in [
            libc::EAGAIN,
            libc::ENOMEM,
            libc::EPERM,
            libc::ENOSPC,
            libc::EUSERS,
            libc::EEXIST,
        ] {
            assert!(!falls_back(errno), "errno {errno}");
        }
    }

    #[test]
    fn a_missing_cgroup_is_named_in_the_error() {
        let path = Path::new("/nonexistent/modkit-cgroup-unit");
        let err = open(path).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("open cgroup '/nonexistent/modkit-cgroup-unit': No such file or directory (os error 2)")
        );
    }

    #[test]
    fn a_file_is_not_a_cgroup() {
        let err = open(Path::new("/proc/self/status"))
            .err()
            .map(|e| e.raw_os_error());
        assert_eq!(err, Some(Some(libc::ENOTDIR)));
    }

    #[test]
    fn join_names_the_cgroup() {
        let err = join(Path::new("/nonexistent/modkit-cgroup-unit"), 1)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "add supervisor 1 to cgroup '/nonexistent/modkit-cgroup-unit': \
                 No such file or directory (os error 2)"
            )
        );
    }
}
