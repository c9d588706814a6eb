//! Operator endpoints: `POST /api/v1` GET_* and UPDATE_WEIGHTS/UPDATE_QUOTA, `/master/state`,
//! `/master/tasks`, `/master/roles`, `/metrics/snapshot` (allocator metrics included),
//! `/metrics` and `/health`.

use crate::cluster::Cluster;
use crate::framework::Framework;
use serde_json::{json, Value};

#[test]
fn operator_calls_and_endpoints() {
    let cluster = Cluster::start(|f| f.sharing.weights = "web=3".into());
    let _agent = cluster.agent(
        "posix/cpu,posix/mem",
        &["--resources", "cpus:4;mem:4096;disk:10"],
    );
    let _fw = Framework::subscribe(
        cluster.master.addr(),
        json!({"user": "u", "name": "op", "role": "web"}),
    );
    let call = |body: Value| {
        let (code, text) = cluster.operator(&body);
        (
            code,
            serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text)),
        )
    };
    let (code, agents) = call(json!({"type": "GET_AGENTS"}));
    assert_eq!(code, 200);
    let agent = &agents["get_agents"]["agents"][0];
    assert_eq!(
        agent["agent_info"]["resources"][0]["name"], "cpus",
        "{agents}"
    );
    let (_, frameworks) = call(json!({"type": "GET_FRAMEWORKS"}));
    assert_eq!(
        frameworks["get_frameworks"]["frameworks"][0]["framework_info"]["name"],
        "op"
    );
    let (_, state) = call(json!({"type": "GET_STATE"}));
    assert!(
        state["get_state"]["get_tasks"]["tasks"].is_array(),
        "{state}"
    );
    let (_, tasks) = call(json!({"type": "GET_TASKS"}));
    assert_eq!(tasks["type"], "GET_TASKS");
    let (_, roles) = call(json!({"type": "GET_ROLES"}));
    let web = role(&roles["get_roles"]["roles"], "web");
    assert_eq!(web["weight"], 3.0, "{roles}");
    let (code, _) = call(json!({"type": "UPDATE_WEIGHTS", "update_weights": {
        "weight_infos": [{"role": "web", "weight": 5.0}]}}));
    assert_eq!(code, 200);
    let roles: Value = serde_json::from_str(&cluster.get("/master/roles").1).unwrap();
    let web = role(&roles["roles"], "web");
    assert_eq!(web["weight"], 5.0);
    assert_eq!(web["frameworks"][0], _fw.id.as_str());
    let (code, _) = call(
        json!({"type": "UPDATE_QUOTA", "update_quota": {"quota_configs": [
        {"role": "web", "guarantees": {"cpus": {"value": 1}}, "limits": {"cpus": {"value": 2}}}]}}),
    );
    assert_eq!(code, 200);
    let roles: Value = serde_json::from_str(&cluster.get("/master/roles").1).unwrap();
    let web = role(&roles["roles"], "web");
    assert_eq!(web["quota"]["guarantees"]["cpus"], 1.0, "{web}");
    for (body, expected) in [
        (
            json!({"type": "UPDATE_WEIGHTS", "update_weights": {"weight_infos": [{"role": "web", "weight": -1.0}]}}),
            "must be a positive number",
        ),
        (
            json!({"type": "UPDATE_QUOTA", "update_quota": {"quota_configs": [
            {"role": "web", "guarantees": {"cpus": 3}, "limits": {"cpus": 2}}]}}),
            "exceed limits",
        ),
        (
            json!({"type": "GET_NOTHING"}),
            "Unsupported call type 'GET_NOTHING'",
        ),
        (
            json!({"type": "UPDATE_WEIGHTS"}),
            "Expecting 'update_weights'",
        ),
    ] {
        let (code, text) = cluster.operator(&body);
        assert_eq!(code, 400, "{text}");
        assert!(text.contains(expected), "expected '{expected}' in {text}");
    }
    let metrics: Value = serde_json::from_str(&cluster.get("/metrics/snapshot").1).unwrap();
    assert_eq!(metrics["master/slaves_active"], 1.0);
    assert_eq!(metrics["master/frameworks_active"], 1.0);
    assert!(
        metrics
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("allocator/") && k != "allocator/allocation_runs"),
        "{metrics}"
    );
    let (code, text) = cluster.get("/metrics");
    assert_eq!(code, 200);
    assert!(text.contains("modkit_master_slaves_active 1"), "{text}");
    assert_eq!(cluster.get("/health"), (200, "OK".to_string()));
    let (code, tasks) = cluster.get("/master/tasks");
    assert_eq!(code, 200);
    assert!(tasks.contains("\"tasks\""));
    let (code, version) = cluster.get("/version");
    assert_eq!(code, 200);
    assert!(version.contains("\"version\""));
    // The older names of /master/state answer it too.
    for path in ["/master/state.json", "/state"] {
        let (code, text) = cluster.get(path);
        assert_eq!(code, 200, "{path}: {text}");
        let state: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            state["slaves"].as_array().map(Vec::len),
            Some(1),
            "{path}: {state}"
        );
    }
}

/// The entry of `name` in a list of roles (GET_ROLES or /master/roles).
fn role(roles: &Value, name: &str) -> Value {
    roles
        .as_array()
        .and_then(|roles| roles.iter().find(|r| r["name"] == name))
        .cloned()
        .unwrap_or_else(|| panic!("no role '{name}' in {roles}"))
}
