//! `modkit bench ports`: one network/ports scan of many containers, each a child process
//! holding real listening sockets (IPv4 and, where there is a loopback, IPv6). As root with a
//! cgroup2 hierarchy each child is placed as the isolator places a container, in a cgroup2
//! directory of its own before it opens its sockets, and scanned by cgroup id; the descriptor
//! walk (the fallback) is timed on the same children for comparison. Otherwise the children are
//! found by process tree and only the walk is timed.

use super::{time, Figure};
use clap::Args;
use modkit_ffi::resources::Ranges;
use modkit_isolators::network::ports::{
    add_process, unallocated, PortScanner, Target, UnifiedCgroups,
};
use std::time::Duration;

/// The target for one scan of 100 containers × 10 sockets.
pub const TARGET_SCAN: Duration = Duration::from_millis(5);

#[derive(Args, Debug, Clone)]
pub struct PortsBenchArgs {
    /// Containers (child processes).
    #[arg(long = "containers", env = "MODKIT_CONTAINERS", default_value_t = 100)]
    pub containers: usize,
    /// Listening sockets per container (half IPv6 where possible).
    #[arg(long = "sockets", env = "MODKIT_SOCKETS", default_value_t = 10)]
    pub sockets: usize,
    /// Scans timed (the median and the slowest are reported).
    #[arg(long = "scans", env = "MODKIT_SCANS", default_value_t = 50)]
    pub scans: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PortsBenchError {
    #[error("container {container} could not open its listening sockets")]
    Listen { container: usize },
    #[error("cannot fork container {container}: {source}")]
    Fork {
        container: usize,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot make a pipe for container {container}: {source}")]
    Pipe {
        container: usize,
        #[source]
        source: std::io::Error,
    },
    #[error("{how}: a scan found {found} of the {expected} listening sockets")]
    Missed {
        how: &'static str,
        found: usize,
        expected: usize,
    },
}

pub struct PortsReport {
    pub containers: usize,
    pub sockets: usize,
    /// How the scanner found each container's sockets.
    pub placement: &'static str,
    pub median: Duration,
    pub slowest: Duration,
    pub fastest: Duration,
    /// CPU time (user and system, all threads) per scan: what a scan costs the host, and
    /// what the wall time comes down to on an idle machine.
    pub cpu: Duration,
    /// The median of the descriptor walk over the same containers, when the main figure is
    /// the cgroup-id scan.
    pub walk: Option<Duration>,
    /// The containers' processes, all killed and reaped by now.
    pub children: Vec<i32>,
}

impl PortsReport {
    pub fn figure(&self) -> Figure {
        Figure {
            name: format!(
                "network/ports scan: {} containers x {} sockets ({})",
                self.containers, self.sockets, self.placement
            ),
            measured: self.median,
            mesos: None,
            target: Some(TARGET_SCAN),
        }
    }

    /// The descriptor walk on the same containers, if it was timed apart.
    pub fn walk_figure(&self) -> Option<Figure> {
        Some(Figure {
            name: format!(
                "network/ports scan: {} containers x {} sockets (fallback: descriptor walk)",
                self.containers, self.sockets
            ),
            measured: self.walk?,
            mesos: None,
            target: Some(TARGET_SCAN),
        })
    }
}

/// The children and their cgroup2 directories; Drop kills, reaps and removes them all.
struct Containers {
    pids: Vec<i32>,
    ports: Vec<Ranges>,
    unified: Option<UnifiedCgroups>,
    targets: Vec<Target>,
}

impl Drop for Containers {
    fn drop(&mut self) {
        for pid in &self.pids {
            // SAFETY: kill and waitpid have no memory effects; these are our children.
            unsafe {
                libc::kill(*pid, libc::SIGKILL);
                libc::waitpid(*pid, std::ptr::null_mut(), 0);
            }
        }
        if let Some(unified) = &self.unified {
            for n in 0..self.pids.len() {
                if let Err(e) = unified.remove(&format!("c{n}")) {
                    eprintln!("bench ports: {e}");
                }
            }
            let _ = std::fs::remove_dir(unified.root());
        }
    }
}

/// Where to place each container, as the isolator does, when we may.
fn bench_cgroups() -> Option<UnifiedCgroups> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    UnifiedCgroups::detect(&format!("modkit-bench-ports-{}", std::process::id()))
}

/// The child: waits for `go`, opens `sockets` listeners on the loopback (every other one
/// IPv6 when `v6`), writes each port to `report`, then waits to be killed.
///
/// # Safety
/// Only in the child of a fork: async-signal-safe calls only; never returns.
unsafe fn child(go: i32, report: i32, sockets: usize, v6: bool) -> ! {
    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    let mut byte = 0u8;
    if libc::read(go, (&mut byte as *mut u8).cast(), 1) != 1 {
        libc::_exit(1);
    }
    for index in 0..sockets {
        let port = if v6 && index % 2 == 1 {
            let mut addr: libc::sockaddr_in6 = std::mem::zeroed();
            addr.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            addr.sin6_addr.s6_addr[15] = 1;
            listen(libc::AF_INET6, &mut addr).map(|()| addr.sin6_port)
        } else {
            let mut addr: libc::sockaddr_in = std::mem::zeroed();
            addr.sin_family = libc::AF_INET as libc::sa_family_t;
            addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
            listen(libc::AF_INET, &mut addr).map(|()| addr.sin_port)
        };
        let Some(port) = port else {
            libc::_exit(1);
        };
        let bytes = u16::from_be(port).to_ne_bytes();
        libc::write(report, bytes.as_ptr().cast(), 2);
    }
    libc::close(report);
    loop {
        libc::pause();
    }
}

/// A listener on `addr` (port 0), whose port is written back into `addr`.
///
/// # Safety
/// `T` is the sockaddr type of `family`.
unsafe fn listen<T>(family: libc::c_int, addr: &mut T) -> Option<()> {
    let fd = libc::socket(family, libc::SOCK_STREAM, 0);
    let mut len = std::mem::size_of::<T>() as libc::socklen_t;
    let sockaddr = (addr as *mut T).cast::<libc::sockaddr>();
    (fd >= 0
        && libc::bind(fd, sockaddr, len) == 0
        && libc::listen(fd, 16) == 0
        && libc::getsockname(fd, sockaddr, &mut len) == 0)
        .then_some(())
}

fn pipe(container: usize) -> Result<[i32; 2], PortsBenchError> {
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(PortsBenchError::Pipe {
            container,
            source: std::io::Error::last_os_error(),
        });
    }
    Ok(fds)
}

/// Forks container `container`, places it in its cgroup2 directory (when there is one), then
/// lets it open its sockets; their ports.
fn spawn(
    containers: &mut Containers,
    container: usize,
    sockets: usize,
    v6: bool,
) -> Result<Ranges, PortsBenchError> {
    let go = pipe(container)?;
    let report = pipe(container)?;
    // SAFETY: the child only makes async-signal-safe calls (see `child`).
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: in the child; it never returns into Rust code.
        unsafe { child(go[0], report[1], sockets, v6) }
    }
    let forked = std::io::Error::last_os_error();
    // SAFETY: closing the ends this process does not use.
    unsafe {
        libc::close(go[0]);
        libc::close(report[1]);
    }
    if pid < 0 {
        return Err(PortsBenchError::Fork {
            container,
            source: forked,
        });
    }
    containers.pids.push(pid);
    let mut target = Target { pid, cgroup: None };
    if let Some(unified) = &containers.unified {
        let placed = unified
            .create(&format!("c{container}"))
            .and_then(|dir| add_process(&dir, pid).map(|()| dir));
        match placed {
            Ok(dir) => target.cgroup = Some(dir),
            Err(e) => eprintln!("bench ports: {e}; container {container} is found by process tree"),
        }
    }
    containers.targets.push(target);
    let mut ports = Ranges::new();
    let mut bytes = vec![0u8; 2 * sockets];
    // SAFETY: plain writes and reads of local buffers on our own pipe ends.
    let read = unsafe {
        libc::write(go[1], [1u8].as_ptr().cast(), 1);
        libc::close(go[1]);
        let mut read = 0;
        while read < bytes.len() {
            let n = libc::read(
                report[0],
                bytes[read..].as_mut_ptr().cast(),
                bytes.len() - read,
            );
            if n <= 0 {
                break;
            }
            read += n as usize;
        }
        libc::close(report[0]);
        read
    };
    if read < bytes.len() {
        return Err(PortsBenchError::Listen { container });
    }
    for port in bytes.chunks(2).map(|b| u16::from_ne_bytes([b[0], b[1]])) {
        ports.add(u64::from(port)..=u64::from(port));
    }
    Ok(ports)
}

fn start(args: &PortsBenchArgs) -> Result<Containers, PortsBenchError> {
    let v6 = std::net::TcpListener::bind((std::net::Ipv6Addr::LOCALHOST, 0)).is_ok();
    let mut containers = Containers {
        pids: Vec::new(),
        ports: Vec::new(),
        unified: bench_cgroups(),
        targets: Vec::new(),
    };
    for container in 0..args.containers {
        let ports = spawn(&mut containers, container, args.sockets, v6)?;
        containers.ports.push(ports);
    }
    Ok(containers)
}

/// User and system time of this process so far, all threads (the children only pause).
fn cpu_time() -> Duration {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `usage` is writable for one `struct rusage`.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) } != 0 {
        return Duration::ZERO;
    }
    // SAFETY: getrusage succeeded and filled it.
    let usage = unsafe { usage.assume_init() };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

pub fn run_ports_benchmark(args: &PortsBenchArgs) -> Result<PortsReport, PortsBenchError> {
    let containers = start(args)?;
    let scanner = PortScanner::default();
    let by_cgroup = containers.targets.iter().all(|t| t.cgroup.is_some());
    // Distinct ports: an IPv4 and an IPv6 socket may share a port number.
    let expected: usize = containers.ports.iter().map(|p| p.len() as usize).sum();
    // As the isolator does: one batch per pass, then the check against the allocation.
    let check = |listening: Vec<std::collections::BTreeSet<u16>>| {
        listening
            .iter()
            .zip(&containers.ports)
            .map(|(ports, allocated)| unallocated(ports, allocated, None).len())
            .sum::<usize>()
    };
    let targets = || check(scanner.scan().listening_targets(&containers.targets));
    let walk = || check(scanner.scan().listening_all(&containers.pids));
    // Warm up, and check that every socket is seen both ways: with no ports given, all of
    // them are violations.
    let found = |listening: Vec<std::collections::BTreeSet<u16>>| -> usize {
        listening
            .iter()
            .zip(&containers.ports)
            .map(|(listening, ports)| unallocated(listening, &Ranges::new(), Some(ports)).len())
            .sum()
    };
    let seen = [
        (
            "by cgroup id",
            found(scanner.scan().listening_targets(&containers.targets)),
        ),
        (
            "by descriptor",
            found(scanner.scan().listening_all(&containers.pids)),
        ),
    ];
    for (how, found) in seen {
        if found != expected {
            return Err(PortsBenchError::Missed {
                how,
                found,
                expected,
            });
        }
    }
    let scans = args.scans.max(1);
    let median = |scan: &dyn Fn() -> usize| -> (Vec<Duration>, Duration) {
        let cpu_before = cpu_time();
        let mut runs: Vec<Duration> = (0..scans).map(|_| time(scan).1).collect();
        let cpu = cpu_time().saturating_sub(cpu_before) / scans as u32;
        runs.sort_unstable();
        (runs, cpu)
    };
    let (runs, cpu) = median(&targets);
    let walked = by_cgroup.then(|| median(&walk).0[scans / 2]);
    Ok(PortsReport {
        containers: args.containers,
        sockets: args.sockets,
        placement: if by_cgroup {
            "cgroup2 directories, by socket cgroup id"
        } else {
            "process trees, by descriptor"
        },
        median: runs[runs.len() / 2],
        fastest: runs[0],
        cpu,
        slowest: runs[runs.len() - 1],
        walk: walked,
        children: containers.pids.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_small_scan_finds_every_socket_and_leaves_no_child() {
        let args = PortsBenchArgs {
            containers: 3,
            sockets: 4,
            scans: 2,
        };
        let report = run_ports_benchmark(&args).unwrap();
        assert_eq!(report.containers, 3);
        assert!(report.slowest >= report.median);
        assert!(report.median >= report.fastest);
        assert_eq!(report.children.len(), 3);
        for pid in &report.children {
            assert!(
                !Path::new(&format!("/proc/{pid}")).exists(),
                "child {pid} is left"
            );
        }
        // As root with a cgroup2 hierarchy, the isolator's path, and no directory left.
        if let Some(unified) = bench_cgroups() {
            assert!(
                report.placement.contains("cgroup id"),
                "{}",
                report.placement
            );
            assert!(report.walk.is_some());
            assert!(
                !unified.root().exists(),
                "{} left",
                unified.root().display()
            );
        }
    }
}
