//! Launch, wait, kill: task states, exit statuses and kill grace periods.

use crate::harness::{pid_alive, require, Agent, Sandbox};
use serde_json::json;

#[test]
fn finished_and_failed_commands_report_their_status() {
    require!("freezer");
    let sandbox = Sandbox::new();
    let agent = Agent::start(&sandbox, "posix/cpu,posix/mem", &[]);
    assert_eq!(
        agent
            .launch("ok", "echo hello; echo oops >&2", "cpus:0.1;mem:32")
            .0,
        200
    );
    let ok = agent.wait("ok");
    assert_eq!(ok["state"], "TASK_FINISHED", "{ok}");
    assert_eq!(ok["exit_status"], 0);
    let sandbox_dir = sandbox.dir().join("containers/ok");
    assert_eq!(
        std::fs::read_to_string(sandbox_dir.join("stdout")).unwrap(),
        "hello\n"
    );
    assert_eq!(
        std::fs::read_to_string(sandbox_dir.join("stderr")).unwrap(),
        "oops\n"
    );

    assert_eq!(agent.launch("bad", "exit 3", "cpus:0.1;mem:32").0, 200);
    let bad = agent.wait("bad");
    assert_eq!(bad["state"], "TASK_FAILED", "{bad}");
    assert_eq!(bad["exit_status"], 3 << 8);
    assert_eq!(bad["message"], "Command exited with status 3");
    // The same id again while nothing runs under it is a new container.
    assert_eq!(agent.launch("ok", "true", "cpus:0.1").0, 200);
    assert_eq!(agent.wait("ok")["state"], "TASK_FINISHED");
    sandbox.assert_clean();
}

#[test]
fn environment_and_sandbox_are_set() {
    require!("freezer");
    let sandbox = Sandbox::new();
    let agent = Agent::start(&sandbox, "posix/cpu", &[]);
    let (code, body) = agent.call(&json!({"type": "LAUNCH_CONTAINER", "launch_container": {
        "container_id": {"value": "env"},
        "command": {"value": "echo $GREETING; pwd; echo $MESOS_SANDBOX",
                    "environment": {"variables": [{"name": "GREETING", "value": "hi"}]}},
        "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}}]}}));
    assert_eq!(code, 200, "{body}");
    assert_eq!(agent.wait("env")["state"], "TASK_FINISHED");
    let dir = sandbox.dir().canonicalize().unwrap().join("containers/env");
    let out = std::fs::read_to_string(dir.join("stdout")).unwrap();
    assert_eq!(out, format!("hi\n{0}\n{0}\n", dir.display()));
    sandbox.assert_clean();
}

#[test]
fn kill_with_a_grace_period() {
    require!("freezer");
    let sandbox = Sandbox::new();
    let agent = Agent::start(
        &sandbox,
        "posix/cpu",
        &["--executor_shutdown_grace_period", "1secs"],
    );
    // Handles SIGTERM: ends by itself within the grace period.
    agent.launch(
        "polite",
        "trap 'exit 7' TERM; while :; do sleep 0.05; done",
        "cpus:0.1",
    );
    // Ignores SIGTERM: SIGKILLed after the grace period.
    agent.launch(
        "stubborn",
        "trap '' TERM; while :; do sleep 0.05; done",
        "cpus:0.1",
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(agent.kill("polite", Some(libc::SIGTERM)), 200);
    assert_eq!(agent.kill("stubborn", Some(libc::SIGTERM)), 200);
    let polite = agent.wait("polite");
    assert_eq!(polite["state"], "TASK_KILLED", "{polite}");
    assert_eq!(polite["exit_status"], 7 << 8, "{polite}");
    let stubborn = agent.wait("stubborn");
    assert_eq!(stubborn["state"], "TASK_KILLED", "{stubborn}");
    assert_ne!(stubborn["exit_status"], 7 << 8, "{stubborn}");
    assert_eq!(agent.kill("nobody", None), 404);
    sandbox.assert_clean();
}

#[test]
fn destroy_kills_every_process_of_the_container() {
    require!("freezer");
    let sandbox = Sandbox::new();
    let agent = Agent::start(&sandbox, "posix/cpu", &[]);
    // A grandchild that leaves the task's session and process group.
    agent.launch(
        "escape",
        "setsid sh -c 'echo $$ > escaped; exec sleep 300' & sleep 300",
        "cpus:0.1",
    );
    let file = sandbox.dir().join("containers/escape/escaped");
    let pid: i64 = crate::harness::eventually(std::time::Duration::from_secs(5), || {
        std::fs::read_to_string(&file).ok()?.trim().parse().ok()
    })
    .expect("the escaped pid");
    assert!(pid_alive(pid));
    assert_eq!(agent.kill("escape", None), 200);
    assert_eq!(agent.wait("escape")["state"], "TASK_KILLED");
    assert!(!pid_alive(pid), "process {pid} escaped the destroy");
    sandbox.assert_clean();
}
