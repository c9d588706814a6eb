//! Talking to a running supervisor: signals and waiting.

use std::io;

use super::error::LaunchError;
use super::termination::Termination;

/// Sends `signal` to the supervisor `pid` (which forwards SIGTERM, SIGINT, SIGHUP, SIGQUIT,
/// SIGUSR1 and SIGUSR2 to the task), or with `-pid` to its process group (the supervisor calls
/// `setsid`, so that is the supervisor, the task and what the task did not move elsewhere).
/// A process that is already gone is not an error.
pub fn signal(pid: i32, signal: i32) -> Result<(), LaunchError> {
    // kill(0) is the agent's own group, kill(-1) every process we may signal: never those.
    if pid == 0 || pid == -1 {
        return Err(LaunchError::InvalidPid { pid });
    }
    // SAFETY: integer arguments.
    if unsafe { libc::kill(pid, signal) } == 0 {
        return Ok(());
    }
    let source = io::Error::last_os_error();
    if source.raw_os_error() == Some(libc::ESRCH) {
        return Ok(());
    }
    Err(LaunchError::Signal {
        pid,
        signal,
        source,
    })
}

/// Waits for the supervisor `pid` (a child of this process) to end and returns its own
/// termination; decode the task's with [`super::supervisor_exit_to_task`].
pub fn wait_supervisor(pid: i32) -> Result<Termination, LaunchError> {
    wait(pid, 0).map(|term| term.unwrap_or(Termination::Exited(0)))
}

/// Like [`wait_supervisor`] without blocking: `None` while it runs.
pub fn try_wait_supervisor(pid: i32) -> Result<Option<Termination>, LaunchError> {
    wait(pid, libc::WNOHANG)
}

fn wait(pid: i32, flags: libc::c_int) -> Result<Option<Termination>, LaunchError> {
    if pid <= 0 {
        return Err(LaunchError::InvalidPid { pid });
    }
    loop {
        let mut status = 0;
        // SAFETY: `status` is writable.
        let rc = unsafe { libc::waitpid(pid, &mut status, flags) };
        if rc == pid {
            return Ok(Some(Termination::from_wait_status(status)));
        }
        if rc == 0 {
            return Ok(None);
        }
        let source = io::Error::last_os_error();
        if source.kind() != io::ErrorKind::Interrupted {
            return Err(LaunchError::os(
                format!("wait for supervisor {pid}"),
                source,
            ));
        }
    }
}

/// Reaps a supervisor the launch gave up on; one already reaped elsewhere (ECHILD) is done.
pub(crate) fn reap(pid: i32) -> Result<(), LaunchError> {
    match wait(pid, 0) {
        Err(err) if err.raw_os_error() == Some(libc::ECHILD) => Ok(()),
        other => other.map(drop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agents_group_and_everyone_are_never_signalled() {
        for pid in [0, -1] {
            let err = signal(pid, libc::SIGKILL).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("refusing to signal pid {pid}: not one process or container group")
            );
        }
        for pid in [0, -1, -42] {
            assert!(matches!(
                wait_supervisor(pid),
                Err(LaunchError::InvalidPid { .. })
            ));
        }
    }

    #[test]
    fn a_gone_process_is_not_an_error_but_a_stranger_is() {
        // pid_max is at most 2^22: this pid cannot exist.
        assert!(signal(1 << 23, libc::SIGTERM).is_ok());
        assert!(signal(-(1 << 23), libc::SIGTERM).is_ok());
        let err = wait_supervisor(1 << 23).unwrap_err().to_string();
        assert!(err.starts_with("wait for supervisor 8388608: "), "{err}");
        assert!(err.contains("os error 10"), "{err}");
    }
}
