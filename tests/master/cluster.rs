//! A master in-process (`modkit::master::start`) and agents as real `modkit agent --master`
//! processes, each agent with its own work dir and cgroup root, removed on drop.

use modkit::master::{MasterFlags, RunningMaster};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

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
    flags.allocation_interval = "100ms".into();
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
        let mut child = Command::new(env!("CARGO_BIN_EXE_modkit"))
            .arg("agent")
            .arg("--work_dir")
            .arg(&work_dir)
            .args(["--port", "0", "--cgroups_root", &cgroups_root])
            .args(["--isolation", isolation, "--master", master])
            .args(if extra.contains(&"--resources") {
                &[][..]
            } else {
                &["--resources", "cpus:2;mem:1024;disk:1024"][..]
            })
            .args(extra)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn modkit agent");
        let stderr = child.stderr.take().expect("piped stderr");
        let mut lines = BufReader::new(stderr).lines();
        let mut log = String::new();
        while let Some(Ok(line)) = lines.next() {
            if let Some(address) = line.strip_prefix("modkit agent listening on ") {
                let address = address.trim().to_string();
                std::thread::spawn(move || {
                    for line in lines.map_while(Result::ok) {
                        eprintln!("[agent] {line}");
                    }
                });
                return AgentProcess {
                    child,
                    address,
                    cgroups_root,
                    work_dir,
                    _dir: dir,
                };
            }
            log.push_str(&line);
            log.push('\n');
        }
        let status = child.wait();
        panic!("agent exited ({status:?}) before listening:\n{log}");
    }

    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        self.kill_hard();
        if self.cgroups_root.is_empty() {
            return;
        }
        if let Ok(hierarchies) = std::fs::read_dir("/sys/fs/cgroup") {
            for h in hierarchies.filter_map(Result::ok) {
                remove_tree(&h.path().join(&self.cgroups_root));
            }
        }
        remove_tree(&Path::new("/sys/fs/cgroup").join(&self.cgroups_root));
    }
}

/// Kills every process of a cgroup tree and removes it, deepest first.
fn remove_tree(dir: &Path) {
    if !dir.is_dir() {
        return;
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.filter_map(Result::ok) {
            if e.path().is_dir() {
                remove_tree(&e.path());
            }
        }
    }
    for _ in 0..50 {
        if let Ok(procs) = std::fs::read_to_string(dir.join("cgroup.procs")) {
            for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
                // SAFETY: kill has no memory effects.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        if std::fs::remove_dir(dir).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls `f` until it returns Some or `timeout` passes.
pub fn eventually<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
