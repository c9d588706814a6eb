//! The agent's side of a launch: prepare, clone the supervisor, let the containerizer place it,
//! release it, and learn whether the task reached exec.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

use super::cgroup::{falls_back, join, Birth};
use super::child::{self, Pipes};
use super::control::reap;
use super::error::LaunchError;
use super::prepare::{above_stdio, Prepared};
use super::record::{self, RECORD_LEN};
use super::spec::{LaunchSpec, Launched};
use super::sys;

/// Starts the container: clones the supervisor into the asked namespaces, calls `place(pid)`
/// while it is blocked (the containerizer puts it in its cgroups and runs isolators' `isolate`),
/// then lets it go. With `spec.cgroup` the supervisor is in that cgroup before `place` runs (born
/// there, or moved there first). Returns once the task has exec'd. A failure before exec comes
/// back naming the step and errno (`exec '/no/such': No such file or directory (os error 2)`)
/// with the supervisor reaped; a failing `place` gets the supervisor killed and reaped.
pub fn launch(
    spec: &LaunchSpec,
    place: &mut dyn FnMut(i32) -> Result<(), String>,
) -> Result<Launched, LaunchError> {
    let prepared = Prepared::new(spec)?;
    let (sync_read, sync_write) = pipe("sync pipe")?;
    let (error_read, error_write) = pipe("error pipe")?;
    let pipes = Pipes {
        sync_read: sync_read.as_raw_fd(),
        error_write: error_write.as_raw_fd(),
    };
    let (pid, birth) = spawn_supervisor(&prepared, pipes).map_err(|errno| {
        let into = match &spec.cgroup {
            Some(cgroup) => format!(" into cgroup '{}'", cgroup.display()),
            None => String::new(),
        };
        LaunchError::os(
            format!(
                "clone the supervisor{into} (namespaces: {})",
                spec.namespaces.names()
            ),
            io::Error::from_raw_os_error(errno),
        )
    })?;
    // The supervisor has its copies; ours would keep its pipes from ever reading EOF.
    drop(sync_read);
    drop(error_write);
    let status_files = spec.status_file.as_ref().map(|path| {
        let tmp = prepared.status.as_ref().map(|s| s.tmp_path.clone());
        (path.clone(), tmp)
    });
    drop(prepared);
    let mut supervisor = Supervisor {
        pid,
        status_files,
        done: false,
    };
    tracing::debug!(pid, namespaces = %spec.namespaces.names(), program = %spec.argv[0], "supervisor cloned");
    match (birth, &spec.cgroup) {
        (Birth::IntoCgroup, Some(cgroup)) => tracing::debug!(
            pid,
            cgroup = %cgroup.display(),
            "supervisor born in its cgroup (clone3 with CLONE_INTO_CGROUP)"
        ),
        (Birth::NeedsJoin(errno), Some(cgroup)) => {
            tracing::debug!(
                pid,
                cgroup = %cgroup.display(),
                refused = %io::Error::from_raw_os_error(errno),
                "clone3 with CLONE_INTO_CGROUP refused; cloned, moving through cgroup.procs"
            );
            if let Err(err) = join(cgroup, pid) {
                supervisor.abort();
                return Err(err);
            }
        }
        _ => {}
    }

    if let Err(reason) = place(pid) {
        supervisor.abort();
        return Err(LaunchError::Place { pid, reason });
    }
    let mut sync = File::from(sync_write);
    if let Err(source) = sync.write_all(b"G") {
        supervisor.abort();
        return Err(LaunchError::os(format!("release supervisor {pid}"), source));
    }
    drop(sync);

    // EOF once the task has exec'd (its copy is close-on-exec) or everyone has exited.
    let mut bytes = Vec::new();
    if let Err(source) = File::from(error_read).read_to_end(&mut bytes) {
        supervisor.abort();
        return Err(LaunchError::os(
            format!("read the error pipe of supervisor {pid}"),
            source,
        ));
    }
    if bytes.is_empty() {
        supervisor.done = true;
        return Ok(Launched { pid });
    }
    // The supervisor exits on its own after a failed step; wait, without killing the task's
    // namespace-mates early.
    supervisor.reap_and_clean();
    Err(match bytes.first_chunk::<RECORD_LEN>() {
        Some(record) => record::decode(record, spec),
        None => LaunchError::TruncatedRecord {
            pid,
            len: bytes.len(),
        },
    })
}

/// Clones the supervisor with every signal blocked, so none of the agent's handlers runs in it
/// before it has reset them; into its cgroup when one is asked and the kernel allows.
fn spawn_supervisor(
    prepared: &Prepared,
    pipes: Pipes,
) -> Result<(libc::pid_t, Birth), libc::c_int> {
    // SAFETY: sigfillset initialises `all`; pthread_sigmask reads it and writes `old`.
    let old = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        old
    };
    let cgroup = prepared.cgroup.as_ref().map(|fd| fd.as_raw_fd());
    // SAFETY: the child runs only `child::supervise`, which keeps to async-signal-safe calls.
    let result = unsafe { clone_supervisor(prepared.clone_flags, cgroup) };
    if let Ok((0, _)) = result {
        // SAFETY: we are the freshly cloned child, signals blocked, with what the agent prepared.
        unsafe { child::supervise(prepared, pipes) }
    }
    // SAFETY: restores the mask saved above.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
    result
}

/// `clone3` into the cgroup open as `cgroup`, falling back to `clone` (the caller then moves the
/// child) when the kernel refuses that; plain `clone` without a cgroup.
///
/// # Safety
/// As for [`sys::clone_process`]: in the child, only async-signal-safe operations.
unsafe fn clone_supervisor(
    flags: libc::c_int,
    cgroup: Option<RawFd>,
) -> Result<(libc::pid_t, Birth), libc::c_int> {
    let Some(cgroup) = cgroup else {
        // SAFETY: forwarded by the caller.
        return unsafe { sys::clone_process(flags) }.map(|pid| (pid, Birth::Plain));
    };
    // SAFETY: forwarded by the caller.
    match unsafe { sys::clone_into_cgroup(flags, cgroup) } {
        Ok(pid) => Ok((pid, Birth::IntoCgroup)),
        Err(errno) if falls_back(errno) => {
            // SAFETY: forwarded by the caller; the failed clone3 made no child.
            unsafe { sys::clone_process(flags) }.map(|pid| (pid, Birth::NeedsJoin(errno)))
        }
        Err(errno) => Err(errno),
    }
}

fn pipe(what: &str) -> Result<(OwnedFd, OwnedFd), LaunchError> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two fds pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(LaunchError::os(
            format!("create the {what}"),
            io::Error::last_os_error(),
        ));
    }
    // SAFETY: pipe2 succeeded: both fds are open and ours alone.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let lift = |fd| {
        above_stdio(fd)
            .map_err(|source| LaunchError::os(format!("move the {what} above stdio"), source))
    };
    Ok((lift(read)?, lift(write)?))
}

/// A supervisor the launch has not handed over yet: killed and reaped if the launch fails or
/// unwinds (a panicking `place`), so nothing is left running.
struct Supervisor {
    pid: libc::pid_t,
    status_files: Option<(std::path::PathBuf, Option<std::path::PathBuf>)>,
    done: bool,
}

impl Supervisor {
    fn abort(&mut self) {
        // SAFETY: our own child, not yet reaped, so the pid cannot have been reused.
        unsafe { libc::kill(self.pid, libc::SIGKILL) };
        self.reap_and_clean();
    }

    fn reap_and_clean(&mut self) {
        if let Err(err) = reap(self.pid) {
            tracing::warn!(pid = self.pid, "failed launch: {err}");
        }
        if let Some((path, tmp)) = &self.status_files {
            for path in std::iter::once(path).chain(tmp) {
                let _ = std::fs::remove_file(path);
            }
        }
        self.done = true;
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        if !self.done {
            self.abort();
        }
    }
}
