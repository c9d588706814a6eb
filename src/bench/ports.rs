//! `modkit bench ports`: one network/ports scan of many containers, each a child process
//! holding real listening sockets (IPv4 and, where there is a loopback, IPv6), each in a pids
//! cgroup of its own when run as root (as the agent places them), else found by process tree.

use super::{time, Figure};
use clap::Args;
use modkit_cgroups::Cgroups;
use modkit_ffi::resources::Ranges;
use modkit_isolators::network::ports::{unallocated, PortScanner};
use std::net::{Ipv4Addr, Ipv6Addr, TcpListener};
use std::path::Path;
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
    #[error("cannot open listening socket {index} of container {container}: {source}")]
    Listen {
        container: usize,
        index: usize,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot fork container {container}: {source}")]
    Fork {
        container: usize,
        #[source]
        source: std::io::Error,
    },
    #[error("a scan found {found} of the {expected} listening sockets")]
    Missed { found: usize, expected: usize },
}

pub struct PortsReport {
    pub containers: usize,
    pub sockets: usize,
    /// How the scanner found each container's processes.
    pub placement: &'static str,
    pub median: Duration,
    pub slowest: Duration,
    pub fastest: Duration,
    /// CPU time (user and system, all threads) per scan: what a scan costs the host, and
    /// what the wall time comes down to on an idle machine.
    pub cpu: Duration,
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
}

/// The children and their cgroups; Drop kills, reaps and removes them all.
struct Containers {
    pids: Vec<i32>,
    ports: Vec<Ranges>,
    cgroups: Option<(Cgroups, String)>,
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
        if let Some((cgroups, root)) = &self.cgroups {
            if let Err(e) = cgroups.remove("pids", root) {
                eprintln!("bench ports: {e}");
            }
        }
    }
}

/// A pids cgroup root to put each container in, when we may.
fn bench_cgroups() -> Option<(Cgroups, String)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let cgroups = Cgroups::detect(Path::new("/sys/fs/cgroup")).ok()?;
    let root = format!("modkit-bench-ports-{}", std::process::id());
    (cgroups.supports("pids") && cgroups.create("pids", &root).is_ok()).then_some((cgroups, root))
}

fn listen(v6: bool) -> std::io::Result<TcpListener> {
    if v6 {
        TcpListener::bind((Ipv6Addr::LOCALHOST, 0))
    } else {
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
    }
}

/// Forks a child that holds `listeners` (and nothing else of ours that is new) until killed.
fn spawn(container: usize, listeners: Vec<TcpListener>) -> Result<i32, PortsBenchError> {
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the child only makes async-signal-safe calls (prctl, getppid, pause, _exit)
    // before it is killed, as required after fork in a multi-threaded process.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(PortsBenchError::Fork {
            container,
            source: std::io::Error::last_os_error(),
        });
    }
    if pid == 0 {
        // SAFETY: see above; the child never returns into Rust code.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if libc::getppid() != parent {
                libc::_exit(0);
            }
            loop {
                libc::pause();
            }
        }
    }
    // The parent's copies close here; the child keeps its own.
    drop(listeners);
    Ok(pid)
}

fn start(args: &PortsBenchArgs) -> Result<Containers, PortsBenchError> {
    let v6 = listen(true).is_ok();
    let mut containers = Containers {
        pids: Vec::new(),
        ports: Vec::new(),
        cgroups: bench_cgroups(),
    };
    for container in 0..args.containers {
        let mut listeners = Vec::new();
        let mut ports = Ranges::new();
        for index in 0..args.sockets {
            let listener =
                listen(v6 && index % 2 == 1).map_err(|source| PortsBenchError::Listen {
                    container,
                    index,
                    source,
                })?;
            let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
            ports.add(u64::from(port)..=u64::from(port));
            listeners.push(listener);
        }
        let pid = spawn(container, listeners)?;
        containers.pids.push(pid);
        containers.ports.push(ports);
        if let Some((cgroups, root)) = &containers.cgroups {
            let cgroup = format!("{root}/c{container}");
            let placed = cgroups
                .create("pids", &cgroup)
                .and_then(|_| cgroups.add_process("pids", &cgroup, pid));
            if let Err(e) = placed {
                eprintln!("bench ports: {e}; containers are found by process tree");
            }
        }
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
    // Distinct ports: an IPv4 and an IPv6 socket may share a port number.
    let expected: usize = containers.ports.iter().map(|p| p.len() as usize).sum();
    // As the isolator does: one batch per pass.
    let scan_all = || {
        let listening = scanner.scan().listening_all(&containers.pids);
        listening
            .iter()
            .zip(&containers.ports)
            .map(|(ports, allocated)| unallocated(ports, allocated, None).len())
            .sum::<usize>()
    };
    // Warm up, and check that every socket is seen: with no ports given, all of them are
    // violations (sockets a child inherited from elsewhere in this process may add more).
    let found: usize = scanner
        .scan()
        .listening_all(&containers.pids)
        .iter()
        .zip(&containers.ports)
        .map(|(listening, ports)| unallocated(listening, &Ranges::new(), Some(ports)).len())
        .sum();
    if found != expected {
        return Err(PortsBenchError::Missed { found, expected });
    }
    let scans = args.scans.max(1);
    let cpu_before = cpu_time();
    let mut runs: Vec<Duration> = (0..scans).map(|_| time(scan_all).1).collect();
    let cpu = cpu_time().saturating_sub(cpu_before) / scans as u32;
    runs.sort_unstable();
    Ok(PortsReport {
        containers: args.containers,
        sockets: args.sockets,
        placement: if containers.cgroups.is_some() {
            "pids cgroups"
        } else {
            "process trees"
        },
        median: runs[runs.len() / 2],
        fastest: runs[0],
        cpu,
        slowest: runs[runs.len() - 1],
        children: containers.pids.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
