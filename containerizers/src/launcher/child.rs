//! The supervisor and the task: the code that runs in the children of a fork-like clone of the
//! multi-threaded agent. Only async-signal-safe operations from here to exec or `_exit`: no
//! allocation, no locks, no panics, no `std::process`, no formatting. Everything comes
//! precomputed in [`Prepared`].

use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicI32, Ordering};

use libc::c_int;

use super::caps;
use super::prepare::Prepared;
use super::record::{self, Step};
use super::sys;
use super::termination::format_status;

/// Exit code of the supervisor (and the task) when a step before exec failed (the shell's
/// "command not found"), and of the supervisor when the agent never said go.
const PRE_EXEC_FAILURE: c_int = 127;

/// The signals an operator or the agent sends to stop a task; the supervisor passes them on.
const FORWARDED: [c_int; 6] = [
    libc::SIGTERM,
    libc::SIGINT,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
];

/// Highest signal number on Linux.
const MAX_SIGNAL: c_int = 64;

/// The task's pid, for the forwarding handler (each supervisor has its own copy of this static:
/// the clone copied the agent's memory).
static TASK_PID: AtomicI32 = AtomicI32::new(0);

/// The fds of the two pipes the supervisor holds (the agent keeps the other ends).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pipes {
    pub sync_read: RawFd,
    pub error_write: RawFd,
}

extern "C" fn forward_signal(signal: c_int) {
    let saved = sys::errno();
    let pid = TASK_PID.load(Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe; `pid` is the supervisor's own child.
        unsafe { libc::kill(pid, signal) };
    }
    sys::set_errno(saved);
}

/// Runs the supervisor: waits for the agent's go, sets up the container's mounts, starts the
/// task, passes signals on, reaps every child, and exits with the task's encoded status.
///
/// # Safety
/// Only in the child of [`sys::clone_process`], with all signals blocked, `p` and `pipes` as the
/// agent prepared them.
pub(crate) unsafe fn supervise(p: &Prepared, pipes: Pipes) -> ! {
    let report = pipes.error_write;
    for (from, to, step) in [
        (p.stdin.as_raw_fd(), 0, Step::RedirectStdin),
        (p.stdout.as_raw_fd(), 1, Step::RedirectStdout),
        (p.stderr.as_raw_fd(), 2, Step::RedirectStderr),
    ] {
        // SAFETY: both are fds; `from` is above 2 (prepare saw to it), so it is never clobbered.
        if unsafe { libc::dup2(from, to) } < 0 {
            fail(report, step, sys::errno(), 0);
        }
    }
    let status_fd = p.status.as_ref().map_or(-1, |s| s.fd.as_raw_fd());
    // The agent's other fds (sockets, other containers' pipes) must not live on in here.
    if let Err(errno) = close_all_except([pipes.sync_read, pipes.error_write, status_fd]) {
        fail(report, Step::CloseFds, errno, 0);
    }
    // SAFETY: plain sigaction calls on this process.
    if let Err(errno) = unsafe { setup_supervisor_signals() } {
        fail(report, Step::SignalSetup, errno, 0);
    }
    wait_for_go(pipes.sync_read);

    // SAFETY: setsid has no arguments; it fails only for a group leader, which a clone is not.
    if unsafe { libc::setsid() } < 0 {
        fail(report, Step::Setsid, sys::errno(), 0);
    }
    let in_pid_namespace = p.clone_flags & libc::CLONE_NEWPID != 0;
    if !in_pid_namespace {
        // Orphans of the task are reparented to us and reaped, as they would be by a pid-1.
        // SAFETY: integer arguments.
        if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong) } < 0 {
            fail(report, Step::Subreaper, sys::errno(), 0);
        }
    }
    // SAFETY: mount calls with static C strings; we are in our own mount namespace when asked.
    unsafe { set_up_mounts(p, report) };

    let supervisor = sys::getpid();
    // SAFETY: the task keeps to the same rules as we do (run_task only).
    let task = match unsafe { sys::clone_process(0) } {
        // SAFETY: we are that child.
        Ok(0) => unsafe { run_task(p, report, supervisor) },
        Ok(pid) => pid,
        Err(errno) => fail(report, Step::CloneTask, errno, 0),
    };
    TASK_PID.store(task, Ordering::SeqCst);
    // SAFETY: closing our copies; the task holds its own until its exec.
    unsafe {
        libc::close(report);
        libc::chdir(c"/".as_ptr());
    }
    // SAFETY: an empty set is valid; from here forwarded signals reach the task.
    unsafe { unblock_all_signals() };

    let Some(status) = reap_until(task) else {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(PRE_EXEC_FAILURE) }
    };
    write_status(p, status);
    let code = if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        libc::WEXITSTATUS(status)
    };
    // SAFETY: _exit is async-signal-safe and skips the agent's atexit handlers.
    unsafe { libc::_exit(code) }
}

/// The task: chdir, rlimits, capabilities and user, signals back to default, exec.
///
/// # Safety
/// Only in the child of [`sys::clone_process`] made by [`supervise`].
unsafe fn run_task(p: &Prepared, report: RawFd, supervisor: libc::pid_t) -> ! {
    // SAFETY: working_dir is a NUL-terminated string.
    if unsafe { libc::chdir(p.working_dir.as_ptr()) } < 0 {
        fail(report, Step::Chdir, sys::errno(), 0);
    }
    for (index, (resource, limit)) in p.rlimits.iter().enumerate() {
        if let Err(errno) = sys::prlimit(*resource, limit) {
            fail(report, Step::Setrlimit, errno, index as u32);
        }
    }
    if let Some((_, bounding)) = p.capabilities {
        if let Err((errno, cap)) = caps::drop_bounding(bounding) {
            fail(report, Step::CapBound, errno, cap);
        }
        if let Err(errno) = caps::set_securebits(p.credentials.is_some()) {
            fail(report, Step::Securebits, errno, 0);
        }
    }
    if let Some(creds) = &p.credentials {
        // Groups and gid first: after setuid we may no longer change them.
        if let Err(errno) = sys::setgroups(&creds.groups) {
            fail(report, Step::Setgroups, errno, 0);
        }
        if let Err(errno) = sys::setresgid(creds.gid) {
            fail(report, Step::Setgid, errno, 0);
        }
        if let Err(errno) = sys::setresuid(creds.uid) {
            fail(report, Step::Setuid, errno, 0);
        }
    }
    if let Some((effective, _)) = p.capabilities {
        if let Err(errno) = caps::capset(effective) {
            fail(report, Step::Capset, errno, 0);
        }
        if let Err((errno, cap)) = caps::set_ambient(effective) {
            fail(report, Step::Ambient, errno, cap);
        }
    }
    // The task dies with its supervisor, as it does with a pid-namespace init. Set after
    // setuid, which clears it.
    // SAFETY: integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) } < 0 {
        fail(report, Step::ParentDeathSignal, sys::errno(), 0);
    }
    if sys::getppid() != supervisor {
        fail(report, Step::ParentDeathSignal, libc::ESRCH, 0);
    }
    // SAFETY: sigaction/sigprocmask on this process.
    unsafe {
        reset_signal_dispositions();
        unblock_all_signals();
    }
    exec(p, report)
}

/// Tries each program candidate like `execvp`: a later `PATH` entry is tried after "not found";
/// "permission denied" is reported only if nothing else is found.
fn exec(p: &Prepared, report: RawFd) -> ! {
    let mut denied = false;
    let mut last = libc::ENOENT;
    for program in p.programs.iter() {
        // SAFETY: program, argv and envp are NUL-terminated strings and NULL-terminated arrays.
        unsafe { libc::execve(program.as_ptr(), p.argv.as_ptr(), p.envp.as_ptr()) };
        last = sys::errno();
        match last {
            libc::EACCES => denied = true,
            libc::ENOENT | libc::ENOTDIR | libc::ESTALE | libc::ENODEV | libc::ETIMEDOUT => {}
            errno => fail(report, Step::Exec, errno, 0),
        }
    }
    fail(
        report,
        Step::Exec,
        if denied { libc::EACCES } else { last },
        0,
    )
}

/// Writes the failed step to the agent and exits.
fn fail(report: RawFd, step: Step, errno: c_int, arg: u32) -> ! {
    let bytes = record::encode(step, errno, arg);
    loop {
        // SAFETY: `bytes` is a live buffer of its length; a 12-byte pipe write is atomic.
        let n = unsafe { libc::write(report, bytes.as_ptr().cast(), bytes.len()) };
        if n >= 0 || sys::errno() != libc::EINTR {
            break;
        }
    }
    // SAFETY: _exit is async-signal-safe.
    unsafe { libc::_exit(PRE_EXEC_FAILURE) }
}

/// Blocks until the agent has placed us (cgroups, isolators) and says go; exits if it closes
/// the pipe instead.
fn wait_for_go(sync_read: RawFd) {
    let mut byte = 0u8;
    loop {
        // SAFETY: reads one byte into `byte`.
        let n = unsafe { libc::read(sync_read, (&mut byte as *mut u8).cast(), 1) };
        if n == 1 {
            break;
        }
        if n < 0 && sys::errno() == libc::EINTR {
            continue;
        }
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(PRE_EXEC_FAILURE) }
    }
    // SAFETY: our copy of the pipe is no longer needed.
    unsafe { libc::close(sync_read) };
}

/// Closes every fd from 3 up except `keep` (-1 entries are ignored).
fn close_all_except(mut keep: [RawFd; 3]) -> Result<(), c_int> {
    keep.sort_unstable();
    let mut next: u32 = 3;
    for fd in keep {
        if fd < 0 || (fd as u32) < next {
            continue;
        }
        let fd = fd as u32;
        if fd > next {
            sys::close_range(next, fd - 1)?;
        }
        next = fd + 1;
    }
    sys::close_range(next, u32::MAX)
}

/// Back to SIG_DFL for everything inherited from the agent (its handlers would write into the
/// agent's self-pipes), then our forwarders. Signals stay blocked until the task runs.
unsafe fn setup_supervisor_signals() -> Result<(), c_int> {
    // SAFETY: forwarded by the caller.
    unsafe { reset_signal_dispositions() };
    for signal in FORWARDED {
        // SAFETY: an all-zero sigaction is valid; the handler is an extern "C" fn(c_int).
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = forward_signal as extern "C" fn(c_int) as libc::sighandler_t;
            libc::sigfillset(&mut action.sa_mask);
            action.sa_flags = libc::SA_RESTART;
            if libc::sigaction(signal, &action, std::ptr::null_mut()) < 0 {
                return Err(sys::errno());
            }
        }
    }
    Ok(())
}

unsafe fn reset_signal_dispositions() {
    for signal in 1..=MAX_SIGNAL {
        if signal == libc::SIGKILL || signal == libc::SIGSTOP {
            continue;
        }
        // SAFETY: an all-zero sigaction is SIG_DFL with an empty mask. glibc refuses its own
        // reserved signals (EINVAL), which is fine: they are not ours to reset.
        unsafe {
            let action: libc::sigaction = std::mem::zeroed();
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

unsafe fn unblock_all_signals() {
    // SAFETY: sigemptyset initialises the set; sigprocmask only reads it.
    unsafe {
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
    }
}

/// Keeps our mounts out of the agent's namespace, and gives a pid namespace its own /proc so
/// the task sees only the container's processes.
unsafe fn set_up_mounts(p: &Prepared, report: RawFd) {
    let none = std::ptr::null::<libc::c_char>();
    if p.make_private {
        // SAFETY: a propagation change of "/" with NULL source, type and data.
        let rc = unsafe {
            libc::mount(
                none,
                c"/".as_ptr(),
                none,
                libc::MS_REC | libc::MS_PRIVATE,
                std::ptr::null(),
            )
        };
        if rc < 0 {
            fail(report, Step::MakePrivate, sys::errno(), 0);
        }
    }
    if p.mount_proc {
        // SAFETY: static NUL-terminated strings, no data.
        let rc = unsafe {
            libc::mount(
                c"proc".as_ptr(),
                c"/proc".as_ptr(),
                c"proc".as_ptr(),
                libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                std::ptr::null(),
            )
        };
        if rc < 0 {
            fail(report, Step::MountProc, sys::errno(), 0);
        }
    }
}

/// Reaps every child (orphans too: we are pid 1 or a subreaper) until `task` ends; its raw
/// wait status, or `None` if it cannot be waited for.
fn reap_until(task: libc::pid_t) -> Option<c_int> {
    loop {
        let mut status: c_int = 0;
        // SAFETY: `status` is writable.
        let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
        if pid == task {
            return Some(status);
        }
        if pid < 0 && sys::errno() != libc::EINTR {
            return None;
        }
    }
}

/// Writes the status to the temp file and renames it into place, so readers see all or nothing.
fn write_status(p: &Prepared, status: c_int) {
    let Some(target) = &p.status else {
        return;
    };
    let mut buf = [0u8; 16];
    let len = format_status(status, &mut buf);
    let fd = target.fd.as_raw_fd();
    let written = write_all(fd, &buf[..len]);
    // SAFETY: our own fd and two NUL-terminated paths.
    let renamed = unsafe {
        libc::close(fd) == 0 && libc::rename(target.tmp.as_ptr(), target.path.as_ptr()) == 0
    };
    if !(written && renamed) {
        let message = b"modkit supervisor: cannot write the task's status file\n";
        // The task's stderr is where an operator looks; nothing more can be done.
        write_all(2, message);
    }
}

fn write_all(fd: RawFd, mut bytes: &[u8]) -> bool {
    while !bytes.is_empty() {
        // SAFETY: `bytes` is a live buffer of its length.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n < 0 {
            if sys::errno() == libc::EINTR {
                continue;
            }
            return false;
        }
        bytes = bytes.get(n as usize..).unwrap_or(&[]);
    }
    true
}
