//! The external containerizer end to end: real agents driving the example programs
//! (`examples/external/`) and faulty ones (`tests/external/`). Every program and task the
//! driver starts inherits `MODKIT_WORK_DIRECTORY=<work dir>`, which is how leftovers are found.

use crate::harness::{eventually, pid_alive, require, Agent, Sandbox};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const ISOLATION: &str = "posix/cpu,posix/mem";

fn program(relative: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(relative)
        .to_string_lossy()
        .into_owned()
}

fn minimal() -> String {
    program("examples/external/minimal.sh")
}

/// Starts an agent whose only containerizer is the external `program`.
fn external_agent(sandbox: &Sandbox, program: &str, extra: &[&str]) -> Agent {
    let mut args = vec![
        "--containerizers",
        "external",
        "--containerizer_path",
        program,
    ];
    args.extend_from_slice(extra);
    Agent::start(sandbox, ISOLATION, &args)
}

/// Kills, on drop, whatever the driver started for this work dir (even when a test fails).
struct Leftovers {
    work_dir: PathBuf,
}

impl Leftovers {
    fn new(sandbox: &Sandbox) -> Leftovers {
        Leftovers {
            work_dir: sandbox.dir().canonicalize().expect("work dir"),
        }
    }

    /// Live processes started for this agent's work dir (programs and their tasks).
    fn processes(&self) -> Vec<i64> {
        let needle = format!("MODKIT_WORK_DIRECTORY={}\0", self.work_dir.display());
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i64>().ok())
            .filter(|pid| pid_alive(*pid))
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/environ"))
                    .map(|env| String::from_utf8_lossy(&env).contains(&needle))
                    .unwrap_or(false)
            })
            .collect()
    }

    /// Processes can take a moment to be reaped after their program said they are gone.
    fn assert_none(&self) {
        let left = eventually(Duration::from_secs(10), || {
            let left = self.processes();
            left.is_empty().then_some(())
        });
        let described: Vec<String> = self.processes().into_iter().map(describe).collect();
        assert!(left.is_some(), "processes left behind: {described:?}");
    }
}

/// A process as `pid (state, parent ppid): command line`, to tell in a failure what was left.
fn describe(pid: i64) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map_or("?", str::trim)
            .to_string()
    };
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .unwrap_or_default();
    format!(
        "{pid} ({}, parent {}): {}",
        field("State:"),
        field("PPid:"),
        cmdline.trim()
    )
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        for pid in self.processes() {
            // SAFETY: kill has no memory effects.
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        }
        let root = self.work_dir.join("runc");
        if root.is_dir() {
            for id in runc_containers(&root) {
                let _ = Command::new("runc")
                    .arg("--root")
                    .arg(&root)
                    .args(["delete", "--force", &id])
                    .status();
            }
        }
    }
}

fn ids(containers: &[Value]) -> Vec<String> {
    containers
        .iter()
        .map(|c| {
            c["container_id"]["value"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// WAIT_CONTAINER, failing (not hanging) when the container is never destroyed.
fn wait(agent: &Agent, id: &str) -> Value {
    let url = agent.url("/api/v1");
    let body = json!({"type": "WAIT_CONTAINER",
        "wait_container": {"container_id": {"value": id}}})
    .to_string();
    let (done, answer) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let reply = ureq::post(&url)
            .set("Content-Type", "application/json")
            .send_string(&body)
            .map_err(|e| e.to_string())
            .and_then(|r| r.into_string().map_err(|e| e.to_string()));
        let _ = done.send(reply);
    });
    let reply = answer
        .recv_timeout(Duration::from_secs(120))
        .unwrap_or_else(|_| panic!("WAIT_CONTAINER {id} did not return: it was never destroyed"))
        .unwrap_or_else(|e| panic!("WAIT_CONTAINER {id}: {e}"));
    let v: Value = serde_json::from_str(&reply).expect("json");
    v["wait_container"].clone()
}

fn healthy(agent: &Agent) -> bool {
    let (code, body) = agent.call(&json!({"type": "GET_HEALTH"}));
    code == 200 && body.contains("\"healthy\":true")
}

#[test]
fn minimal_program_launches_waits_reports_usage_and_destroys() {
    require!();
    let sandbox = Sandbox::new();
    let leftovers = Leftovers::new(&sandbox);
    let agent = external_agent(&sandbox, &minimal(), &[]);

    let (code, body) = agent.launch("fails", "echo \"hello there\"; exit 3", "cpus:0.1;mem:32");
    assert_eq!(code, 200, "{body}");
    let end = wait(&agent, "fails");
    assert_eq!(end["state"], "TASK_FAILED", "{end}");
    assert_eq!(end["exit_status"], 3 << 8, "{end}");
    assert_eq!(end["message"], "Command exited with status 3", "{end}");
    let stdout = std::fs::read_to_string(sandbox.dir().join("containers/fails/stdout")).unwrap();
    assert_eq!(stdout, "hello there\n");

    assert_eq!(agent.launch("done", "true", "cpus:0.1;mem:32").0, 200);
    assert_eq!(wait(&agent, "done")["state"], "TASK_FINISHED");

    let (code, body) = agent.launch("long", "sleep 300", "cpus:0.1;mem:32");
    assert_eq!(code, 200, "{body}");
    assert_eq!(ids(&agent.containers()), ["long"]);
    let statistics = agent.statistics("long");
    assert!(
        statistics["processes"].as_u64().unwrap_or(0) >= 1,
        "{statistics}"
    );
    assert!(
        statistics["mem_rss_bytes"].as_u64().unwrap_or(0) > 0,
        "{statistics}"
    );
    // The leftover check sees a running task (so it can fail).
    assert!(!leftovers.processes().is_empty());
    // Same id while it runs: Mesos answers 202.
    assert_eq!(agent.launch("long", "sleep 300", "cpus:0.1;mem:32").0, 202);
    assert_eq!(agent.kill("long", Some(libc::SIGTERM)), 200);
    let end = wait(&agent, "long");
    assert_eq!(end["state"], "TASK_KILLED", "{end}");
    assert!(agent.containers().is_empty());
    assert_eq!(agent.kill("long", None), 404);
    leftovers.assert_none();
    sandbox.assert_clean();
}

#[test]
fn hung_launch_is_killed_at_the_timeout_and_the_agent_stays_responsive() {
    require!();
    let sandbox = Sandbox::new();
    let leftovers = Leftovers::new(&sandbox);
    let agent = external_agent(
        &sandbox,
        &program("tests/external/hangs-in-launch.sh"),
        &["--external_containerizer_timeout", "1secs"],
    );
    let (code, body) = std::thread::scope(|scope| {
        let launch = scope.spawn(|| agent.launch("hung", "sleep 300", "cpus:0.1;mem:32"));
        // While the launch hangs, the agent answers.
        let child = sandbox.dir().join("hung-child.pid");
        assert!(
            eventually(Duration::from_secs(10), || child.exists().then_some(())).is_some(),
            "the program never started its child"
        );
        assert!(healthy(&agent));
        launch.join().expect("launch thread")
    });
    assert_eq!(code, 500, "{body}");
    assert!(
        body.contains("launch for container 'hung' timed out after 1s"),
        "{body}"
    );
    assert!(body.contains("hangs-in-launch.sh"), "{body}");
    let child: i64 = std::fs::read_to_string(sandbox.dir().join("hung-child.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        eventually(Duration::from_secs(5), || (!pid_alive(child)).then_some(())).is_some(),
        "the program's child {child} survived its process group's kill"
    );
    assert!(healthy(&agent));
    // A failed launch leaves no container behind.
    let (code, _) = agent.call(&json!({"type": "WAIT_CONTAINER",
        "wait_container": {"container_id": {"value": "hung"}}}));
    assert_eq!(code, 404);
    assert!(!sandbox.dir().join("meta/external/hung").exists());
    leftovers.assert_none();
    sandbox.assert_clean();
}

#[test]
fn garbage_cni_errors_and_floods_are_clear_launch_errors() {
    require!();
    let cases = [
        (
            "tests/external/prints-garbage.sh",
            vec![
                "launch for container 'bad' exited with status 0 but printed malformed JSON",
                "Container started! {{not json",
            ],
        ),
        (
            "tests/external/cni-error.sh",
            vec![
                "launch for container 'bad' exited with status 3: error 11: failed to set up \
                 pod network (no such device cni0)",
                "stderr: setting up the network | bridge plugin: cni0 missing",
            ],
        ),
        (
            "tests/external/prints-10mb.sh",
            vec!["launch for container 'bad' printed more than 1048576 bytes on stdout"],
        ),
    ];
    for (path, expected) in cases {
        let sandbox = Sandbox::new();
        let leftovers = Leftovers::new(&sandbox);
        let agent = external_agent(&sandbox, &program(path), &[]);
        let (code, body) = agent.launch("bad", "sleep 300", "cpus:0.1;mem:32");
        assert_eq!(code, 500, "{path}: {body}");
        for part in expected {
            assert!(body.contains(part), "{path}: expected '{part}' in: {body}");
        }
        assert!(healthy(&agent), "{path}");
        assert!(agent.containers().is_empty(), "{path}");
        assert!(!sandbox.dir().join("meta/external/bad").exists(), "{path}");
        leftovers.assert_none();
        sandbox.assert_clean();
    }
}

#[test]
fn version_mismatch_refuses_to_start() {
    require!();
    let sandbox = Sandbox::new();
    let old = program("tests/external/old-version.sh");
    let err = match Agent::try_start(
        &sandbox,
        ISOLATION,
        &["--containerizers", "external", "--containerizer_path", &old],
    ) {
        Ok(_) => panic!("an agent started with a program that speaks no common version"),
        Err(e) => e,
    };
    assert!(err.contains(&old), "{err}");
    assert!(
        err.contains("supports protocol versions [0.0.1, 0.0.2] but this agent speaks [0.1.0]"),
        "{err}"
    );
    // And without a program at all.
    let err = match Agent::try_start(&sandbox, ISOLATION, &["--containerizers", "external"]) {
        Ok(_) => panic!("an agent started without --containerizer_path"),
        Err(e) => e,
    };
    assert!(err.contains("--containerizer_path"), "{err}");
}

#[test]
fn restarted_agent_recovers_external_containers() {
    require!();
    let sandbox = Sandbox::new();
    let leftovers = Leftovers::new(&sandbox);
    let mut agent = external_agent(&sandbox, &minimal(), &[]);
    for i in 0..3 {
        let (code, body) = agent.launch(&format!("long{i}"), "sleep 300", "cpus:0.1;mem:32");
        assert_eq!(code, 200, "{body}");
    }
    assert_eq!(agent.launch("short", "sleep 1; exit 3", "cpus:0.1").0, 200);
    assert_eq!(agent.launch("gone", "sleep 300", "cpus:0.1").0, 200);
    agent.kill_hard();

    // While no agent runs: "gone" is destroyed behind the agent's back (the program no longer
    // lists it), and a container the agent never launched appears ("stray").
    let containers = sandbox.dir().join("containers");
    let gone: i32 = std::fs::read_to_string(containers.join("gone/pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SAFETY: kill has no memory effects; the task runs in its own session (setsid).
    unsafe { libc::kill(-gone, libc::SIGKILL) };
    std::fs::write(containers.join("gone/destroyed"), "").unwrap();
    let mut stray = Command::new("setsid")
        .args(["sleep", "300"])
        .env("MODKIT_WORK_DIRECTORY", leftovers.work_dir.as_os_str())
        .spawn()
        .unwrap();
    let stray_pid = stray.id() as i64;
    std::fs::create_dir_all(containers.join("stray")).unwrap();
    std::fs::write(containers.join("stray/pid"), stray_pid.to_string()).unwrap();
    // "short" ends while no agent runs (the program's wrapper then writes its exit code).
    let short_ended = eventually(Duration::from_secs(30), || {
        containers.join("short/exit").exists().then_some(())
    });
    assert!(short_ended.is_some(), "\"short\" never wrote its exit code");

    let agent = external_agent(&sandbox, &minimal(), &["--recover", "reconnect"]);
    let end = wait(&agent, "short");
    assert_eq!(end["state"], "TASK_FAILED", "{end}");
    assert_eq!(end["exit_status"], 3 << 8, "{end}");
    let end = wait(&agent, "gone");
    assert_eq!(end["state"], "TASK_FAILED", "{end}");
    assert_eq!(
        end["message"],
        "container lost: not listed by the external containerizer after restart"
    );
    let reaped = eventually(Duration::from_secs(10), || {
        (!pid_alive(stray_pid)).then_some(())
    });
    assert!(
        reaped.is_some(),
        "the unknown container {stray_pid} survived"
    );
    let _ = stray.wait();

    assert_eq!(ids(&agent.containers()), ["long0", "long1", "long2"]);
    assert!(agent.statistics("long1")["processes"].as_u64().unwrap_or(0) >= 1);
    for i in 0..3 {
        assert_eq!(agent.kill(&format!("long{i}"), None), 200);
        assert_eq!(wait(&agent, &format!("long{i}"))["state"], "TASK_KILLED");
    }
    leftovers.assert_none();
    sandbox.assert_clean();
}

#[test]
fn mesos_first_then_external_for_what_mesos_cannot_run() {
    require!("freezer");
    let sandbox = Sandbox::new();
    let leftovers = Leftovers::new(&sandbox);
    let agent = Agent::start(
        &sandbox,
        ISOLATION,
        &[
            "--containerizers",
            "mesos,external",
            "--containerizer_path",
            &minimal(),
        ],
    );
    let (code, body) = agent.call(&json!({"type": "LAUNCH_CONTAINER", "launch_container": {
        "container_id": {"value": "docker"},
        "command": {"value": "sleep 300"},
        "container": {"type": "DOCKER", "docker": {"image": "x"}},
        "resources": "cpus:0.1;mem:32"}}));
    assert_eq!(code, 200, "{body}");
    assert_eq!(agent.launch("plain", "sleep 300", "cpus:0.1;mem:32").0, 200);
    let containers = agent.containers();
    assert_eq!(ids(&containers), ["docker", "plain"]);
    // The external program keeps its pid in the sandbox; the native one reports its own.
    assert!(sandbox.dir().join("containers/docker/pid").exists());
    assert!(!sandbox.dir().join("containers/plain/pid").exists());
    assert!(containers[1]["container_status"]["executor_pid"].is_u64());
    assert!(containers[0]["container_status"]["executor_pid"].is_null());
    for id in ["docker", "plain"] {
        assert_eq!(agent.kill(id, None), 200);
        assert_eq!(wait(&agent, id)["state"], "TASK_KILLED", "{id}");
    }
    leftovers.assert_none();
    sandbox.assert_clean();
}

/// The runc example needs runc, a static busybox and python3; installed with apt-get when
/// missing, else the test skips.
fn runc_available() -> Result<(), String> {
    let have = |tool: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if !(have("runc") && have("busybox")) {
        let _ = Command::new("apt-get")
            .args(["install", "-y", "-qq", "runc", "busybox-static"])
            .status();
    }
    for tool in ["runc", "busybox", "python3"] {
        if !have(tool) {
            return Err(format!(
                "{tool} is not installed and could not be installed"
            ));
        }
    }
    Ok(())
}

fn runc_containers(root: &Path) -> Vec<String> {
    let out = Command::new("runc")
        .arg("--root")
        .arg(root)
        .args(["list", "--quiet"])
        .output();
    match out {
        Ok(out) => String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn runc_containerizer_runs_tasks_in_containers() {
    require!("memory");
    if let Err(why) = runc_available() {
        eprintln!("skipping: {why}");
        return;
    }
    let sandbox = Sandbox::new();
    let leftovers = Leftovers::new(&sandbox);
    let agent = external_agent(
        &sandbox,
        &program("examples/external/runc-containerizer"),
        &[],
    );

    let (code, body) = agent.launch(
        "hello",
        "echo hi from $(hostname); exit 3",
        "cpus:0.5;mem:64",
    );
    assert_eq!(code, 200, "{body}");
    let end = wait(&agent, "hello");
    assert_eq!(end["state"], "TASK_FAILED", "{end}");
    assert_eq!(end["exit_status"], 3 << 8, "{end}");
    let stdout = std::fs::read_to_string(sandbox.dir().join("containers/hello/stdout")).unwrap();
    assert_eq!(stdout, "hi from hello\n");

    let (code, body) = agent.launch("long", "sleep 300", "cpus:0.5;mem:64");
    assert_eq!(code, 200, "{body}");
    let statistics = agent.statistics("long");
    assert_eq!(
        statistics["mem_limit_bytes"],
        64 * 1024 * 1024,
        "{statistics}"
    );
    assert!(
        statistics["processes"].as_u64().unwrap_or(0) >= 1,
        "{statistics}"
    );
    let shares = std::fs::read_to_string("/sys/fs/cgroup/cpu/modkit-external/long/cpu.shares")
        .unwrap_or_default();
    assert_eq!(shares.trim(), "512");
    assert_eq!(agent.kill("long", None), 200);
    assert_eq!(wait(&agent, "long")["state"], "TASK_KILLED");

    let root = leftovers.work_dir.join("runc");
    assert!(
        runc_containers(&root).is_empty(),
        "runc containers left: {:?}",
        runc_containers(&root)
    );
    assert!(!Path::new("/sys/fs/cgroup/memory/modkit-external/long").exists());
    assert!(
        !Path::new("/sys/fs/cgroup/memory/modkit-external").exists(),
        "the last destroy removes runc's cgroup parent"
    );
    leftovers.assert_none();
    sandbox.assert_clean();
}
