//! Devices, GPUs and capabilities end to end: the device cgroup denies what a container does
//! not hold, `gpu/devices` hands out fake GPUs of the `static` provider (mknod'ed nodes) and
//! keeps its assignments across an agent SIGKILL, and `linux/capabilities` takes `chown` and
//! low ports away.

use crate::harness::{require, Agent, Sandbox};
use serde_json::{json, Value};
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Removes the `devices` cgroups of a test (the harness's Sandbox knows the other
/// controllers) and counts them as leftovers.
struct DevicesGuard {
    root: PathBuf,
}

impl DevicesGuard {
    fn new(sandbox: &Sandbox) -> DevicesGuard {
        DevicesGuard {
            root: Path::new("/sys/fs/cgroup/devices").join(&sandbox.root),
        }
    }

    fn leftovers(&self) -> Vec<PathBuf> {
        std::fs::read_dir(&self.root)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn assert_clean(&self, sandbox: &Sandbox) {
        let left = self.leftovers();
        assert!(left.is_empty(), "device cgroups left behind: {left:?}");
        sandbox.assert_clean();
    }
}

impl Drop for DevicesGuard {
    fn drop(&mut self) {
        for dir in self.leftovers() {
            if let Ok(procs) = std::fs::read_to_string(dir.join("cgroup.procs")) {
                for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
                    // SAFETY: kill has no memory effects.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
            }
            let _ = std::fs::remove_dir(&dir);
        }
        let _ = std::fs::remove_dir(&self.root);
    }
}

/// A character device node at `path` (like `mknod path c major minor`).
fn mknod(path: &Path, major: u32, minor: u32) -> std::io::Result<()> {
    let c = CString::new(path.as_os_str().as_bytes()).expect("no NUL in a temp path");
    // SAFETY: a NUL-terminated path; plain integer arguments.
    let rc = unsafe {
        libc::mknod(
            c.as_ptr(),
            libc::S_IFCHR | 0o666,
            libc::makedev(major, minor),
        )
    };
    if rc < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Two fake GPUs: `fake0` is a copy of /dev/kmsg (1:11, a real driver, opens for reading),
/// `fake1` an unused major (240:0). Neither is in the default allow-list.
fn fake_gpus(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let (gpu0, gpu1) = (dir.join("fake0"), dir.join("fake1"));
    for (node, major, minor) in [(&gpu0, 1, 11), (&gpu1, 240, 0)] {
        if let Err(e) = mknod(node, major, minor) {
            eprintln!("skipping: cannot mknod {}: {e}", node.display());
            return None;
        }
    }
    Some((gpu0, gpu1))
}

fn devices_flag(gpu0: &Path, gpu1: &Path) -> String {
    format!("--devices=gpus:0={},1={}", gpu0.display(), gpu1.display())
}

fn sandbox_file(sandbox: &Sandbox, id: &str, file: &str) -> String {
    std::fs::read_to_string(sandbox.dir().join("containers").join(id).join(file))
        .unwrap_or_default()
}

fn launch_with(
    agent: &Agent,
    id: &str,
    command: &str,
    resources: &str,
    container: Value,
) -> (u16, String) {
    let mut launch = json!({
        "container_id": {"value": id},
        "command": {"value": command},
        "resources": resources});
    if !container.is_null() {
        launch["container"] = container;
    }
    agent.call(&json!({"type": "LAUNCH_CONTAINER", "launch_container": launch}))
}

#[test]
fn a_device_opens_only_when_allocated() {
    require!("freezer", "devices");
    let sandbox = Sandbox::new();
    let guard = DevicesGuard::new(&sandbox);
    let nodes = tempfile::tempdir().unwrap();
    let Some((gpu0, gpu1)) = fake_gpus(nodes.path()) else {
        return;
    };
    let agent = Agent::start(&sandbox, "gpu/devices", &[&devices_flag(&gpu0, &gpu1)]);
    let probe = format!(
        "true < /dev/null && echo null-ok; true < {} && echo gpu0-ok G=$MODKIT_GPU_DEVICES; true < {} && echo gpu1-ok; exit 0",
        gpu0.display(),
        gpu1.display()
    );

    assert_eq!(agent.launch("none", &probe, "cpus:0.1;mem:32").0, 200);
    assert_eq!(agent.wait("none")["state"], "TASK_FINISHED");
    let out = sandbox_file(&sandbox, "none", "stdout");
    let err = sandbox_file(&sandbox, "none", "stderr");
    assert!(out.contains("null-ok"), "{out}");
    assert!(
        !out.contains("gpu0-ok") && !out.contains("gpu1-ok"),
        "{out}"
    );
    assert_eq!(err.matches("Operation not permitted").count(), 2, "{err}");

    assert_eq!(agent.launch("one", &probe, "cpus:0.1;mem:32;gpus:1").0, 200);
    assert_eq!(agent.wait("one")["state"], "TASK_FINISHED");
    let out = sandbox_file(&sandbox, "one", "stdout");
    let err = sandbox_file(&sandbox, "one", "stderr");
    assert!(
        out.contains("null-ok") && out.contains("gpu0-ok G=0"),
        "{out}"
    );
    assert!(!out.contains("gpu1-ok"), "{out}");
    assert_eq!(err.matches("Operation not permitted").count(), 1, "{err}");
    guard.assert_clean(&sandbox);
}

#[test]
fn two_gpus_three_containers_the_third_is_refused_until_one_ends() {
    require!("freezer", "devices");
    let sandbox = Sandbox::new();
    let guard = DevicesGuard::new(&sandbox);
    let nodes = tempfile::tempdir().unwrap();
    let Some((gpu0, gpu1)) = fake_gpus(nodes.path()) else {
        return;
    };
    let agent = Agent::start(
        &sandbox,
        "cgroups/devices,gpu/devices",
        &[&devices_flag(&gpu0, &gpu1)],
    );
    let (code, body) = agent.call(&json!({"type": "GET_AGENT"}));
    assert_eq!(code, 200, "{body}");
    let info: Value = serde_json::from_str(&body).expect("json");
    let gpus = info["get_agent"]["agent_info"]["resources"]
        .as_array()
        .and_then(|all| all.iter().find(|r| r["name"] == "gpus").cloned());
    assert_eq!(
        gpus.map(|g| g["scalar"]["value"].clone()),
        Some(json!(2)),
        "{body}"
    );
    for id in ["a", "b"] {
        assert_eq!(
            agent.launch(id, "sleep 60", "cpus:0.1;mem:32;gpus:1").0,
            200
        );
    }
    let (code, body) = agent.launch("c", "sleep 60", "cpus:0.1;mem:32;gpus:1");
    assert_ne!(code, 200, "{body}");
    assert!(
        body.contains("container 'c' asks for 1 gpus, 0 free (of 2)"),
        "{body}"
    );
    assert_eq!(agent.kill("a", None), 200);
    assert_eq!(agent.wait("a")["state"], "TASK_KILLED");
    let command = "echo G=$MODKIT_GPU_DEVICES";
    assert_eq!(agent.launch("c2", command, "cpus:0.1;mem:32;gpus:1").0, 200);
    assert_eq!(agent.wait("c2")["state"], "TASK_FINISHED");
    assert_eq!(sandbox_file(&sandbox, "c2", "stdout").trim(), "G=0");
    assert_eq!(agent.kill("b", None), 200);
    agent.wait("b");
    guard.assert_clean(&sandbox);
}

#[test]
fn gpu_assignments_survive_an_agent_sigkill() {
    require!("freezer", "devices");
    let sandbox = Sandbox::new();
    let guard = DevicesGuard::new(&sandbox);
    let nodes = tempfile::tempdir().unwrap();
    let Some((gpu0, gpu1)) = fake_gpus(nodes.path()) else {
        return;
    };
    let flag = devices_flag(&gpu0, &gpu1);
    let mut first = Agent::start(&sandbox, "gpu/devices", &[&flag]);
    assert_eq!(
        first.launch("held", "sleep 60", "cpus:0.1;mem:32;gpus:1").0,
        200
    );
    first.kill_hard();

    let agent = Agent::start(&sandbox, "gpu/devices", &[&flag]);
    let command = "echo G=$MODKIT_GPU_DEVICES";
    assert_eq!(
        agent.launch("next", command, "cpus:0.1;mem:32;gpus:1").0,
        200
    );
    assert_eq!(agent.wait("next")["state"], "TASK_FINISHED");
    assert_eq!(sandbox_file(&sandbox, "next", "stdout").trim(), "G=1");
    assert_eq!(
        agent.launch("long", "sleep 60", "cpus:0.1;mem:32;gpus:1").0,
        200
    );
    let (code, body) = agent.launch("third", "sleep 60", "cpus:0.1;mem:32;gpus:1");
    assert!(
        code != 200 && body.contains("0 free (of 2)"),
        "{code} {body}"
    );
    for id in ["held", "long"] {
        assert_eq!(agent.kill(id, None), 200);
        agent.wait(id);
    }
    guard.assert_clean(&sandbox);
}

#[test]
fn gpus_in_resources_must_match_the_devices() {
    require!("freezer", "devices");
    let sandbox = Sandbox::new();
    let guard = DevicesGuard::new(&sandbox);
    let nodes = tempfile::tempdir().unwrap();
    let Some((gpu0, gpu1)) = fake_gpus(nodes.path()) else {
        return;
    };
    let flag = devices_flag(&gpu0, &gpu1);
    let e = Agent::try_start(
        &sandbox,
        "gpu/devices",
        &[&flag, "--resources", "cpus:1;mem:256;gpus:3"],
    )
    .err()
    .expect("a gpus count that differs is refused");
    assert!(
        e.contains("gpus:3 does not match the 2 gpus the device providers report"),
        "{e}"
    );
    let e = Agent::try_start(
        &sandbox,
        "gpu/devices",
        &[&flag, "--resources", "cpus:1;mem:256;gpus:0.5"],
    )
    .err()
    .expect("fractional gpus are refused");
    assert!(e.contains("gpus must be an unsigned integer"), "{e}");
    let missing = format!("--devices=gpus:0={}", nodes.path().join("absent").display());
    let e = Agent::try_start(&sandbox, "gpu/devices", &[&missing])
        .err()
        .expect("a missing node is refused");
    assert!(e.contains("absent: No such file or directory"), "{e}");
    guard.assert_clean(&sandbox);
}

#[test]
fn a_vendor_provider_module_in_c_hands_out_its_devices() {
    require!("freezer", "devices");
    let sandbox = Sandbox::new();
    let guard = DevicesGuard::new(&sandbox);
    let library = crate::common::c_module("examples/modules/c/fake_fpga_provider.c");
    let flag = format!(
        "--device_providers=org_example_FakeFpgaProvider@{}",
        library.display()
    );
    let agent = Agent::start(&sandbox, "gpu/devices", &[&flag]);
    let (code, body) = agent.call(&json!({"type": "GET_AGENT"}));
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains(r#"{"name":"fpgas","role":"*","scalar":{"value":2}"#),
        "{body}"
    );
    assert_eq!(
        agent
            .launch(
                "f",
                "echo F=$MODKIT_DEVICES_FPGAS; exec sleep 60",
                "cpus:0.1;mem:32;fpgas:1"
            )
            .0,
        200
    );
    let list = Path::new("/sys/fs/cgroup/devices")
        .join(&sandbox.root)
        .join("f/devices.list");
    let rules = std::fs::read_to_string(&list).unwrap_or_default();
    assert!(rules.lines().any(|l| l == "c 240:0 rwm"), "{rules}");
    assert!(
        !rules
            .lines()
            .any(|l| l == "c 240:1 rwm" || l == "a *:* rwm"),
        "{rules}"
    );
    let (code, body) = agent.launch("g", "true", "cpus:0.1;mem:32;fpgas:2");
    assert!(
        code != 200 && body.contains("asks for 2 fpgas, 1 free (of 2)"),
        "{code} {body}"
    );
    assert_eq!(agent.kill("f", None), 200);
    agent.wait("f");
    assert_eq!(sandbox_file(&sandbox, "f", "stdout").trim(), "F=0");
    guard.assert_clean(&sandbox);
}

/// The same C provider loaded with `--modules` (a registry module of kind device_provider)
/// and selected by its name alone; names that are not device providers are refused.
#[test]
fn a_provider_module_from_modules_is_selected_by_name() {
    require!("freezer", "devices");
    let sandbox = Sandbox::new();
    let guard = DevicesGuard::new(&sandbox);
    let library = crate::common::c_module("examples/modules/c/fake_fpga_provider.c");
    let spec = format!(
        r#"--modules={{"libraries":[{{"file":"{}","modules":[{{"name":"org_example_FakeFpgaProvider"}}]}}]}}"#,
        library.display()
    );
    let flag = "--device_providers=org_example_FakeFpgaProvider";
    let agent = Agent::start(&sandbox, "gpu/devices", &[&spec, flag]);
    let (code, body) = agent.call(&json!({"type": "GET_AGENT"}));
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains(r#"{"name":"fpgas","role":"*","scalar":{"value":2}"#),
        "{body}"
    );
    let (code, body) = agent.launch(
        "f",
        "echo F=$MODKIT_DEVICES_FPGAS",
        "cpus:0.1;mem:32;fpgas:1",
    );
    assert_eq!(code, 200, "{body}");
    agent.wait("f");
    assert_eq!(sandbox_file(&sandbox, "f", "stdout").trim(), "F=0");
    drop(agent);
    // Not loaded: the error names the flag, the module and what is known.
    let e = Agent::try_start(
        &sandbox,
        "gpu/devices",
        &[&spec, "--device_providers=org_example_Missing"],
    )
    .err()
    .expect("an unknown provider is refused");
    assert!(e.contains("--device_providers"), "{e}");
    assert!(e.contains("org_example_Missing"), "{e}");
    assert!(e.contains("org_example_FakeFpgaProvider"), "{e}");
    // A module of another kind.
    let e = Agent::try_start(
        &sandbox,
        "gpu/devices",
        &[&spec, "--device_providers=gpu/devices"],
    )
    .err()
    .expect("an isolator is not a device provider");
    assert!(e.contains("gpu/devices"), "{e}");
    assert!(e.contains("device_provider"), "{e}");
    guard.assert_clean(&sandbox);
}

#[test]
fn a_capability_less_task_cannot_chown_or_bind_port_80() {
    require!("freezer");
    if which("python3").is_none() {
        eprintln!("skipping: no python3 to bind a socket");
        return;
    }
    let sandbox = Sandbox::new();
    let agent = Agent::start(
        &sandbox,
        "linux/capabilities",
        &["--effective_capabilities=none"],
    );
    let probe = "touch f; chown 65534 f && echo chown-ok; \
                 python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 80)); print(\"bind-ok\")'; \
                 grep CapEff /proc/self/status; exit 0";
    assert_eq!(agent.launch("nocaps", probe, "cpus:0.1;mem:64").0, 200);
    assert_eq!(agent.wait("nocaps")["state"], "TASK_FINISHED");
    let out = sandbox_file(&sandbox, "nocaps", "stdout");
    let err = sandbox_file(&sandbox, "nocaps", "stderr");
    assert!(
        !out.contains("chown-ok") && !out.contains("bind-ok"),
        "{out}"
    );
    assert!(out.contains("CapEff:\t0000000000000000"), "{out}");
    assert!(err.contains("Operation not permitted"), "{err}");
    assert!(err.contains("PermissionError"), "{err}");

    // The same task asking for CHOWN (per task, in its ContainerInfo) may chown, not bind.
    let container = json!({"type": "MESOS",
        "linux_info": {"effective_capabilities": {"capabilities": ["CHOWN"]}}});
    let (code, body) = launch_with(&agent, "chown", probe, "cpus:0.1;mem:64", container);
    assert_eq!(code, 200, "{body}");
    assert_eq!(agent.wait("chown")["state"], "TASK_FINISHED");
    let out = sandbox_file(&sandbox, "chown", "stdout");
    assert!(
        out.contains("chown-ok") && !out.contains("bind-ok"),
        "{out}"
    );
    assert!(out.contains("CapEff:\t0000000000000001"), "{out}");
    sandbox.assert_clean();
}

#[test]
fn a_task_asking_beyond_the_bounding_set_is_refused() {
    require!("freezer");
    let sandbox = Sandbox::new();
    let agent = Agent::start(
        &sandbox,
        "linux/capabilities",
        &["--bounding_capabilities=CHOWN"],
    );
    let container = json!({"type": "MESOS",
        "linux_info": {"effective_capabilities": {"capabilities": ["SYS_ADMIN"]}}});
    let (code, body) = launch_with(&agent, "greedy", "true", "cpus:0.1;mem:32", container);
    assert_ne!(code, 200, "{body}");
    assert!(
        body.contains("SYS_ADMIN outside the agent's --bounding_capabilities (CHOWN)"),
        "{body}"
    );
    sandbox.assert_clean();
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}
