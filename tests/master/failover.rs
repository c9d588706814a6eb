//! A framework that disconnects and subscribes again with its id within `failover_timeout`
//! keeps its tasks and gets its unacknowledged updates; TEARDOWN kills its tasks; without a
//! failover timeout a disconnect removes it.

use crate::cluster::{eventually, require_root, Cluster};
use crate::framework::Framework;
use serde_json::json;
use std::time::Duration;

#[test]
fn resubscribing_keeps_tasks_and_teardown_kills_them() {
    require_root!();
    let cluster = Cluster::start(|_| {});
    let _agent = cluster.agent("posix/cpu,posix/mem", &[]);
    let info = json!({"user": "root", "name": "failover", "failover_timeout": 60.0});
    let mut fw = Framework::subscribe(cluster.master.addr(), info.clone());
    let offers = fw.offers();
    fw.launch(
        &[&offers[0]],
        &[("long", "sleep 1000", "cpus:0.5;mem:64")],
        5.0,
    );
    fw.wait_state("long", "TASK_RUNNING");
    let id = fw.id.clone();
    fw.disconnect();
    eventually(Duration::from_secs(10), || {
        (cluster.state()["frameworks"][0]["connected"] == false).then_some(())
    })
    .expect("the master sees the disconnect");
    let mut again = info.clone();
    again["id"] = json!({"value": id});
    let mut fw = Framework::subscribe(cluster.master.addr(), again);
    assert_eq!(fw.id, id);
    let state = cluster.state();
    let tasks = &state["frameworks"][0]["tasks"];
    assert_eq!(tasks[0]["id"], "long", "{state}");
    assert_eq!(tasks[0]["state"], "TASK_RUNNING");
    // The old stream id is gone; calls need the new one.
    assert_eq!(
        fw.call(json!({"type": "RECONCILE", "reconcile": {}})).0,
        202
    );
    let r = fw.wait_for("UPDATE", |e| {
        e["update"]["status"]["reason"] == "REASON_RECONCILIATION"
    });
    assert_eq!(r["update"]["status"]["task_id"]["value"], "long");
    let (code, body) = fw.call(json!({"type": "TEARDOWN"}));
    assert_eq!(code, 202, "{body}");
    let state = eventually(Duration::from_secs(10), || {
        let s = cluster.state();
        (s["completed_frameworks"].as_array().map_or(0, Vec::len) == 1).then_some(s)
    })
    .expect("the framework is removed");
    assert_eq!(
        state["completed_frameworks"][0]["completed_tasks"][0]["state"],
        "TASK_KILLED"
    );
    assert!(state["frameworks"].as_array().unwrap().is_empty());
    // A removed framework cannot come back.
    let mut back = info;
    back["id"] = json!({"value": id});
    let (code, body) = match Framework::try_subscribe(cluster.master.addr(), back, &[]) {
        Ok(_) => panic!("a torn-down framework subscribed again"),
        Err(e) => e,
    };
    assert_eq!(code, 403, "{body}");
}

#[test]
fn without_failover_timeout_a_disconnect_removes_the_framework() {
    let cluster = Cluster::start(|_| {});
    let fw = Framework::subscribe(cluster.master.addr(), json!({"user": "u", "name": "gone"}));
    fw.disconnect();
    eventually(Duration::from_secs(10), || {
        let s = cluster.state();
        (s["completed_frameworks"].as_array().map_or(0, Vec::len) == 1).then_some(())
    })
    .expect("removed at once");
}

#[test]
fn a_second_subscription_fails_the_first_over() {
    let cluster = Cluster::start(|_| {});
    let info = json!({"user": "u", "name": "twice", "failover_timeout": 60.0});
    let mut first = Framework::subscribe(cluster.master.addr(), info.clone());
    let mut again = info;
    again["id"] = json!({"value": first.id});
    let second = Framework::subscribe(cluster.master.addr(), again);
    let error = first.expect("ERROR");
    assert_eq!(error["error"]["message"], "Framework failed over");
    // The old stream id no longer works; the new one does.
    let revive = json!({"type": "REVIVE", "framework_id": {"value": first.id}}).to_string();
    assert_eq!(first.call_raw(&revive, Some(&first.stream_id)).0, 400);
    assert_eq!(second.call(json!({"type": "REVIVE"})).0, 202);
}
