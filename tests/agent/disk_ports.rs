//! `disk/du` and `network/ports` through a real agent: quotas that hold or only report, tasks
//! listening on ports they were or were not given (IPv4 and IPv6).

use crate::harness::{eventually, pid_alive, require, Agent, Sandbox};
use serde_json::Value;
use std::net::{Ipv4Addr, Ipv6Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(30);

/// Writes 20 MB into the sandbox, then waits to be stopped.
const WRITE_20MB: &str = "head -c 20971520 /dev/zero > blob && sleep 60";

#[test]
fn disk_quota_enforced_fails_the_task_with_the_disk_reason() {
    require!("freezer");
    let sandbox = Sandbox::new();
    let agent = Agent::start(
        &sandbox,
        "disk/du",
        &[
            "--container_disk_watch_interval=100ms",
            "--enforce_container_disk_quota",
        ],
    );
    assert_eq!(
        agent.launch("big", WRITE_20MB, "cpus:0.1;mem:64;disk:10").0,
        200
    );
    let end = agent.wait("big");
    assert_eq!(end["state"], "TASK_FAILED", "{end}");
    assert_eq!(end["reason"], "REASON_CONTAINER_LIMITATION_DISK", "{end}");
    let message = end["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Disk usage (") && message.ends_with(") exceeds quota (10MB)"),
        "{message}"
    );
    sandbox.assert_clean();
}

#[test]
fn disk_usage_without_enforcement_is_reported_and_the_task_lives() {
    require!("freezer");
    // posix/disk is the deprecated name of the same isolator.
    for isolator in ["disk/du", "posix/disk"] {
        let sandbox = Sandbox::new();
        let agent = Agent::start(
            &sandbox,
            isolator,
            &["--container_disk_watch_interval=100ms"],
        );
        assert_eq!(
            agent.launch("big", WRITE_20MB, "cpus:0.1;mem:64;disk:10").0,
            200
        );
        let stats = eventually(PATIENCE, || {
            let s = agent.statistics("big");
            (s["disk_used_bytes"].as_u64()? >= 20 << 20).then_some(s)
        })
        .unwrap_or_else(|| panic!("{isolator}: no disk_used_bytes of 20 MB"));
        assert_eq!(stats["disk_limit_bytes"], 10 << 20, "{isolator}: {stats}");
        // Several more walks over quota: still running.
        std::thread::sleep(Duration::from_millis(500));
        assert!(running(&agent, "big"), "{isolator}: the task was stopped");
        assert_eq!(agent.kill("big", None), 200);
        assert_eq!(agent.wait("big")["state"], "TASK_KILLED");
        sandbox.assert_clean();
    }
}

/// Listed by the agent and its process alive.
fn running(agent: &Agent, id: &str) -> bool {
    agent.containers().iter().any(|c| {
        c["container_id"]["value"] == id
            && c["container_status"]["executor_pid"]
                .as_i64()
                .map_or(true, pid_alive)
    })
}

/// The interpreter for the listening tasks, if there is one.
fn python() -> Option<PathBuf> {
    ["/usr/bin/python3", "/usr/local/bin/python3"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// A port inside the agent's default range, free on both loopbacks now.
fn free_port(taken: &[u16]) -> u16 {
    let start = 31000 + (std::process::id() % 500) as u16;
    (start..32000)
        .chain(31000..start)
        .find(|p| {
            !taken.contains(p)
                && TcpListener::bind((Ipv4Addr::LOCALHOST, *p)).is_ok()
                && TcpListener::bind((Ipv6Addr::LOCALHOST, *p)).is_ok()
        })
        .expect("a free port in [31000-32000]")
}

/// A task that listens on `port` of the IPv4 or IPv6 loopback.
fn listener(python: &Path, v6: bool, port: u16) -> String {
    let (family, host) = if v6 {
        ("AF_INET6", "::1")
    } else {
        ("AF_INET", "127.0.0.1")
    };
    format!(
        "exec {} -c \"import socket, time; s = socket.socket(socket.{family}); \
         s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); \
         s.bind(('{host}', {port})); s.listen(); time.sleep(120)\"",
        python.display()
    )
}

fn listening(v6: bool, port: u16) -> bool {
    if v6 {
        TcpStream::connect((Ipv6Addr::LOCALHOST, port)).is_ok()
    } else {
        TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok()
    }
}

fn ipv6_loopback() -> bool {
    TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).is_ok()
}

/// One agent, two tasks of one family: the one on its own port keeps running while the one
/// on a port it was not given is killed with that port named.
fn allocated_lives_unallocated_dies(v6: bool) {
    let Some(python) = python() else {
        eprintln!("skipping: no python3 to run listening tasks");
        return;
    };
    let sandbox = Sandbox::new();
    let agent = Agent::start(
        &sandbox,
        "network/ports",
        &[
            "--container_ports_watch_interval=100ms",
            "--enforce_container_ports",
        ],
    );
    let good = free_port(&[]);
    let bad = free_port(&[good]);
    let given = format!("cpus:0.1;mem:64;ports:[{good}-{good}]");
    assert_eq!(
        agent.launch("good", &listener(&python, v6, good), &given).0,
        200
    );
    assert!(
        eventually(PATIENCE, || listening(v6, good).then_some(())).is_some(),
        "the good task never listened on {good}"
    );
    assert_placed_in_cgroup2(&sandbox);
    let other = format!("cpus:0.1;mem:64;ports:[{good}-{good}]");
    assert_eq!(
        agent.launch("bad", &listener(&python, v6, bad), &other).0,
        200
    );
    let end = agent.wait("bad");
    assert_eq!(end["state"], "TASK_FAILED", "{end}");
    assert_eq!(end["reason"], "REASON_CONTAINER_LIMITATION", "{end}");
    assert_eq!(
        end["message"],
        Value::from(format!("Task listens on unallocated port: {bad}")),
        "{end}"
    );
    // The good task listened for the whole time the bad one was found: many scans.
    assert!(
        running(&agent, "good"),
        "the task on its own port was stopped"
    );
    assert!(listening(v6, good));
    assert_eq!(agent.kill("good", None), 200);
    assert_eq!(agent.wait("good")["state"], "TASK_KILLED");
    sandbox.assert_clean();
}

/// Where the host has a cgroup2 hierarchy (here: the controller-less one of a v1 host), the
/// running task sits in a directory of its own under `<unified>/<cgroups_root>`, which is how
/// its sockets are attributed; `assert_clean` later checks that the directory went.
fn assert_placed_in_cgroup2(sandbox: &Sandbox) {
    let unified = Path::new("/sys/fs/cgroup/unified");
    if !unified.join("cgroup.procs").exists() {
        eprintln!(
            "no cgroup2 hierarchy at {}: the descriptor walk is used",
            unified.display()
        );
        return;
    }
    let root = unified.join(&sandbox.root);
    let placed: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|dir| {
                    std::fs::read_to_string(dir.join("cgroup.procs"))
                        .is_ok_and(|procs| !procs.trim().is_empty())
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        placed.len(),
        1,
        "no container directory in use under {}",
        root.display()
    );
}

#[test]
fn ports_ipv4_allocated_lives_unallocated_is_killed() {
    require!("freezer");
    allocated_lives_unallocated_dies(false);
}

#[test]
fn ports_ipv6_allocated_lives_unallocated_is_killed() {
    require!("freezer");
    if !ipv6_loopback() {
        eprintln!("skipping: no IPv6 loopback");
        return;
    }
    allocated_lives_unallocated_dies(true);
}

#[test]
fn ports_flags_that_conflict_stop_the_agent_with_both_named() {
    require!("freezer");
    let sandbox = Sandbox::new();
    let e = Agent::try_start(
        &sandbox,
        "network/ports",
        &[
            "--check_agent_port_range_only",
            "--container_ports_isolated_range=[31000-32000]",
        ],
    )
    .err()
    .expect("the agent refused the flags");
    assert!(
        e.contains("--check_agent_port_range_only")
            && e.contains("--container_ports_isolated_range"),
        "{e}"
    );
    sandbox.assert_clean();
}
