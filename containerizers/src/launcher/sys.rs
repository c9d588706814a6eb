//! Raw system calls for the code between fork and exec. glibc's wrappers for set*id broadcast to
//! the threads it believes exist (the agent's, which are gone in the child) under a lock another
//! thread may have held at the fork; the kernel calls below act on the calling process only and
//! take no lock, so they are async-signal-safe in a child of a multi-threaded agent.

use libc::{c_int, c_long, c_uint, c_ulong};

use super::prepare::Rlimit64;

/// The calling thread's errno.
pub(crate) fn errno() -> c_int {
    // SAFETY: __errno_location returns this thread's errno slot, always valid.
    unsafe { *libc::__errno_location() }
}

pub(crate) fn set_errno(value: c_int) {
    // SAFETY: as in `errno`.
    unsafe { *libc::__errno_location() = value }
}

/// `Ok(return value)` or `Err(errno)`.
fn check(rc: c_long) -> Result<c_long, c_int> {
    if rc < 0 {
        Err(errno())
    } else {
        Ok(rc)
    }
}

/// A fork-like `clone(2)` (NULL stack: the child runs on a copy of the caller's) into the
/// namespaces of `flags`. Returns 0 in the child and the child's pid in the parent.
///
/// # Safety
/// In a multi-threaded process the child may only use async-signal-safe operations until it
/// execs or exits: no allocation, no locks, no unwinding, no return into code that does any.
pub(crate) unsafe fn clone_process(flags: c_int) -> Result<libc::pid_t, c_int> {
    let flags = (flags | libc::SIGCHLD) as c_ulong;
    // SAFETY: no CLONE_VM, no stack and no tid pointers: the kernel copies the address space as
    // for fork(2); the caller upholds the rules for the child.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_clone,
            flags,
            0 as c_ulong,
            0 as c_ulong,
            0 as c_ulong,
            0 as c_ulong,
        )
    };
    check(rc).map(|pid| pid as libc::pid_t)
}

/// `CLONE_INTO_CGROUP` of `<linux/sched.h>` (Linux 5.7); above 32 bits, so clone3 only.
pub(crate) const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;

/// `struct clone_args` up to `cgroup` (`CLONE_ARGS_SIZE_VER2`, 88 bytes): every field is an
/// `__aligned_u64`, the same on every architecture.
#[repr(C, align(8))]
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct CloneArgs {
    pub flags: u64,
    pub pidfd: u64,
    pub child_tid: u64,
    pub parent_tid: u64,
    pub exit_signal: u64,
    pub stack: u64,
    pub stack_size: u64,
    pub tls: u64,
    pub set_tid: u64,
    pub set_tid_size: u64,
    pub cgroup: u64,
}

/// A fork-like `clone3(2)` (no stack: the child runs on a copy of the caller's) into the
/// namespaces of `flags` and the cgroup v2 directory open as `cgroup_fd`, so the child is born
/// there. Returns 0 in the child and the child's pid in the parent.
///
/// # Safety
/// As for [`clone_process`].
pub(crate) unsafe fn clone_into_cgroup(
    flags: c_int,
    cgroup_fd: std::os::fd::RawFd,
) -> Result<libc::pid_t, c_int> {
    let args = CloneArgs {
        // The namespace flags are all below bit 31; the cast keeps them.
        flags: (flags as u32 as u64) | CLONE_INTO_CGROUP,
        exit_signal: libc::SIGCHLD as u64,
        cgroup: cgroup_fd as u64,
        ..CloneArgs::default()
    };
    // SAFETY: `args` is a live, 8-aligned clone_args of the size passed; no CLONE_VM, stack or
    // tid pointers: the kernel copies the address space as for fork(2); the caller upholds the
    // rules for the child.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_clone3,
            &args as *const CloneArgs,
            std::mem::size_of::<CloneArgs>(),
        )
    };
    check(rc).map(|pid| pid as libc::pid_t)
}

pub(crate) fn getpid() -> libc::pid_t {
    // SAFETY: getpid has no arguments and cannot fail.
    unsafe { libc::syscall(libc::SYS_getpid) as libc::pid_t }
}

pub(crate) fn getppid() -> libc::pid_t {
    // SAFETY: getppid has no arguments and cannot fail.
    unsafe { libc::syscall(libc::SYS_getppid) as libc::pid_t }
}

pub(crate) fn setgroups(groups: &[libc::gid_t]) -> Result<(), c_int> {
    // SAFETY: the kernel reads `groups.len()` gids from the slice.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_setgroups,
            groups.len() as c_ulong,
            groups.as_ptr(),
        )
    };
    check(rc).map(drop)
}

pub(crate) fn setresgid(gid: libc::gid_t) -> Result<(), c_int> {
    let gid = gid as c_ulong;
    // SAFETY: plain integer arguments.
    let rc = unsafe { libc::syscall(libc::SYS_setresgid, gid, gid, gid) };
    check(rc).map(drop)
}

pub(crate) fn setresuid(uid: libc::uid_t) -> Result<(), c_int> {
    let uid = uid as c_ulong;
    // SAFETY: plain integer arguments.
    let rc = unsafe { libc::syscall(libc::SYS_setresuid, uid, uid, uid) };
    check(rc).map(drop)
}

/// Sets a limit of the calling process.
pub(crate) fn prlimit(resource: c_int, limit: &Rlimit64) -> Result<(), c_int> {
    // SAFETY: `limit` is a valid struct rlimit64; pid 0 is the caller; the old value is not read.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_prlimit64,
            0 as c_ulong,
            resource as c_ulong,
            limit as *const Rlimit64,
            std::ptr::null_mut::<Rlimit64>(),
        )
    };
    check(rc).map(drop)
}

/// The soft limit on open files (to bound the fallback of `close_range`).
pub(crate) fn nofile_limit() -> u64 {
    let mut limit = Rlimit64 { cur: 0, max: 0 };
    // SAFETY: `limit` is writable; no new value is set.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_prlimit64,
            0 as c_ulong,
            libc::RLIMIT_NOFILE as c_ulong,
            std::ptr::null::<Rlimit64>(),
            &mut limit as *mut Rlimit64,
        )
    };
    if rc < 0 {
        1024
    } else {
        limit.cur
    }
}

/// Closes every fd in `first..=last` (`close_range(2)`, or one by one on kernels before 5.9).
pub(crate) fn close_range(first: c_uint, last: c_uint) -> Result<(), c_int> {
    if first > last {
        return Ok(());
    }
    // SAFETY: integer arguments; closing fds the child does not use is the point.
    let rc = unsafe { libc::syscall(libc::SYS_close_range, first, last, 0 as c_uint) };
    match check(rc) {
        Ok(_) => Ok(()),
        Err(libc::ENOSYS) => {
            let end = nofile_limit().min(u64::from(last) + 1).min(1 << 20) as c_uint;
            let mut fd = first;
            while fd < end {
                // SAFETY: as above; EBADF for fds that are not open is expected.
                unsafe { libc::close(fd as c_int) };
                fd += 1;
            }
            Ok(())
        }
        Err(errno) => Err(errno),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clone_args_has_the_kernels_ver2_layout() {
        assert_eq!(std::mem::size_of::<CloneArgs>(), 88);
        assert_eq!(std::mem::offset_of!(CloneArgs, exit_signal), 32);
        assert_eq!(std::mem::offset_of!(CloneArgs, cgroup), 80);
        assert_eq!(CLONE_INTO_CGROUP, 1 << 33);
    }
}
