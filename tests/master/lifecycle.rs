//! SUBSCRIBE → OFFERS → ACCEPT → TASK_STARTING/RUNNING/FINISHED with uuids and
//! ACKNOWLEDGE; unacknowledged updates are resent; DECLINE with a filter; KILL; RECONCILE.

use crate::cluster::{eventually, require_root, Cluster};
use crate::framework::{scalar, Framework};
use serde_json::json;
use std::time::Duration;

fn info(name: &str) -> serde_json::Value {
    json!({"user": "root", "name": name})
}

#[test]
fn a_task_runs_to_finished_and_every_update_is_acknowledged() {
    require_root!();
    let cluster = Cluster::start(|_| {});
    let _agent = cluster.agent("posix/cpu,posix/mem", &[]);
    let mut fw = Framework::subscribe(cluster.master.addr(), info("lifecycle"));
    let offers = fw.offers();
    assert_eq!(offers.len(), 1, "{offers:?}");
    let offer = &offers[0];
    assert_eq!(offer["framework_id"]["value"], fw.id.as_str());
    assert_eq!(scalar(offer, "cpus"), 2.0);
    assert!(
        offer["resources"][0]["allocation_info"]["role"] == "*",
        "{offer}"
    );
    let (code, body) = fw.launch(&[offer], &[("t1", "echo hello", "cpus:0.5;mem:64")], 5.0);
    assert_eq!(code, 202, "{body}");
    let starting = fw.wait_state("t1", "TASK_STARTING");
    assert!(starting["uuid"].is_string() && starting["agent_id"] == offer["agent_id"]);
    let running = fw.wait_state("t1", "TASK_RUNNING");
    assert!(
        running["container_status"]["executor_pid"].is_number(),
        "{running}"
    );
    let finished = fw.wait_state("t1", "TASK_FINISHED");
    assert_eq!(finished["message"], "Command exited with status 0");
    // Every update was acknowledged: none left pending; the task is completed.
    let state = eventually(Duration::from_secs(10), || {
        let s = cluster.state();
        (s["frameworks"][0]["unacknowledged_updates"] == 0).then_some(s)
    })
    .expect("all updates acknowledged");
    let done = &state["frameworks"][0]["completed_tasks"][0];
    assert_eq!(done["id"], "t1");
    assert_eq!(done["state"], "TASK_FINISHED");
    let metrics: serde_json::Value =
        serde_json::from_str(&cluster.get("/metrics/snapshot").1).unwrap();
    assert_eq!(metrics["master/tasks_finished"], 1.0);
}

#[test]
fn an_update_not_acknowledged_is_sent_again() {
    require_root!();
    let cluster = Cluster::start(|_| {});
    let _agent = cluster.agent("posix/cpu,posix/mem", &[]);
    let mut fw = Framework::subscribe(cluster.master.addr(), info("resend"));
    let offers = fw.offers();
    fw.launch(&[&offers[0]], &[("t", "true", "cpus:0.1;mem:32")], 5.0);
    let first = fw.wait_for("UPDATE", |e| {
        e["update"]["status"]["state"] == "TASK_STARTING"
    });
    let uuid = first["update"]["status"]["uuid"].clone();
    // Not acknowledged: the same update (same uuid) comes again.
    fw.wait_for("UPDATE", |e| e["update"]["status"]["uuid"] == uuid);
    fw.acknowledge(&first["update"]["status"]);
}

#[test]
fn declined_resources_stay_away_while_the_filter_lasts() {
    require_root!();
    let cluster = Cluster::start(|_| {});
    let _agent = cluster.agent("posix/cpu,posix/mem", &[]);
    let mut a = Framework::subscribe(cluster.master.addr(), info("a"));
    let offers = a.offers();
    let (code, body) = a.call(json!({"type": "DECLINE", "decline": {
        "offer_ids": [offers[0]["id"]], "filters": {"refuse_seconds": 3600.0}}}));
    assert_eq!(code, 202, "{body}");
    // The agent's resources go to nobody else... until REVIVE clears the filter.
    assert!(
        a.next_event(Duration::from_millis(800)).is_none(),
        "{:?}",
        a.seen
    );
    let (code, body) = a.call(json!({"type": "REVIVE"}));
    assert_eq!(code, 202, "{body}");
    assert_eq!(a.offers().len(), 1);
    // SUPPRESS: no more offers.
    let offers = a.seen.last().unwrap()["offers"]["offers"].clone();
    assert_eq!(a.call(json!({"type": "SUPPRESS"})).0, 202);
    a.call(
        json!({"type": "DECLINE", "decline": {"offer_ids": [offers[0]["id"]],
        "filters": {"refuse_seconds": 0.0}}}),
    );
    assert!(
        a.next_event(Duration::from_millis(800)).is_none(),
        "{:?}",
        a.seen
    );
}

#[test]
fn kill_and_reconcile() {
    require_root!();
    let cluster = Cluster::start(|_| {});
    let _agent = cluster.agent("posix/cpu,posix/mem", &[]);
    let mut fw = Framework::subscribe(cluster.master.addr(), info("kill"));
    let offers = fw.offers();
    fw.launch(
        &[&offers[0]],
        &[("sleeper", "sleep 1000", "cpus:0.5;mem:64")],
        5.0,
    );
    fw.wait_state("sleeper", "TASK_RUNNING");
    // Implicit reconciliation: the master answers with the running task, no uuid.
    assert_eq!(
        fw.call(json!({"type": "RECONCILE", "reconcile": {}})).0,
        202
    );
    let r = fw.wait_for("UPDATE", |e| {
        e["update"]["status"]["reason"] == "REASON_RECONCILIATION"
    });
    assert_eq!(r["update"]["status"]["state"], "TASK_RUNNING");
    assert!(r["update"]["status"].get("uuid").is_none());
    // Explicit, of a task the master never heard of.
    fw.call(
        json!({"type": "RECONCILE", "reconcile": {"tasks": [{"task_id": {"value": "ghost"}}]}}),
    );
    let r = fw.wait_for("UPDATE", |e| {
        e["update"]["status"]["task_id"]["value"] == "ghost"
    });
    assert_eq!(r["update"]["status"]["state"], "TASK_LOST");
    let (code, body) = fw.call(json!({"type": "KILL", "kill": {"task_id": {"value": "sleeper"}}}));
    assert_eq!(code, 202, "{body}");
    let killed = fw.wait_state("sleeper", "TASK_KILLED");
    assert_eq!(killed["source"], "SOURCE_EXECUTOR");
    // Its resources come back in a new offer.
    let offer = fw.wait_for("OFFERS", |e| {
        scalar(&e["offers"]["offers"][0], "cpus") == 2.0
    });
    assert!(offer["offers"]["offers"][0]["id"].is_object());
}

#[test]
fn offers_not_used_in_time_are_rescinded() {
    let cluster = Cluster::start(|f| f.offers.offer_timeout = Some("300ms".into()));
    let _agent = cluster.agent("posix/cpu,posix/mem", &[]);
    let mut fw = Framework::subscribe(cluster.master.addr(), info("slow"));
    let offers = fw.offers();
    let rescind = fw.expect("RESCIND");
    assert_eq!(rescind["rescind"]["offer_id"], offers[0]["id"]);
    // The resources come back in a new offer, and the old one is refused.
    let again = fw.offers();
    assert_ne!(again[0]["id"], offers[0]["id"]);
    let (code, body) = fw.launch(&[&offers[0]], &[("late", "true", "cpus:0.1;mem:32")], 5.0);
    assert_eq!(code, 400);
    assert!(body.contains("is no longer valid"), "{body}");
}

#[test]
fn agents_with_gpus_are_offered_only_to_gpu_frameworks() {
    let cluster = Cluster::start(|_| {});
    let _agent = cluster.agent(
        "posix/cpu,posix/mem",
        &["--resources", "cpus:2;mem:1024;disk:10;gpus:1"],
    );
    let mut plain = Framework::subscribe(cluster.master.addr(), info("plain"));
    assert!(
        plain.next_event(Duration::from_millis(600)).is_none(),
        "{:?}",
        plain.seen
    );
    let mut gpu = Framework::subscribe(
        cluster.master.addr(),
        json!({"user": "root", "name": "gpu", "capabilities": [{"type": "GPU_RESOURCES"}]}),
    );
    let offers = gpu.offers();
    assert_eq!(scalar(&offers[0], "gpus"), 1.0);
}
