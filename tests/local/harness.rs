//! Runs `modkit local` (the built binary) with its own work dir and cgroup root, and the
//! `modkit execute --master` client against it. On drop the cluster is stopped and every cgroup
//! under the root is killed and removed.

use crate::common::cgroups::remove_root;
pub use crate::common::wait::eventually;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn modkit() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_modkit"))
}

/// Why cgroup-based tests cannot run here, if they cannot.
pub fn cgroups_skip_reason() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root".into());
    }
    for c in ["cpu", "memory", "pids", "freezer"] {
        if !Path::new("/sys/fs/cgroup")
            .join(c)
            .join("cgroup.procs")
            .exists()
        {
            return Some(format!("no cgroup v1 '{c}' hierarchy"));
        }
    }
    None
}

pub struct Cluster {
    child: Child,
    /// `HOST:PORT` of the master.
    pub master: String,
    pub cgroups_root: String,
    pub work_dir: tempfile::TempDir,
    log: Arc<Mutex<String>>,
}

impl Cluster {
    /// `modkit local` on free ports with `extra` flags; returns once it printed the master URL
    /// (which it does after the agent registered).
    pub fn start(extra: &[&str]) -> Cluster {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let cgroups_root = format!(
            "modkit-local-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let work_dir = tempfile::tempdir().expect("tempdir");
        let mut command = Command::new(modkit());
        command
            .arg("local")
            .arg("--work_dir")
            .arg(work_dir.path())
            .args(["--port", "0", "--cgroups_root", &cgroups_root])
            .args(["--allocation_interval", "100ms"]);
        if !extra.contains(&"--resources") {
            command.args(["--resources", "cpus:4;mem:2048;disk:1024"]);
        }
        if !extra.contains(&"--isolation") && cgroups_skip_reason().is_some() {
            command.args(["--isolation", "posix/cpu,posix/mem"]);
        }
        let mut child = command
            .args(extra)
            .env("MODKIT_LOG_LEVEL", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn modkit local");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let err_log = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut log) = err_log.lock() {
                    log.push_str(&line);
                    log.push('\n');
                }
            }
        });
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut master = None;
        for line in lines.by_ref().map_while(Result::ok) {
            if let Ok(mut log) = log.lock() {
                log.push_str(&line);
                log.push('\n');
            }
            if let Some(url) = line.strip_prefix("modkit local: master http://") {
                master = Some(url.trim().to_string());
                break;
            }
        }
        let out_log = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Ok(mut log) = out_log.lock() {
                    log.push_str(&line);
                    log.push('\n');
                }
            }
        });
        let Some(master) = master else {
            let status = child.wait();
            std::thread::sleep(Duration::from_millis(100));
            panic!(
                "modkit local exited ({status:?}) before printing its master:\n{}",
                log.lock().map(|l| l.clone()).unwrap_or_default()
            );
        };
        Cluster {
            child,
            master,
            cgroups_root,
            work_dir,
            log,
        }
    }

    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.master)
    }

    pub fn get(&self, path: &str) -> Value {
        ureq::get(&self.url(path))
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .into_json()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// `modkit execute --master` against this cluster.
    pub fn execute(&self, args: &[&str]) -> Output {
        let mut command = Command::new(modkit());
        command.arg("execute").args(["--master", &self.master]);
        if !args.contains(&"--timeout") {
            command.args(["--timeout", "30secs"]);
        }
        command.args(args).output().expect("run modkit execute")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // SAFETY: kill has no memory effects; the pid is our child's.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        remove_root(&self.cgroups_root);
    }
}

pub fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
