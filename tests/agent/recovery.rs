//! A killed agent's containers survive it: re-adopted with `--recover=reconnect`, killed with
//! `cleanup`; those that ended meanwhile keep their real exit status; orphans and corrupt
//! checkpoints are cleaned up.

use crate::harness::{eventually, pid_alive, require, Agent, Sandbox};
use std::time::Duration;

const ISOLATION: &str = "cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid";

fn supervisor_pids(agent: &Agent) -> Vec<i64> {
    agent
        .containers()
        .iter()
        .filter_map(|c| c["container_status"]["executor_pid"].as_i64())
        .collect()
}

#[test]
fn reconnect_after_sigkill_readopts_and_reaps() {
    require!("freezer", "cpu", "cpuacct", "memory", "pids");
    let sandbox = Sandbox::new();
    let mut agent = Agent::start(&sandbox, ISOLATION, &[]);
    for i in 0..3 {
        assert_eq!(
            agent
                .launch(&format!("long{i}"), "sleep 300", "cpus:0.1;mem:32")
                .0,
            200
        );
    }
    for i in 0..2 {
        let (code, body) = agent.launch(&format!("short{i}"), "sleep 1; exit 3", "cpus:0.1;mem:32");
        assert_eq!(code, 200, "{body}");
    }
    assert_eq!(agent.containers().len(), 5);
    agent.kill_hard();
    // The short ones end while no agent runs.
    std::thread::sleep(Duration::from_millis(1500));

    let agent = Agent::start(&sandbox, ISOLATION, &["--recover", "reconnect"]);
    for i in 0..2 {
        let end = agent.wait(&format!("short{i}"));
        assert_eq!(end["state"], "TASK_FAILED", "{end}");
        assert_eq!(end["exit_status"], 3 << 8, "{end}");
    }
    let live: Vec<String> = agent
        .containers()
        .iter()
        .map(|c| {
            c["container_id"]["value"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(live, ["long0", "long1", "long2"]);
    // Re-adopted containers keep reporting usage and can be killed.
    assert!(agent.statistics("long0")["mem_total_bytes"].is_u64());
    let pids = supervisor_pids(&agent);
    assert_eq!(pids.len(), 3);
    for i in 0..3 {
        assert_eq!(agent.kill(&format!("long{i}"), None), 200);
        assert_eq!(agent.wait(&format!("long{i}"))["state"], "TASK_KILLED");
    }
    for pid in pids {
        assert!(!pid_alive(pid), "supervisor {pid} still alive");
    }
    sandbox.assert_clean();
}

#[test]
fn cleanup_kills_everything_a_previous_agent_left() {
    require!("freezer", "cpu", "cpuacct", "memory", "pids");
    let sandbox = Sandbox::new();
    let mut agent = Agent::start(&sandbox, ISOLATION, &[]);
    for i in 0..3 {
        agent.launch(&format!("c{i}"), "sleep 300", "cpus:0.1;mem:32");
    }
    let pids = supervisor_pids(&agent);
    assert_eq!(pids.len(), 3);
    agent.kill_hard();
    let agent = Agent::start(&sandbox, ISOLATION, &["--recover", "cleanup"]);
    assert!(agent.containers().is_empty());
    for i in 0..3 {
        assert_eq!(agent.wait(&format!("c{i}"))["state"], "TASK_KILLED");
    }
    for pid in pids {
        assert!(!pid_alive(pid), "supervisor {pid} still alive");
    }
    sandbox.assert_clean();
}

#[test]
fn orphans_and_corrupt_checkpoints_are_cleaned_up() {
    require!("freezer", "cpu", "cpuacct", "memory", "pids");
    let sandbox = Sandbox::new();
    // An orphan: a cgroup under our root with a process in it, that no checkpoint names.
    let orphan = format!("/sys/fs/cgroup/freezer/{}/orphan", sandbox.root);
    std::fs::create_dir_all(&orphan).unwrap();
    let mut sleeper = std::process::Command::new("sleep")
        .arg("300")
        .spawn()
        .unwrap();
    std::fs::write(format!("{orphan}/cgroup.procs"), sleeper.id().to_string()).unwrap();
    // A corrupt checkpoint, with a live container behind it.
    let mut agent = Agent::start(&sandbox, ISOLATION, &[]);
    agent.launch("torn", "sleep 300", "cpus:0.1;mem:32");
    let torn_pid = supervisor_pids(&agent)[0];
    agent.kill_hard();
    let config = sandbox.dir().join("meta/containers/torn/config.json");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, &text[..text.len() / 2]).unwrap();

    let agent = Agent::start(&sandbox, ISOLATION, &[]);
    assert!(agent.containers().is_empty());
    let reaped = eventually(Duration::from_secs(5), || sleeper.try_wait().ok().flatten());
    assert!(reaped.is_some(), "the orphan's process survived");
    assert!(
        !pid_alive(torn_pid),
        "the corrupt container's supervisor survived"
    );
    assert!(!std::path::Path::new(&orphan).exists());
    assert!(!sandbox.dir().join("meta/containers/torn").exists());
    sandbox.assert_clean();
}
