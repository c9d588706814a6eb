//! Against the real kernel (root): each test uses its own cgroup name, cleans up in a Drop
//! guard even when it fails, and checks that no cgroup and no process is left.

use modkit_cgroups::{Cgroups, Mode, OomEvent};
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique_name() -> String {
    format!(
        "modkit-test-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// The host's hierarchy, or `None` (with the reason printed) when these tests cannot run.
fn host_cgroups() -> Option<Cgroups> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipping: real cgroup tests need root");
        return None;
    }
    match Cgroups::detect(Path::new("/sys/fs/cgroup")) {
        Ok(cgroups) => Some(cgroups),
        Err(e) => {
            eprintln!("skipping: no cgroup hierarchy: {e}");
            None
        }
    }
}

/// A cgroup2 hierarchy: the host's when unified, else the hybrid host's `unified` mount.
fn v2_cgroups() -> Option<Cgroups> {
    let host = host_cgroups()?;
    match host.mode() {
        Mode::Unified => Some(host),
        Mode::Hybrid => Cgroups::detect(&host.hierarchy().join("unified")).ok(),
        Mode::Legacy => {
            eprintln!("skipping: no cgroup2 mount on this host");
            None
        }
    }
}

/// Kills and removes the test cgroup in every controller used, and reaps the children.
struct Scratch {
    cgroups: Cgroups,
    name: String,
    controllers: Vec<&'static str>,
    children: Vec<Child>,
}

impl Scratch {
    fn new(cgroups: &Cgroups, controllers: &[&'static str]) -> Option<Scratch> {
        for c in controllers {
            if !cgroups.supports(c) {
                eprintln!(
                    "skipping: controller {c} is not available ({})",
                    cgroups.mode()
                );
                return None;
            }
        }
        Some(Scratch {
            cgroups: cgroups.clone(),
            name: unique_name(),
            controllers: controllers.to_vec(),
            children: Vec::new(),
        })
    }

    fn cgroup(&self, below: &str) -> String {
        if below.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{below}", self.name)
        }
    }

    fn spawn(&mut self, program: &str, args: &[&str]) -> i32 {
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .spawn()
            .expect("spawn");
        let pid = child.id() as i32;
        self.children.push(child);
        pid
    }

    fn assert_nothing_left(&mut self) {
        for c in &self.controllers {
            assert!(
                !self.cgroups.exists(c, &self.name),
                "cgroup {} left",
                self.cgroups.path(c, &self.name).display()
            );
        }
        for child in &mut self.children {
            let status = child.wait().expect("wait");
            assert!(!status.success(), "{status}: killed, not exited");
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for c in &self.controllers {
            let _ = self.cgroups.kill_all(c, &self.name);
            let _ = self.cgroups.remove(c, &self.name);
        }
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn lifecycle(cgroups: &Cgroups, controller: &'static str) {
    let Some(mut s) = Scratch::new(cgroups, &[controller]) else {
        return;
    };
    let top = s.cgroup("c1");
    let nested = s.cgroup("c1/nested");
    cgroups.create(controller, &nested).unwrap();
    cgroups.create(controller, &nested).unwrap();
    assert_eq!(cgroups.children(controller, &s.name).unwrap(), vec!["c1"]);

    let first = s.spawn("sleep", &["1000"]);
    let second = s.spawn("sleep", &["1000"]);
    cgroups.add_process(controller, &top, first).unwrap();
    cgroups.add_process(controller, &nested, second).unwrap();
    let mut expected = vec![first, second];
    expected.sort_unstable();
    assert_eq!(cgroups.processes(controller, &top).unwrap(), expected);
    assert_eq!(
        cgroups.processes(controller, &nested).unwrap(),
        vec![second]
    );

    cgroups.kill_all(controller, &top).unwrap();
    assert!(cgroups.processes(controller, &top).unwrap().is_empty());
    cgroups.remove(controller, &s.name).unwrap();
    cgroups.remove(controller, &s.name).unwrap();
    cgroups.kill_all(controller, &s.name).unwrap();
    s.assert_nothing_left();
}

#[test]
fn v1_freezer_lifecycle() {
    match host_cgroups() {
        Some(cg) if !cg.mode().is_unified() => lifecycle(&cg, "freezer"),
        Some(_) => eprintln!("skipping: the host has no cgroup v1"),
        None => {}
    }
}

#[test]
fn v1_lifecycle_without_a_freezer() {
    match host_cgroups() {
        Some(cg) if !cg.mode().is_unified() => lifecycle(&cg, "pids"),
        Some(_) => eprintln!("skipping: the host has no cgroup v1"),
        None => {}
    }
}

#[test]
fn v2_lifecycle() {
    if let Some(cg) = v2_cgroups() {
        assert_eq!(cg.mode(), Mode::Unified);
        lifecycle(&cg, "freezer");
    }
}

#[test]
fn limits_read_back() {
    let Some(cg) = host_cgroups() else { return };
    let Some(s) = Scratch::new(&cg, &["cpu", "memory", "pids"]) else {
        return;
    };
    let name = s.cgroup("");
    for c in ["cpu", "memory", "pids"] {
        cg.create(c, &name).unwrap();
    }
    let cpu = cg.cpu(&name);
    cpu.set_shares(1536).unwrap();
    cpu.set_cfs(modkit_cgroups::CFS_PERIOD, Some(Duration::from_millis(150)))
        .unwrap();
    assert_eq!(
        cpu.cfs().unwrap(),
        (Some(Duration::from_millis(150)), modkit_cgroups::CFS_PERIOD)
    );
    let expected_shares = if cg.mode().is_unified() {
        modkit_cgroups::shares_to_weight(1536)
    } else {
        1536
    };
    assert_eq!(cpu.shares_or_weight().unwrap(), expected_shares);
    cpu.stat().unwrap();

    let mem = cg.memory(&name);
    let limit_swap = mem.has_swap_accounting();
    mem.set_hard_limit(64 << 20, limit_swap).unwrap();
    mem.set_hard_limit(128 << 20, limit_swap).unwrap();
    assert_eq!(mem.limit().unwrap(), Some(128 << 20));
    mem.set_soft_limit(Some(96 << 20)).unwrap();
    assert_eq!(mem.soft_limit().unwrap(), Some(96 << 20));
    assert_eq!(mem.usage().unwrap(), 0, "no process yet");
    assert!(!mem.stat().unwrap().is_empty());

    let pids = cg.pids(&name);
    pids.set_max(Some(32)).unwrap();
    assert_eq!(pids.max().unwrap(), Some(32));
    assert_eq!(pids.current().unwrap(), 0);
    drop(s);
    for c in ["cpu", "memory", "pids"] {
        assert!(!cg.exists(c, &name));
    }
}

#[test]
fn oom_is_reported() {
    let Some(cg) = host_cgroups() else { return };
    let Some(mut s) = Scratch::new(&cg, &["memory"]) else {
        return;
    };
    let name = s.cgroup("");
    cg.create("memory", &name).unwrap();
    let mem = cg.memory(&name);
    // 32 MB, swap included: `tail /dev/zero` buffers one endless line and dies here, long
    // before it could bother the host.
    mem.set_hard_limit(32 << 20, mem.has_swap_accounting())
        .unwrap();
    let watch = Arc::new(cg.watch_oom(&name).unwrap());
    let waiter = {
        let watch = Arc::clone(&watch);
        std::thread::spawn(move || watch.wait())
    };
    let pid = s.spawn("sh", &["-c", "read go; exec tail /dev/zero"]);
    cg.add_process("memory", &name, pid).unwrap();
    let stdin = s.children[0].stdin.as_mut().expect("piped stdin");
    stdin.write_all(b"go\n").unwrap();
    assert_eq!(waiter.join().unwrap().unwrap(), OomEvent::Oom);
    let status = s.children[0].wait().unwrap();
    assert!(!status.success(), "{status}");
    if !cg.mode().is_unified() {
        let control = mem.oom_control().unwrap();
        assert!(control.oom_kill.unwrap_or(1) >= 1, "{control:?}");
    } else {
        assert!(mem.events().unwrap()["oom_kill"] >= 1);
    }
    cg.kill_all("memory", &name).unwrap();
    cg.remove("memory", &name).unwrap();
    s.assert_nothing_left();
}

#[test]
fn oom_watch_ends_when_the_cgroup_goes_or_is_cancelled() {
    let Some(cg) = host_cgroups() else { return };
    let Some(s) = Scratch::new(&cg, &["memory"]) else {
        return;
    };
    let first = s.cgroup("a");
    let second = s.cgroup("b");
    cg.create("memory", &first).unwrap();
    cg.create("memory", &second).unwrap();
    let watch = Arc::new(cg.watch_oom(&first).unwrap());
    let waiter = {
        let watch = Arc::clone(&watch);
        std::thread::spawn(move || watch.wait())
    };
    cg.remove("memory", &first).unwrap();
    assert_eq!(waiter.join().unwrap().unwrap(), OomEvent::Removed);

    let watch = Arc::new(cg.watch_oom(&second).unwrap());
    let waiter = {
        let watch = Arc::clone(&watch);
        std::thread::spawn(move || watch.wait())
    };
    watch.cancel();
    assert_eq!(waiter.join().unwrap().unwrap(), OomEvent::Cancelled);
    drop(s);
    assert!(!cg.exists("memory", &second));
}
