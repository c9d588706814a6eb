//! `modkit execute`: state transitions on stdout, the task's status as the exit code.

use crate::harness::{modkit, require, Agent, Sandbox};
use std::process::Command;

fn execute(sandbox: &Sandbox, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(modkit())
        .arg("execute")
        .arg("--work_dir")
        .arg(sandbox.dir())
        .args(["--cgroups_root", &sandbox.root])
        .args(args)
        .output()
        .expect("run modkit execute");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn prints_transitions_and_exits_with_the_task_status() {
    require!("freezer", "cpu", "cpuacct", "memory", "pids");
    let sandbox = Sandbox::new();
    let (code, out, err) = execute(
        &sandbox,
        &[
            "--name",
            "ok",
            "--command",
            "true",
            "--resources",
            "cpus:0.5;mem:64;pids:32",
            "--isolation",
            "cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let states: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .map(|s| s.split(' ').next().unwrap_or(s))
        .collect();
    assert_eq!(
        states,
        ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"],
        "{out}"
    );

    let (code, out, _) = execute(&sandbox, &["--name", "three", "--command", "exit 3"]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("task three: TASK_FAILED (REASON_COMMAND_EXECUTOR_FAILED): Command exited with status 3"), "{out}");

    let (code, out, _) = execute(
        &sandbox,
        &[
            "--name",
            "hog",
            "--command",
            "tail /dev/zero",
            "--resources",
            "cpus:0.1;mem:32",
            "--isolation",
            "cgroups/mem",
        ],
    );
    assert_ne!(code, 0);
    assert!(
        out.contains("TASK_FAILED (REASON_CONTAINER_LIMITATION_MEMORY): Memory limit exceeded"),
        "{out}"
    );
    sandbox.assert_clean();
}

#[test]
fn bad_input_is_reported() {
    let sandbox = Sandbox::new();
    let (code, _, err) = execute(&sandbox, &["--command", "true", "--resources", "mem:-5"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("--resources: invalid resources 'mem:-5': negative value -5 for 'mem'"),
        "{err}"
    );
    let (code, _, err) = execute(
        &sandbox,
        &["--command", "true", "--isolation", "cgroups/nope"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("cgroups/nope"), "{err}");
}

#[test]
fn runs_on_an_agent() {
    require!("freezer");
    let sandbox = Sandbox::new();
    let agent = Agent::start(&sandbox, "posix/cpu", &[]);
    let (code, out, err) = execute(
        &sandbox,
        &[
            "--agent",
            &agent.address,
            "--name",
            "remote",
            "--command",
            "exit 4",
        ],
    );
    assert_eq!(code, 4, "{out}{err}");
    assert!(out.contains("TASK_RUNNING (on agent"), "{out}");
    assert!(out.contains("Command exited with status 4"), "{out}");
    sandbox.assert_clean();
}
