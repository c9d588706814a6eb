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
