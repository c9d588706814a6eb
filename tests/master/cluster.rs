//! A master in-process (`modkit::master::start`) and agents as real `modkit agent --master`
//! processes, each agent with its own work dir and cgroup root, removed on drop.

use crate::common::agent::start_agent;
use crate::common::cgroups::remove_root;
pub use crate::common::wait::eventually;
use modkit::master::{MasterFlags, RunningMaster};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Skips (returns from) a test that runs tasks unless we are root.
macro_rules! require_root {
    () => {
        if !$crate::cluster::is_root() {
            eprintln!("skipping: not root");
            return;
        }
    };
}
pub(crate) use require_root;

/// Master flags for tests: a free port, fast allocation and heartbeats.
pub fn master_flags(dir: &Path) -> MasterFlags {
    let mut flags = MasterFlags::new(dir.join("master"));
    flags.port = 0;
    flags.offers.allocation_interval = "100ms".into();
    flags.framework_heartbeat_interval = "200ms".into();
    flags
}

pub struct Cluster {
    pub master: RunningMaster,
    _dir: tempfile::TempDir,
}

impl Cluster {
    pub fn start(configure: impl FnOnce(&mut MasterFlags)) -> Cluster {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut flags = master_flags(dir.path());
        configure(&mut flags);
        let master = modkit::master::start(flags).expect("master starts");
        Cluster { master, _dir: dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.master.url())
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        match ureq::get(&self.url(path)).call() {
            Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
            Err(e) => panic!("GET {path}: {e}"),
        }
    }

    pub fn state(&self) -> Value {
        let (code, body) = self.get("/master/state");
        assert_eq!(code, 200, "{body}");
        serde_json::from_str(&body).expect("state JSON")
    }

    /// `POST /api/v1` (operator API).
    pub fn operator(&self, body: &Value) -> (u16, String) {
        match ureq::post(&self.url("/api/v1"))
            .set("Content-Type", "application/json")
            .send_string(&body.to_string())
        {
            Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
            Err(e) => panic!("POST /api/v1: {e}"),
        }
    }

    /// Starts an agent registered with this master and waits until the master lists it.
    pub fn agent(&self, isolation: &str, extra: &[&str]) -> AgentProcess {
        let before = self.state()["slaves"].as_array().map_or(0, Vec::len);
        let agent = AgentProcess::start(&self.master.addr().to_string(), isolation, extra);
        eventually(Duration::from_secs(20), || {
            (self.state()["slaves"].as_array().map_or(0, Vec::len) > before).then_some(())
        })
        .expect("the agent registers");
        agent
    }
}

pub struct AgentProcess {
    pub child: Child,
    pub address: String,
    pub cgroups_root: String,
    pub work_dir: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl AgentProcess {
    pub fn start(master: &str, isolation: &str, extra: &[&str]) -> AgentProcess {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let cgroups_root = format!(
            "modkit-mtest-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let work_dir = dir.path().to_path_buf();
        Self::spawn(master, isolation, extra, cgroups_root, work_dir, Some(dir))
    }

    /// A new agent process on the same work dir and cgroup root (a restart).
    pub fn restart(mut self, master: &str, isolation: &str, extra: &[&str]) -> AgentProcess {
        self.kill_hard();
        let dir = self._dir.take();
        let (root, work_dir) = (self.cgroups_root.clone(), self.work_dir.clone());
        self.cgroups_root = String::new();
        Self::spawn(master, isolation, extra, root, work_dir, dir)
    }

    fn spawn(
        master: &str,
        isolation: &str,
        extra: &[&str],
        cgroups_root: String,
        work_dir: PathBuf,
        dir: Option<tempfile::TempDir>,
    ) -> AgentProcess {
        let args: Vec<&str> = ["--master", master].iter().chain(extra).copied().collect();
        match start_agent(&work_dir, &cgroups_root, isolation, &args) {
            Ok((child, address)) => AgentProcess {
                child,
                address,
                cgroups_root,
                work_dir,
                _dir: dir,
            },
            Err(e) => panic!("{e}"),
        }
    }

    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        self.kill_hard();
        remove_root(&self.cgroups_root);
    }
}
