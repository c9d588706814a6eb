//! Runs real agents (the `modkit` binary) against the real kernel, each with its own cgroup
//! root and work dir, and checks that nothing is left behind.

use crate::common::agent::start_agent;
use crate::common::cgroups::remove_root;
pub use crate::common::wait::eventually;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicU32, Ordering};

/// Hierarchies whose leftovers fail a test (devices: cgroups/devices and gpu/devices;
/// unified: the cgroup2 directories network/ports places containers in on v1 hosts).
pub const CONTROLLERS: [&str; 7] = [
    "freezer", "cpu", "cpuacct", "memory", "pids", "devices", "unified",
];

/// Why real-kernel tests cannot run here, if they cannot.
pub fn skip_reason(controllers: &[&str]) -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root".into());
    }
    for c in controllers {
        let path = Path::new("/sys/fs/cgroup").join(c);
        if !path.join("cgroup.procs").exists() {
            return Some(format!(
                "no cgroup v1 '{c}' hierarchy at {}",
                path.display()
            ));
        }
    }
    None
}

macro_rules! require {
    ($($c:expr),*) => {
        if let Some(reason) = $crate::harness::skip_reason(&[$($c),*]) {
            eprintln!("skipping: {reason}");
            return;
        }
    };
}
pub(crate) use require;

pub fn modkit() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_modkit"))
}

/// A unique cgroup root and work dir; on drop every cgroup under the root is killed and removed.
pub struct Sandbox {
    pub root: String,
    pub work_dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let root = format!(
            "modkit-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        Sandbox {
            root,
            work_dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn dir(&self) -> &Path {
        self.work_dir.path()
    }

    /// Container cgroups left under the root, per controller.
    pub fn leftover_cgroups(&self) -> Vec<PathBuf> {
        let mut left = Vec::new();
        for c in CONTROLLERS {
            let root = Path::new("/sys/fs/cgroup").join(c).join(&self.root);
            if let Ok(entries) = std::fs::read_dir(&root) {
                left.extend(
                    entries
                        .filter_map(|e| e.ok())
                        .filter(|e| e.path().is_dir())
                        .map(|e| e.path()),
                );
            }
        }
        left
    }

    /// Processes (other than zombies) that any hierarchy places under our root.
    pub fn leftover_processes(&self) -> Vec<String> {
        let needle = format!(":/{}/", self.root);
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str()?.parse::<i64>().ok())
            .filter(|pid| pid_alive(*pid))
            .filter_map(|pid| {
                let cgroups = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
                let line = cgroups.lines().find(|l| l.contains(&needle))?;
                Some(format!("{pid} in {line}"))
            })
            .collect()
    }

    /// No cgroup under our root and no process in one.
    pub fn assert_clean(&self) {
        let left = self.leftover_cgroups();
        assert!(left.is_empty(), "cgroups left behind: {left:?}");
        let left = self.leftover_processes();
        assert!(left.is_empty(), "processes left behind: {left:?}");
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        remove_root(&self.root);
    }
}

pub struct Agent {
    pub child: Child,
    pub address: String,
}

impl Agent {
    /// Starts `modkit agent` on a free loopback port and waits until it listens.
    pub fn start(sandbox: &Sandbox, isolation: &str, extra: &[&str]) -> Agent {
        Self::try_start(sandbox, isolation, extra).unwrap_or_else(|e| panic!("{e}"))
    }

    pub fn try_start(sandbox: &Sandbox, isolation: &str, extra: &[&str]) -> Result<Agent, String> {
        let (child, address) = start_agent(sandbox.dir(), &sandbox.root, isolation, extra)?;
        Ok(Agent { child, address })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// POSTs a call; returns the status code and body.
    pub fn call(&self, body: &Value) -> (u16, String) {
        self.post_raw(body.to_string().as_bytes())
    }

    pub fn post_raw(&self, body: &[u8]) -> (u16, String) {
        match ureq::post(&self.url("/api/v1"))
            .set("Content-Type", "application/json")
            .send_bytes(body)
        {
            Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
            Err(e) => panic!("POST /api/v1: {e}"),
        }
    }

    /// The status the agent answers to a POST announcing `length` bytes of body. The body is
    /// only sent if no answer comes first: an agent that refuses on the length alone closes
    /// the connection, and a client still writing would see a reset instead of the answer.
    pub fn status_for_length(&self, length: usize) -> u16 {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&self.address).expect("connect");
        write!(
            stream,
            "POST /api/v1 HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {length}\r\n\r\n",
            self.address
        )
        .expect("send headers");
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut answer = [0u8; 64];
        let n = match stream.read(&mut answer) {
            Ok(n) => n,
            Err(_) => {
                let _ = stream.write_all(&vec![b' '; length]);
                stream
                    .set_read_timeout(Some(std::time::Duration::from_secs(30)))
                    .unwrap();
                stream.read(&mut answer).expect("an answer")
            }
        };
        let text = String::from_utf8_lossy(&answer[..n]);
        text.split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"))
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        match ureq::get(&self.url(path)).call() {
            Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
            Err(e) => panic!("GET {path}: {e}"),
        }
    }

    pub fn launch(&self, id: &str, command: &str, resources: &str) -> (u16, String) {
        self.call(&json!({"type": "LAUNCH_CONTAINER", "launch_container": {
            "container_id": {"value": id},
            "command": {"value": command},
            "resources": resources}}))
    }

    pub fn wait(&self, id: &str) -> Value {
        let (code, body) = self.call(&json!({"type": "WAIT_CONTAINER",
            "wait_container": {"container_id": {"value": id}}}));
        assert_eq!(code, 200, "WAIT_CONTAINER {id}: {body}");
        let v: Value = serde_json::from_str(&body).expect("json");
        v["wait_container"].clone()
    }

    pub fn kill(&self, id: &str, signal: Option<i32>) -> u16 {
        let mut kill = json!({"container_id": {"value": id}});
        if let Some(s) = signal {
            kill["signal"] = json!(s);
        }
        self.call(&json!({"type": "KILL_CONTAINER", "kill_container": kill}))
            .0
    }

    pub fn containers(&self) -> Vec<Value> {
        let (code, body) = self.call(&json!({"type": "GET_CONTAINERS"}));
        assert_eq!(code, 200, "{body}");
        let v: Value = serde_json::from_str(&body).expect("json");
        v["get_containers"]["containers"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The statistics of one container, from /monitor/statistics.json.
    pub fn statistics(&self, id: &str) -> Value {
        let (code, body) = self.get("/monitor/statistics.json");
        assert_eq!(code, 200, "{body}");
        let all: Vec<Value> = serde_json::from_str(&body).expect("json");
        all.into_iter()
            .find(|c| c["container_id"] == id)
            .map(|c| c["statistics"].clone())
            .unwrap_or(Value::Null)
    }

    pub fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.kill_hard();
    }
}

pub fn pid_alive(pid: i64) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| !s.contains(") Z "))
            .unwrap_or(false)
}
