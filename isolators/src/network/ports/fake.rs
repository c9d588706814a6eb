//! A fake /proc for the scanner and isolator tests: processes with cgroup lines, socket
//! descriptors, a network namespace and its TCP tables.

use std::os::unix::fs::symlink;
use std::path::Path;

const TCP_HEADER: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

pub fn listener_line(port: u16, inode: u64) -> String {
    format!("   0: 00000000:{port:04X} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 {inode} 1 0000000000000000 100 0 0 10 0\n")
}

pub fn listener6_line(port: u16, inode: u64) -> String {
    format!("   0: 00000000000000000000000000000000:{port:04X} 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 {inode} 1 0000000000000000 100 0 0 10 0\n")
}

/// The agent's own view: its cgroup lines and cgroup mounts.
pub fn agent(proc: &Path, cgroup: &str, mountinfo: &str) {
    std::fs::create_dir_all(proc.join("self")).unwrap();
    std::fs::write(proc.join("self/mountinfo"), mountinfo).unwrap();
    std::fs::write(proc.join("self/cgroup"), cgroup).unwrap();
}

pub struct Process<'a> {
    pub pid: i32,
    pub cgroup: &'a str,
    pub sockets: &'a [u64],
    pub netns: &'a str,
    pub tcp: &'a str,
    pub tcp6: &'a str,
}

pub fn process(proc: &Path, p: Process<'_>) {
    let dir = proc.join(p.pid.to_string());
    for sub in ["fd", "ns", "net"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    std::fs::write(dir.join("cgroup"), p.cgroup).unwrap();
    symlink("/dev/null", dir.join("fd/0")).unwrap();
    for (n, inode) in p.sockets.iter().enumerate() {
        symlink(
            format!("socket:[{inode}]"),
            dir.join(format!("fd/{}", n + 3)),
        )
        .unwrap();
    }
    symlink(p.netns, dir.join("ns/net")).unwrap();
    std::fs::write(dir.join("net/tcp"), format!("{TCP_HEADER}{}", p.tcp)).unwrap();
    std::fs::write(dir.join("net/tcp6"), format!("{TCP_HEADER}{}", p.tcp6)).unwrap();
}

/// A real child process that opens an IPv4 loopback listener only after `place` has run
/// with its pid (as a container's task opens sockets after `isolate`); killed on drop.
pub struct Listening {
    pub pid: i32,
    pub port: u16,
}

impl Listening {
    pub fn spawn(place: impl FnOnce(i32)) -> Listening {
        let (mut go, mut port) = ([0i32; 2], [0i32; 2]);
        // SAFETY: pipe writes two descriptors into each array.
        unsafe {
            assert_eq!(libc::pipe2(go.as_mut_ptr(), libc::O_CLOEXEC), 0);
            assert_eq!(libc::pipe2(port.as_mut_ptr(), libc::O_CLOEXEC), 0);
        }
        // SAFETY: the child only makes async-signal-safe calls (read, socket, bind, listen,
        // getsockname, write, pause, _exit), as required after fork in a threaded process.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
        if pid == 0 {
            // SAFETY: see above; the child never returns into Rust code.
            unsafe { Self::child(go[0], port[1]) }
        }
        let mut child = Listening { pid, port: 0 };
        place(pid);
        let mut bytes = [0u8; 2];
        // SAFETY: plain reads and writes of local buffers on our own pipe ends.
        let read = unsafe {
            libc::close(go[0]);
            libc::close(port[1]);
            libc::write(go[1], [1u8].as_ptr().cast(), 1);
            let n = libc::read(port[0], bytes.as_mut_ptr().cast(), 2);
            libc::close(go[1]);
            libc::close(port[0]);
            n
        };
        assert_eq!(read, 2, "the listening child failed");
        child.port = u16::from_ne_bytes(bytes);
        child
    }

    /// # Safety
    /// Only in the child of a fork; never returns.
    unsafe fn child(go: i32, report: i32) -> ! {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        let mut byte = 0u8;
        if libc::read(go, (&mut byte as *mut u8).cast(), 1) != 1 {
            libc::_exit(1);
        }
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        let sockaddr = (&mut addr as *mut libc::sockaddr_in).cast::<libc::sockaddr>();
        if fd < 0
            || libc::bind(fd, sockaddr, len) != 0
            || libc::listen(fd, 1) != 0
            || libc::getsockname(fd, sockaddr, &mut len) != 0
        {
            libc::_exit(1);
        }
        let port = u16::from_be(addr.sin_port).to_ne_bytes();
        libc::write(report, port.as_ptr().cast(), 2);
        loop {
            libc::pause();
        }
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        // SAFETY: kill and waitpid have no memory effects; this is our child.
        unsafe {
            libc::kill(self.pid, libc::SIGKILL);
            libc::waitpid(self.pid, std::ptr::null_mut(), 0);
        }
    }
}
