use super::*;
use crate::network::ports::fake::{self, listener6_line, listener_line, Process};

#[test]
fn container_processes_from_its_cgroup_with_their_own_namespace() {
    let proc = tempfile::tempdir().unwrap();
    let cgroupfs = tempfile::tempdir().unwrap();
    let container = cgroupfs.path().join("pids/modkit/c1");
    std::fs::create_dir_all(container.join("sub")).unwrap();
    std::fs::write(container.join("cgroup.procs"), "100\n").unwrap();
    std::fs::write(container.join("sub/cgroup.procs"), "101\n").unwrap();
    fake::agent(
        proc.path(),
        "8:pids:/\n",
        &format!(
            "37 31 0:34 / {} rw - cgroup cgroup rw,pids\n",
            cgroupfs.path().join("pids").display()
        ),
    );
    // 100 and 101 share a namespace whose table also lists a socket of someone else (777).
    let tcp = format!("{}{}", listener_line(8080, 555), listener_line(9999, 777));
    let tcp6 = listener6_line(8443, 556);
    let member = |pid, cgroup, sockets| Process {
        pid,
        cgroup,
        sockets,
        netns: "net:[1]",
        tcp: &tcp,
        tcp6: &tcp6,
    };
    fake::process(proc.path(), member(100, "8:pids:/modkit/c1\n", &[555, 42]));
    fake::process(proc.path(), member(101, "8:pids:/modkit/c1/sub\n", &[556]));
    // Another container in another namespace, on the same socket inode number.
    let other = listener_line(7000, 555);
    fake::process(
        proc.path(),
        Process {
            pid: 200,
            cgroup: "8:pids:/\n",
            sockets: &[555],
            netns: "net:[2]",
            tcp: &other,
            tcp6: "",
        },
    );
    let scanner = PortScanner::at(proc.path());
    let mut scan = scanner.scan();
    let mut members = scan.processes(100);
    members.sort_unstable();
    assert_eq!(members, [100, 101]);
    assert_eq!(scan.listening(100), BTreeSet::from([8080, 8443]));
    // 200 has no cgroup of its own: its process tree (no stat files here, so just itself).
    assert_eq!(scan.listening(200), BTreeSet::from([7000]));
    assert!(scan.listening(300).is_empty(), "gone");
}

#[test]
fn own_real_listeners_ipv4_and_ipv6() {
    let v4 = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let v6 = match std::net::TcpListener::bind("[::1]:0") {
        Ok(l) => Some(l),
        Err(e) => {
            eprintln!("no IPv6 loopback ({e}): checking IPv4 only");
            None
        }
    };
    let scanner = PortScanner::default();
    let ports = scanner.scan().listening(std::process::id() as i32);
    assert!(
        ports.contains(&v4.local_addr().unwrap().port()),
        "{ports:?}"
    );
    if let Some(v6) = v6 {
        assert!(
            ports.contains(&v6.local_addr().unwrap().port()),
            "{ports:?}"
        );
    }
    // A connected (not listening) socket is not reported.
    let client = std::net::TcpStream::connect(v4.local_addr().unwrap()).unwrap();
    let ports_now = scanner.scan().listening(std::process::id() as i32);
    assert!(!ports_now.contains(&client.local_addr().unwrap().port()));
}

/// A batch large enough to be read on several threads: each container's ports come back in
/// the order asked, a gone container is empty, and the cgroup found first is reused.
#[test]
fn a_large_batch_keeps_each_container_apart() {
    let proc = tempfile::tempdir().unwrap();
    let cgroupfs = tempfile::tempdir().unwrap();
    fake::agent(
        proc.path(),
        "8:pids:/\n",
        &format!(
            "37 31 0:34 / {} rw - cgroup cgroup rw,pids\n",
            cgroupfs.path().join("pids").display()
        ),
    );
    let count = 3 * PER_THREAD;
    let mut tcp = String::new();
    for n in 0..count {
        tcp.push_str(&listener_line(10_000 + n as u16, 1_000 + n as u64));
    }
    let mut pids = Vec::new();
    for n in 0..count {
        let pid = 1_000 + n as i32;
        let cgroup = cgroupfs.path().join(format!("pids/modkit/c{n}"));
        std::fs::create_dir_all(&cgroup).unwrap();
        std::fs::write(cgroup.join("cgroup.procs"), format!("{pid}\n")).unwrap();
        fake::process(
            proc.path(),
            Process {
                pid,
                cgroup: &format!("8:pids:/modkit/c{n}\n"),
                sockets: &[1_000 + n as u64],
                netns: "net:[1]",
                tcp: &tcp,
                tcp6: "",
            },
        );
        pids.push(pid);
    }
    pids.push(99_999);
    let scanner = PortScanner::at(proc.path());
    for _ in 0..2 {
        let listening = scanner.scan().listening_all(&pids);
        assert_eq!(listening.len(), count + 1);
        for (n, ports) in listening[..count].iter().enumerate() {
            assert_eq!(*ports, BTreeSet::from([10_000 + n as u16]), "container {n}");
        }
        assert!(listening[count].is_empty(), "gone");
    }
    // A process that left its cgroup is looked up again, not found in the old one.
    let first = cgroupfs.path().join("pids/modkit/c0/cgroup.procs");
    std::fs::write(&first, "").unwrap();
    std::fs::write(proc.path().join("1000/cgroup"), "8:pids:/\n").unwrap();
    let listening = scanner.scan().listening_all(&pids[..1]);
    assert_eq!(listening[0], BTreeSet::from([10_000]), "by process tree");
}

/// Targets without a cgroup2 directory, or whose directory is gone, are scanned by
/// descriptor, as `listening_all` scans them.
#[test]
fn targets_without_a_cgroup2_directory_fall_back_to_descriptors() {
    let proc = tempfile::tempdir().unwrap();
    let cgroupfs = tempfile::tempdir().unwrap();
    fake::agent(proc.path(), "8:pids:/\n", "");
    let tcp = format!("{}{}", listener_line(8080, 555), listener_line(9090, 556));
    for (pid, socket) in [(100, 555), (200, 556)] {
        fake::process(
            proc.path(),
            Process {
                pid,
                cgroup: "8:pids:/\n",
                sockets: &[socket],
                netns: "net:[1]",
                tcp: &tcp,
                tcp6: "",
            },
        );
    }
    // An empty directory: nobody placed yet.
    let empty = cgroupfs.path().join("c2");
    std::fs::create_dir(&empty).unwrap();
    let targets = [
        Target {
            pid: 100,
            cgroup: None,
        },
        Target {
            pid: 200,
            cgroup: Some(empty),
        },
        Target {
            pid: 300,
            cgroup: Some(cgroupfs.path().join("gone")),
        },
    ];
    let scanner = PortScanner::at(proc.path());
    let listening = scanner.scan().listening_targets(&targets);
    assert_eq!(
        listening,
        [
            BTreeSet::from([8080]),
            BTreeSet::from([9090]),
            BTreeSet::new()
        ]
    );
    assert_eq!(listening, scanner.scan().listening_all(&[100, 200, 300]));
}

/// Processes placed in a cgroup2 directory but (in this fake /proc) not in the agent's
/// network namespace are read by descriptor, in their own namespace's table.
#[test]
fn placed_processes_in_another_namespace_are_read_by_descriptor() {
    let proc = tempfile::tempdir().unwrap();
    let cgroupfs = tempfile::tempdir().unwrap();
    fake::agent(proc.path(), "8:pids:/\n", "");
    let dir = cgroupfs.path().join("c1");
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("cgroup.procs"), "100\n").unwrap();
    std::fs::write(dir.join("nested/cgroup.procs"), "101\n").unwrap();
    let tcp = format!("{}{}", listener_line(8080, 555), listener_line(8081, 556));
    for (pid, socket) in [(100, 555), (101, 556)] {
        fake::process(
            proc.path(),
            Process {
                pid,
                cgroup: "8:pids:/\n",
                sockets: &[socket],
                netns: "net:[9]",
                tcp: &tcp,
                tcp6: "",
            },
        );
    }
    let scanner = PortScanner::at(proc.path());
    let listening = scanner.scan().listening_targets(&[Target {
        pid: 100,
        cgroup: Some(dir),
    }]);
    assert_eq!(listening, [BTreeSet::from([8080, 8081])]);
}
