//! The master's launch-task label decorator (`--hooks`, here org_modkit_StaticLabels from the
//! hooks cdylib with a parameter) labels every task: in /master/state, in each UPDATE and in
//! the agent's GET_STATE.

use crate::cluster::{require_root, Cluster};
use crate::common::{cdylib, spec};
use crate::framework::Framework;
use serde_json::{json, Value};

fn label(labels: &Value, key: &str) -> Option<String> {
    let list = labels.get("labels").unwrap_or(labels).as_array()?;
    list.iter()
        .find(|l| l["key"] == key)
        .and_then(|l| l["value"].as_str().map(String::from))
}

#[test]
fn hook_labels_reach_state_and_updates() {
    require_root!();
    let modules = spec(
        &cdylib("modkit_hooks"),
        &[("org_modkit_StaticLabels", &[("team", "storage")])],
    );
    let cluster = Cluster::start(|f| {
        f.spec.modules = Some(modules);
        f.hooks.names = Some("org_modkit_StaticLabels".into());
    });
    let agent = cluster.agent("posix/cpu,posix/mem", &[]);
    let mut fw = Framework::subscribe(
        cluster.master.addr(),
        json!({"user": "root", "name": "labels"}),
    );
    let offers = fw.offers();
    let task = json!({"name": "l", "task_id": {"value": "l"}, "agent_id": offers[0]["agent_id"],
        "resources": crate::framework::resources_json("cpus:0.1;mem:32"),
        "command": {"value": "sleep 1000"},
        "labels": {"labels": [{"key": "own", "value": "mine"}]}});
    let (code, body) = fw.call(
        json!({"type": "ACCEPT", "accept": {"offer_ids": [offers[0]["id"]],
        "operations": [{"type": "LAUNCH", "launch": {"task_infos": [task]}}]}}),
    );
    assert_eq!(code, 202, "{body}");
    let running = fw.wait_state("l", "TASK_RUNNING");
    assert_eq!(
        label(&running["labels"], "team").as_deref(),
        Some("storage"),
        "{running}"
    );
    assert_eq!(
        label(&running["labels"], "own").as_deref(),
        Some("mine"),
        "{running}"
    );
    let state = cluster.state();
    let labels = &state["frameworks"][0]["tasks"][0]["labels"];
    assert_eq!(label(labels, "team").as_deref(), Some("storage"), "{state}");
    let agent_state: Value = ureq::post(&format!("http://{}/api/v1", agent.address))
        .send_json(json!({"type": "GET_STATE"}))
        .expect("agent GET_STATE")
        .into_json()
        .unwrap();
    let tasks = &agent_state["get_state"]["get_tasks"]["launched_tasks"];
    assert_eq!(tasks[0]["task_id"]["value"], "l", "{agent_state}");
    assert_eq!(tasks[0]["state"], "TASK_RUNNING", "{agent_state}");
    assert_eq!(
        label(&tasks[0]["labels"], "team").as_deref(),
        Some("storage"),
        "{agent_state}"
    );
    assert_eq!(
        agent_state["get_state"]["get_frameworks"]["frameworks"][0]["framework_info"]["id"],
        tasks[0]["framework_id"],
        "{agent_state}"
    );
    fw.call(json!({"type": "KILL", "kill": {"task_id": {"value": "l"}}}));
    let killed = fw.wait_state("l", "TASK_KILLED");
    assert_eq!(
        label(&killed["labels"], "team").as_deref(),
        Some("storage"),
        "{killed}"
    );
}
