//! Shared by the real-kernel tests: root and cgroup checks, an agent host with unique
//! `--cgroups_root`, and a Drop guard that kills and removes whatever a test left.

#![allow(dead_code)]

use modkit_cgroups::Cgroups;
use modkit_ffi::host::HostServices;
use modkit_ffi::sdk::Host;
use modkit_ffi::types::ContainerConfig;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The host's cgroups, or `None` with the reason printed.
pub fn host_cgroups() -> Option<Cgroups> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipping: real-kernel isolator tests need root");
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

/// A test's cgroup root and the processes it started; Drop kills and removes everything.
pub struct Scratch {
    pub cgroups: Cgroups,
    pub root: String,
    pub controllers: Vec<&'static str>,
    pub children: Vec<Child>,
}

impl Scratch {
    /// `None` (printed) when a controller is missing.
    pub fn new(cgroups: &Cgroups, controllers: &[&'static str]) -> Option<Scratch> {
        for c in controllers {
            if !cgroups.supports(c) {
                eprintln!(
                    "skipping: the {c} controller is not available ({})",
                    cgroups.mode()
                );
                return None;
            }
        }
        Some(Scratch {
            cgroups: cgroups.clone(),
            root: format!(
                "modkit-test-{}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst)
            ),
            controllers: controllers.to_vec(),
            children: Vec::new(),
        })
    }

    /// An agent host whose `--cgroups_root` is this scratch root.
    pub fn host(&self, extra: &[(&str, &str)]) -> Host {
        let mut flags: BTreeMap<String, String> = BTreeMap::new();
        flags.insert("cgroups_hierarchy".into(), "/sys/fs/cgroup".into());
        flags.insert("cgroups_root".into(), self.root.clone());
        for (k, v) in extra {
            flags.insert(k.to_string(), v.to_string());
        }
        HostServices::leak("test", "agent", "/tmp", &flags).host()
    }

    pub fn cgroup(&self, container_id: &str) -> String {
        format!("{}/{container_id}", self.root)
    }

    /// Starts `sh -c script` with a piped stdin; returns its pid.
    pub fn spawn_sh(&mut self, script: &str) -> i32 {
        let child = Command::new("sh")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn sh");
        let pid = child.id() as i32;
        self.children.push(child);
        pid
    }

    /// Lets a `read go` in the script proceed.
    pub fn go(&mut self, index: usize) {
        use std::io::Write;
        let stdin = self.children[index].stdin.as_mut().expect("piped stdin");
        stdin.write_all(b"go\n").expect("write to the child");
    }

    /// Asserts the container's cgroups are gone and every child was killed.
    pub fn assert_nothing_left(&mut self, container_id: &str) {
        let cgroup = self.cgroup(container_id);
        for c in &self.controllers {
            assert!(
                !self.cgroups.exists(c, &cgroup),
                "cgroup {} left",
                self.cgroups.path(c, &cgroup).display()
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
            let _ = self.cgroups.kill_all(c, &self.root);
            let _ = self.cgroups.remove(c, &self.root);
        }
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn config(resources: &str) -> ContainerConfig {
    ContainerConfig {
        resources: resources.parse().expect("valid resources"),
        directory: "/tmp".into(),
        ..Default::default()
    }
}

/// Polls `check` until it holds or `within` passes; the result says which.
pub fn eventually(within: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
