use super::*;
use crate::network::ports::fake::{self, listener6_line, listener_line, Process};
use std::sync::mpsc;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(20);

/// A fake /proc with container 100 (own pids cgroup) listening on 8081 (IPv4) and 9000
/// (IPv6), and container 200 listening on 31001 only.
fn fake_host() -> (tempfile::TempDir, tempfile::TempDir) {
    let proc = tempfile::tempdir().unwrap();
    let cgroupfs = tempfile::tempdir().unwrap();
    for (c, pid) in [("c1", 100), ("c2", 200)] {
        let dir = cgroupfs.path().join("pids/modkit").join(c);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("cgroup.procs"), format!("{pid}\n")).unwrap();
    }
    fake::agent(
        proc.path(),
        "8:pids:/\n",
        &format!(
            "37 31 0:34 / {} rw - cgroup cgroup rw,pids\n",
            cgroupfs.path().join("pids").display()
        ),
    );
    let tcp = format!("{}{}", listener_line(8081, 1), listener_line(31001, 3));
    let tcp6 = listener6_line(9000, 2);
    fake::process(
        proc.path(),
        Process {
            pid: 100,
            cgroup: "8:pids:/modkit/c1\n",
            sockets: &[1, 2],
            netns: "net:[1]",
            tcp: &tcp,
            tcp6: &tcp6,
        },
    );
    fake::process(
        proc.path(),
        Process {
            pid: 200,
            cgroup: "8:pids:/modkit/c2\n",
            sockets: &[3],
            netns: "net:[1]",
            tcp: &tcp,
            tcp6: &tcp6,
        },
    );
    (proc, cgroupfs)
}

fn isolator(proc: &std::path::Path, enforce: bool, checked: Option<&str>) -> NetworkPortsIsolator {
    NetworkPortsIsolator::new(
        PortsFlags {
            watch_interval: Duration::from_millis(10),
            enforce,
            checked: checked.map(|c| super::super::parse_ranges("x", c).unwrap()),
        },
        PortScanner::at(proc),
    )
}

fn config(resources: &str) -> ContainerConfig {
    ContainerConfig {
        resources: resources.parse().unwrap(),
        directory: "/tmp/sandbox".into(),
        ..Default::default()
    }
}

type Raised = mpsc::Receiver<(String, ContainerLimitation)>;

/// Limitations of every container into one channel, tagged with the container id.
struct Sinks(Mutex<mpsc::Sender<(String, ContainerLimitation)>>);

fn sinks() -> (Sinks, Raised) {
    let (tx, rx) = mpsc::channel();
    (Sinks(Mutex::new(tx)), rx)
}

impl Sinks {
    fn sink(&self, id: &str) -> LimitationSink {
        let tx = Mutex::new(self.0.lock().unwrap().clone());
        let id = id.to_string();
        LimitationSink::new(move |l| {
            let _ = tx.lock().unwrap().send((id.clone(), l));
        })
    }
}

fn launch(ports: &NetworkPortsIsolator, id: &str, pid: i32, resources: &str, sinks: &Sinks) {
    ports.prepare(id, &config(resources)).unwrap();
    ports.isolate(id, pid).unwrap();
    ports.watch(id, sinks.sink(id)).unwrap();
}

#[test]
fn unallocated_ports_are_named_in_the_limitation() {
    let (proc, _cgroups) = fake_host();
    let ports = isolator(proc.path(), true, None);
    let (sinks, limitations) = sinks();
    launch(&ports, "c1", 100, "cpus:1;ports:[8081-8081]", &sinks);
    launch(&ports, "c2", 200, "cpus:1;ports:[31000-31005]", &sinks);
    let (id, limitation) = limitations.recv_timeout(PATIENCE).expect("a limitation");
    assert_eq!(id, "c1");
    assert_eq!(limitation.message, "Task listens on unallocated port: 9000");
    assert_eq!(limitation.reason, Some(Reason::ContainerLimitation));
    assert_eq!(limitation.resources, "ports:[9000-9000]".parse().unwrap());
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        limitations.try_recv().is_err(),
        "raised twice, or c2 (within its ports) was limited"
    );
    ports.cleanup("c1").unwrap();
    ports.cleanup("c2").unwrap();
    ports.cleanup("c1").unwrap();
}

#[test]
fn without_ports_every_listener_is_unallocated() {
    let (proc, _cgroups) = fake_host();
    let ports = isolator(proc.path(), true, None);
    let (sinks, limitations) = sinks();
    launch(&ports, "c1", 100, "cpus:1", &sinks);
    let (_, limitation) = limitations.recv_timeout(PATIENCE).unwrap();
    assert_eq!(
        limitation.message,
        "Task listens on unallocated ports: 8081, 9000"
    );
}

#[test]
fn the_isolated_range_limits_what_is_checked() {
    let (proc, _cgroups) = fake_host();
    let ports = isolator(proc.path(), true, Some("[31000-32000]"));
    let (sinks, limitations) = sinks();
    // c1 listens on 8081 and 9000, both outside the checked range: fine.
    launch(&ports, "c1", 100, "cpus:1", &sinks);
    // c2 listens on 31001, inside the range and not given: limited.
    launch(&ports, "c2", 200, "ports:[31002-31003]", &sinks);
    let (id, limitation) = limitations.recv_timeout(PATIENCE).unwrap();
    assert_eq!(id, "c2");
    assert_eq!(
        limitation.message,
        "Task listens on unallocated port: 31001"
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(limitations.try_recv().is_err());
}

#[test]
fn without_enforcement_nothing_is_raised_and_updates_count() {
    let (proc, _cgroups) = fake_host();
    let ports = isolator(proc.path(), false, None);
    let (sinks, limitations) = sinks();
    launch(&ports, "c1", 100, "cpus:1", &sinks);
    std::thread::sleep(Duration::from_millis(100));
    assert!(limitations.try_recv().is_err());
    // An update before the container runs is what it is judged by.
    let enforcing = isolator(proc.path(), true, None);
    enforcing
        .prepare("c1", &config("ports:[8081-8081]"))
        .unwrap();
    enforcing
        .update("c1", &"ports:[8081-8081,9000-9000]".parse().unwrap())
        .unwrap();
    enforcing.isolate("c1", 100).unwrap();
    enforcing.watch("c1", sinks.sink("c1")).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        limitations.try_recv().is_err(),
        "limited despite the update"
    );
}

#[test]
fn recovered_containers_are_not_judged_before_an_update() {
    let (proc, _cgroups) = fake_host();
    let ports = isolator(proc.path(), true, None);
    let (sinks, limitations) = sinks();
    ports
        .recover(
            &[ContainerState {
                container_id: ContainerId::new("c1"),
                pid: 100,
                directory: "/tmp/x".into(),
                ..Default::default()
            }],
            &[],
        )
        .unwrap();
    ports.watch("c1", sinks.sink("c1")).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        limitations.try_recv().is_err(),
        "judged without knowing the ports"
    );
    ports.update("c1", &"cpus:1".parse().unwrap()).unwrap();
    assert!(limitations.recv_timeout(PATIENCE).is_ok());
}

#[test]
fn lifecycle_errors_name_the_container() {
    let (proc, _cgroups) = fake_host();
    let ports = isolator(proc.path(), true, None);
    ports.prepare("c1", &config("cpus:1")).unwrap();
    let e = ports
        .prepare("c1", &config("cpus:1"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("network/ports: container c1 is already prepared"),
        "{e}"
    );
    let e = ports.isolate("c9", 1).unwrap_err().to_string();
    assert!(e.contains("network/ports: unknown container c9"), "{e}");
}

/// The real path: each container placed in a cgroup2 directory of its own, its listeners
/// attributed by cgroup id; the directory is found again after a restart and removed on
/// cleanup.
#[test]
fn real_containers_in_cgroup2_directories_are_judged_by_cgroup_id() {
    use crate::network::ports::fake::Listening;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipping: not root");
        return;
    }
    let root = format!("modkit-test-ports-isolator-{}", std::process::id());
    let Some(unified) = UnifiedCgroups::detect(&root) else {
        eprintln!("skipping: no cgroup2 mount");
        return;
    };
    /// Removes what the test made even when an assertion fails.
    struct Cleanup(UnifiedCgroups);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            for id in ["good", "bad"] {
                let _ = self.0.remove(id);
            }
            let _ = std::fs::remove_dir(self.0.root());
        }
    }
    let _cleanup = Cleanup(unified.clone());
    let real = || {
        NetworkPortsIsolator::new(
            PortsFlags {
                watch_interval: Duration::from_millis(10),
                enforce: true,
                checked: None,
            },
            PortScanner::default(),
        )
        .placing_in(unified.clone())
    };
    let ports = real();
    let (sinks, limitations) = sinks();
    // Ports are known only once the children listen: both start with none, then the good
    // one is given its own.
    ports.prepare("good", &config("cpus:1")).unwrap();
    ports.prepare("bad", &config("cpus:1")).unwrap();
    let good = Listening::spawn(|pid| ports.isolate("good", pid).unwrap());
    let bad = Listening::spawn(|pid| ports.isolate("bad", pid).unwrap());
    let given = format!("ports:[{0}-{0}]", good.port);
    ports.update("good", &given.parse().unwrap()).unwrap();
    let cgroup =
        |ports: &NetworkPortsIsolator, id: &str| ports.container(id).unwrap().lock().cgroup.clone();
    assert_eq!(cgroup(&ports, "good"), unified.find("good"));
    assert!(cgroup(&ports, "bad").is_some());
    ports.watch("good", sinks.sink("good")).unwrap();
    ports.watch("bad", sinks.sink("bad")).unwrap();
    let (id, limitation) = limitations.recv_timeout(PATIENCE).expect("a limitation");
    assert_eq!(id, "bad");
    assert_eq!(
        limitation.message,
        format!("Task listens on unallocated port: {}", bad.port)
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(limitations.try_recv().is_err(), "the good one was limited");
    // A restarted agent finds the directory by container id, and removes an orphan's.
    drop(ports);
    drop(good);
    let restarted = real();
    restarted
        .recover(
            &[ContainerState {
                container_id: ContainerId::new("bad"),
                pid: bad.pid as u32 as _,
                directory: "/tmp/x".into(),
                ..Default::default()
            }],
            &[ContainerId::new("good")],
        )
        .unwrap();
    assert_eq!(cgroup(&restarted, "bad"), unified.find("bad"));
    assert!(
        unified.find("good").is_none(),
        "the orphan's directory is left"
    );
    restarted.watch("bad", sinks.sink("bad")).unwrap();
    restarted.update("bad", &"cpus:1".parse().unwrap()).unwrap();
    let (_, limitation) = limitations.recv_timeout(PATIENCE).expect("after recovery");
    assert!(limitation.message.ends_with(&bad.port.to_string()));
    drop(bad);
    restarted.cleanup("bad").unwrap();
    assert!(unified.find("bad").is_none(), "left after cleanup");
    // An id that could name no directory has nothing to clean up.
    restarted.cleanup("a/b").unwrap();
}
