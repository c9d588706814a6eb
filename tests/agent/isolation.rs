//! Limits that hold: memory, pids, CPU, the pid namespace; a launch that fails leaves nothing.

use crate::harness::{eventually, require, Agent, Sandbox};
use serde_json::json;
use std::time::Duration;

#[test]
fn memory_hog_fails_with_the_memory_reason() {
    require!("freezer", "memory");
    let sandbox = Sandbox::new();
    let agent = Agent::start(&sandbox, "cgroups/mem", &[]);
    // Grows well past 64 MB; the cgroup's OOM killer stops it.
    assert_eq!(
        agent.launch("hog", "tail /dev/zero", "cpus:0.1;mem:64").0,
        200
    );
    let end = agent.wait("hog");
    assert_eq!(end["state"], "TASK_FAILED", "{end}");
    assert_eq!(end["reason"], "REASON_CONTAINER_LIMITATION_MEMORY", "{end}");
    let message = end["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Memory limit exceeded: Requested: 64MB, Maximum Used: "),
        "{message}"
    );
    sandbox.assert_clean();
}

#[test]
fn fork_bomb_is_contained_and_the_agent_stays_responsive() {
    require!("freezer", "pids");
    let sandbox = Sandbox::new();
    let agent = Agent::start(&sandbox, "cgroups/pids", &[]);
    agent.launch(
        "bomb",
        // bash, unlike dash, keeps going when fork fails.
        "exec bash -c 'for i in $(seq 1 200); do sleep 60 & done 2>/dev/null; wait'",
        "cpus:0.1;mem:64;pids:32",
    );
    let pids_current = format!("/sys/fs/cgroup/pids/{}/bomb/pids.current", sandbox.root);
    let at_limit = eventually(Duration::from_secs(10), || {
        let n: u64 = std::fs::read_to_string(&pids_current)
            .ok()?
            .trim()
            .parse()
            .ok()?;
        (n >= 30).then_some(n)
    });
    assert!(at_limit.is_some(), "the bomb never reached the limit");
    std::thread::sleep(Duration::from_millis(500));
    let n: u64 = std::fs::read_to_string(&pids_current)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(n <= 32, "pids.current {n} beyond pids:32");
    assert_eq!(agent.call(&json!({"type": "GET_HEALTH"})).0, 200);
    let stats = agent.statistics("bomb");
    assert!(stats["processes"].as_u64().unwrap_or(0) >= 30, "{stats}");
    assert_eq!(agent.kill("bomb", None), 200);
    assert_eq!(agent.wait("bomb")["state"], "TASK_KILLED");
    sandbox.assert_clean();
}

#[test]
fn cpu_usage_and_cfs_throttling_show_in_statistics() {
    require!("freezer", "cpu", "cpuacct");
    let sandbox = Sandbox::new();
    let agent = Agent::start(&sandbox, "cgroups/cpu", &["--cgroups_enable_cfs=true"]);
    agent.launch("spin", "while :; do :; done", "cpus:0.2;mem:32");
    let stats = eventually(Duration::from_secs(10), || {
        let s = agent.statistics("spin");
        let throttled = s["cpus_nr_throttled"].as_u64()?;
        let user = s["cpus_user_time_secs"].as_f64()? + s["cpus_system_time_secs"].as_f64()?;
        (throttled > 0 && user > 0.05).then_some(s)
    })
    .expect("throttling and CPU time in the statistics");
    assert_eq!(stats["cpus_limit"], 0.2, "{stats}");
    let quota = std::fs::read_to_string(format!(
        "/sys/fs/cgroup/cpu/{}/spin/cpu.cfs_quota_us",
        sandbox.root
    ))
    .unwrap();
    assert_eq!(quota.trim(), "20000");
    assert_eq!(agent.kill("spin", None), 200);
    agent.wait("spin");
    sandbox.assert_clean();
}

#[test]
fn pid_namespace_shows_only_the_container() {
    require!("freezer");
    let sandbox = Sandbox::new();
    let agent = Agent::start(&sandbox, "namespaces/pid", &[]);
    agent.launch("ns", "ls /proc | grep -c '^[0-9]*$'; echo $$", "cpus:0.1");
    assert_eq!(agent.wait("ns")["state"], "TASK_FINISHED");
    let out = std::fs::read_to_string(sandbox.dir().join("containers/ns/stdout")).unwrap();
    let mut lines = out.lines();
    let visible: u32 = lines.next().unwrap().parse().unwrap();
    let own_pid: u32 = lines.next().unwrap().parse().unwrap();
    // The supervisor (pid 1), the shell, ls and grep at most.
    assert!(visible <= 4, "the task sees {visible} processes");
    assert!(
        own_pid <= 3,
        "the task's pid {own_pid} is not from a fresh namespace"
    );
    // The host's /proc is untouched.
    assert!(std::fs::read_dir("/proc").unwrap().count() > 10);
    sandbox.assert_clean();
}

#[test]
fn missing_binary_is_a_clear_error_and_leaves_nothing() {
    require!("freezer", "memory", "cpu", "pids");
    let sandbox = Sandbox::new();
    let agent = Agent::start(
        &sandbox,
        "cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid",
        &[],
    );
    let (code, body) = agent.call(&json!({"type": "LAUNCH_CONTAINER", "launch_container": {
        "container_id": {"value": "missing"},
        "command": {"shell": false, "value": "/no/such"},
        "resources": "cpus:0.1;mem:32"}}));
    assert_eq!(code, 500, "{body}");
    assert!(
        body.contains("exec '/no/such': No such file or directory (os error 2)"),
        "{body}"
    );
    assert!(agent.containers().is_empty());
    sandbox.assert_clean();
}
