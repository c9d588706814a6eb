//! Agents: a silent agent is removed after ping timeouts (its tasks TASK_LOST, or
//! TASK_UNREACHABLE for PARTITION_AWARE frameworks; its offers rescinded); a restarted agent
//! re-registers with its id and running tasks.

use crate::cluster::{eventually, require_root, Cluster};
use crate::framework::Framework;
use serde_json::json;
use std::time::Duration;

fn fast_pings(f: &mut modkit::master::MasterFlags) {
    f.agent_ping_timeout = "200ms".into();
    f.max_agent_ping_timeouts = 3;
}

#[test]
fn a_killed_agent_loses_its_tasks_and_offers() {
    require_root!();
    let cluster = Cluster::start(fast_pings);
    let mut a1 = cluster.agent("posix/cpu,posix/mem", &["--resources", "cpus:1;mem:512"]);
    let _a2 = cluster.agent("posix/cpu,posix/mem", &["--resources", "cpus:1;mem:512"]);
    let mut lost = Framework::subscribe(
        cluster.master.addr(),
        json!({"user": "root", "name": "plain"}),
    );
    let mut aware = Framework::subscribe(
        cluster.master.addr(),
        json!({"user": "root", "name": "aware", "capabilities": [{"type": "PARTITION_AWARE"}]}),
    );
    let a1_id = cluster.state()["slaves"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["address"] == a1.address.as_str())
        .map(|s| s["id"].as_str().unwrap().to_string())
        .unwrap();
    // Each framework launches a task on a1 from the offer it gets of a1.
    for (launched, fw) in [&mut lost, &mut aware].into_iter().enumerate() {
        let offer = loop {
            let offers = fw.offers();
            if let Some(o) = offers
                .iter()
                .find(|o| o["agent_id"]["value"] == a1_id.as_str())
            {
                break o.clone();
            }
            for o in offers {
                fw.call(
                    json!({"type": "DECLINE", "decline": {"offer_ids": [o["id"]],
                    "filters": {"refuse_seconds": 0.5}}}),
                );
            }
        };
        let id = format!("t{launched}");
        let (code, body) = fw.launch(
            &[&offer],
            &[(&id, "sleep 1000", "cpus:0.25;mem:32")],
            3600.0,
        );
        assert_eq!(code, 202, "{body}");
        fw.wait_state(&id, "TASK_RUNNING");
    }
    // `lost` holds an offer of a1's remaining resources? Revive so a1's rest is offered.
    lost.call(json!({"type": "REVIVE"}));
    let rest = lost.wait_for("OFFERS", |e| {
        e["offers"]["offers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["agent_id"]["value"] == a1_id.as_str())
    });
    let offer_id = rest["offers"]["offers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["agent_id"]["value"] == a1_id.as_str())
        .unwrap()["id"]
        .clone();
    a1.kill_hard();
    let status = lost.wait_state("t0", "TASK_LOST");
    assert_eq!(status["reason"], "REASON_AGENT_REMOVED");
    assert_eq!(status["source"], "SOURCE_MASTER");
    // The offer was rescinded (before the update) and the framework told of the failure.
    assert!(
        lost.seen
            .iter()
            .any(|e| e["type"] == "RESCIND" && e["rescind"]["offer_id"] == offer_id),
        "{:#?}",
        lost.seen
    );
    assert!(lost.seen.iter().any(|e| e["type"] == "FAILURE"));
    let status = aware.wait_state("t1", "TASK_UNREACHABLE");
    assert_eq!(status["reason"], "REASON_AGENT_REMOVED");
    let state = cluster.state();
    assert_eq!(state["slaves"].as_array().unwrap().len(), 1, "{state}");
    assert_eq!(state["removed_slaves"][0], a1_id.as_str());
}

#[test]
fn a_restarted_agent_reregisters_with_its_running_task() {
    require_root!();
    let cluster = Cluster::start(|_| {});
    let master = cluster.master.addr().to_string();
    let agent = cluster.agent("posix/cpu,posix/mem", &[]);
    let mut fw = Framework::subscribe(cluster.master.addr(), json!({"user": "root", "name": "r"}));
    let offers = fw.offers();
    fw.launch(
        &[&offers[0]],
        &[("kept", "sleep 1000", "cpus:0.5;mem:64")],
        5.0,
    );
    fw.wait_state("kept", "TASK_RUNNING");
    let id_before = cluster.state()["slaves"][0]["id"].clone();
    let agent = agent.restart(
        &master,
        "posix/cpu,posix/mem",
        &["--resources", "cpus:2;mem:1024;disk:1024"],
    );
    eventually(Duration::from_secs(20), || {
        let s = cluster.state();
        (s["slaves"][0]["address"] == agent.address.as_str()).then_some(())
    })
    .expect("re-registered");
    let state = cluster.state();
    assert_eq!(state["slaves"][0]["id"], id_before, "same agent id");
    assert_eq!(
        state["frameworks"][0]["tasks"][0]["state"], "TASK_RUNNING",
        "{state}"
    );
    // The recovered task can still be killed through the master.
    fw.call(json!({"type": "KILL", "kill": {"task_id": {"value": "kept"}}}));
    fw.wait_state("kept", "TASK_KILLED");
}

/// A free loopback port (bound, then released) for a master that must come back on it.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[test]
fn after_a_master_restart_the_agent_brings_its_tasks_back() {
    require_root!();
    let port = free_port();
    let first = Cluster::start(|f| f.port = port);
    let master = first.master.addr();
    let _agent = first.agent("posix/cpu,posix/mem", &[]);
    let info = json!({"user": "root", "name": "survivor", "failover_timeout": 3600.0});
    let mut fw = Framework::subscribe(master, info.clone());
    let offers = fw.offers();
    fw.launch(
        &[&offers[0]],
        &[
            ("stays", "sleep 1000", "cpus:0.5;mem:64"),
            ("ends", "sleep 2", "cpus:0.5;mem:64"),
        ],
        5.0,
    );
    fw.wait_state("stays", "TASK_RUNNING");
    if !fw.saw_state("ends", "TASK_RUNNING") {
        fw.wait_state("ends", "TASK_RUNNING");
    }
    let id = fw.id.clone();
    drop(fw);
    drop(first);
    // `ends` finishes while no master runs; its final status waits at the agent.
    std::thread::sleep(Duration::from_secs(3));
    let second = Cluster::start(|f| f.port = port);
    eventually(Duration::from_secs(20), || {
        (second.state()["slaves"].as_array().map_or(0, Vec::len) == 1).then_some(())
    })
    .expect("the agent registers with the new master");
    let mut again = info;
    again["id"] = json!({"value": id});
    let mut fw = Framework::subscribe(master, again);
    let finished = fw.wait_state("ends", "TASK_FINISHED");
    assert_eq!(finished["message"], "Command exited with status 0");
    let state = second.state();
    let tasks = &state["frameworks"][0]["tasks"];
    assert_eq!(tasks[0]["id"], "stays", "{state}");
    assert_eq!(tasks[0]["state"], "TASK_RUNNING");
    fw.call(json!({"type": "KILL", "kill": {"task_id": {"value": "stays"}}}));
    fw.wait_state("stays", "TASK_KILLED");
}
