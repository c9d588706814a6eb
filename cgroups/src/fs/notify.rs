//! The kernel's OOM notification channels, each paired with an eventfd that cancels the wait.

use super::{OomNotifier, Wake};
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::time::Duration;

fn eventfd(flags: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: eventfd(2) takes no pointers.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Reads (and so resets) an eventfd or drains an inotify fd; both are non-blocking here.
fn drain(fd: RawFd) {
    let mut buf = [0u8; 4096];
    loop {
        // SAFETY: `buf` is writable for its length; `fd` is open for the life of the caller.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            return;
        }
    }
}

/// An eventfd that cancels a wait; stays readable once written, so every later wait sees it.
#[derive(Debug)]
struct Cancel(OwnedFd);

impl Cancel {
    fn new() -> io::Result<Cancel> {
        Ok(Cancel(eventfd(libc::EFD_NONBLOCK)?))
    }

    fn fire(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 readable bytes to an eventfd we own.
        unsafe {
            libc::write(
                self.0.as_raw_fd(),
                (&one as *const u64).cast(),
                std::mem::size_of::<u64>(),
            )
        };
    }

    /// Waits for `fd` or the cancel fd to become readable.
    fn poll(&self, fd: RawFd, timeout: Duration) -> io::Result<Wake> {
        let mut fds = [
            libc::pollfd {
                fd: self.0.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        let millis = timeout.as_millis().min(i32::MAX as u128) as libc::c_int;
        // SAFETY: `fds` is a valid array of two pollfd for the call.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, millis) };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::Interrupted => Ok(Wake::TimedOut),
                _ => Err(e),
            };
        }
        if fds[0].revents != 0 {
            return Ok(Wake::Cancelled);
        }
        if fds[1].revents != 0 {
            drain(fd);
            return Ok(Wake::Signalled);
        }
        Ok(Wake::TimedOut)
    }
}

/// cgroup v1: an eventfd registered for `memory.oom_control` through `cgroup.event_control`.
/// The kernel signals it on OOM and when the cgroup is removed.
#[derive(Debug)]
pub struct OomEventfd {
    event: OwnedFd,
    /// The kernel ties the registration to this open file; it must outlive the eventfd.
    _oom_control: File,
    cancel: Cancel,
}

impl OomEventfd {
    pub fn register(dir: &Path) -> io::Result<OomEventfd> {
        let event = eventfd(libc::EFD_NONBLOCK)?;
        let oom_control = File::open(dir.join("memory.oom_control"))?;
        let line = format!("{} {}", event.as_raw_fd(), oom_control.as_raw_fd());
        std::fs::OpenOptions::new()
            .write(true)
            .open(dir.join("cgroup.event_control"))?
            .write_all(line.as_bytes())?;
        Ok(OomEventfd {
            event,
            _oom_control: oom_control,
            cancel: Cancel::new()?,
        })
    }
}

impl OomNotifier for OomEventfd {
    fn wait(&self, timeout: Duration) -> io::Result<Wake> {
        self.cancel.poll(self.event.as_raw_fd(), timeout)
    }

    fn cancel(&self) {
        self.cancel.fire()
    }
}

/// cgroup v2: inotify on `memory.events`, which the kernel marks modified when a counter moves
/// and which disappears with the cgroup.
#[derive(Debug)]
pub struct Inotify {
    fd: OwnedFd,
    cancel: Cancel,
}

impl Inotify {
    pub fn watch(file: &Path) -> io::Result<Inotify> {
        // SAFETY: inotify_init1(2) takes no pointers.
        let raw = unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` was just opened and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let c_path = std::ffi::CString::new(file.as_os_str().as_encoded_bytes())
            .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        let mask = libc::IN_MODIFY | libc::IN_DELETE_SELF | libc::IN_IGNORED;
        // SAFETY: `fd` is an inotify fd and `c_path` a valid NUL-terminated string.
        if unsafe { libc::inotify_add_watch(fd.as_raw_fd(), c_path.as_ptr(), mask) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Inotify {
            fd,
            cancel: Cancel::new()?,
        })
    }
}

impl OomNotifier for Inotify {
    fn wait(&self, timeout: Duration) -> io::Result<Wake> {
        self.cancel.poll(self.fd.as_raw_fd(), timeout)
    }

    fn cancel(&self) {
        self.cancel.fire()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inotify_wakes_on_modification_and_cancel_sticks() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("memory.events");
        std::fs::write(&file, "oom 0\n").unwrap();
        let watch = Inotify::watch(&file).unwrap();
        assert_eq!(
            watch.wait(Duration::from_millis(1)).unwrap(),
            Wake::TimedOut
        );
        std::fs::write(&file, "oom 1\n").unwrap();
        assert_eq!(watch.wait(Duration::from_secs(5)).unwrap(), Wake::Signalled);
        watch.cancel();
        assert_eq!(watch.wait(Duration::from_secs(5)).unwrap(), Wake::Cancelled);
        assert_eq!(watch.wait(Duration::from_secs(5)).unwrap(), Wake::Cancelled);
    }

    #[test]
    fn eventfd_registration_fails_without_a_memory_cgroup() {
        let dir = tempfile::tempdir().unwrap();
        let e = OomEventfd::register(dir.path()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }
}
