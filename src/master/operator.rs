//! Operator endpoints: `/master/state`, `/master/tasks`, `/master/roles` (Mesos's JSON, with
//! resources as `{"cpus": 1, ...}` objects) and `POST /api/v1` (GET_STATE, GET_AGENTS,
//! GET_FRAMEWORKS, GET_TASKS, GET_ROLES, UPDATE_WEIGHTS, UPDATE_QUOTA).

use super::core::Master;
use super::refusal::Refusal;
use super::state::{AgentEntry, Framework, State, Task};
use modkit_ffi::resources::Resources;
use modkit_ffi::sdk::QuantityBuf;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// `{"cpus": 1.5, "mem": 64, "ports": "[31000-31005]"}`, as Mesos's state endpoints write them.
pub fn resources_object(resources: &Resources) -> Value {
    let mut out = Map::new();
    for name in ["cpus", "mem", "disk", "gpus"] {
        out.insert(name.into(), json!(0.0));
    }
    for (name, value) in resources.scalars() {
        let total = out.get(name).and_then(Value::as_f64).unwrap_or(0.0) + value.as_f64();
        out.insert(name.into(), json!(total));
    }
    for name in resources.names() {
        if let Some(ranges) = resources.ranges(name) {
            let text: Vec<String> = ranges.iter().map(|(b, e)| format!("{b}-{e}")).collect();
            out.insert(name.into(), json!(format!("[{}]", text.join(", "))));
        }
    }
    Value::Object(out)
}

fn labels_array(task: &Task) -> Value {
    task.labels()
        .map(|l| serde_json::to_value(l).unwrap_or_default())
        .and_then(|v| v.get("labels").cloned())
        .unwrap_or_else(|| json!([]))
}

pub fn task_json(task: &Task) -> Value {
    json!({
        "id": task.info.task_id.value,
        "name": task.info.name,
        "framework_id": task.framework_id,
        "executor_id": "",
        "slave_id": task.info.agent_id.value,
        "agent_id": task.info.agent_id.value,
        "state": task.state.as_str(),
        "role": task.role,
        "resources": resources_object(&task.info.resources),
        "labels": labels_array(task),
        "statuses": task.statuses.iter().map(|s| json!({
            "state": s.state.as_str(), "timestamp": s.timestamp,
            "reason": s.reason.map(|r| r.as_str()), "message": s.message})).collect::<Vec<_>>(),
    })
}

fn used(framework: &Framework) -> Resources {
    framework
        .tasks
        .values()
        .map(|t| t.info.resources.clone())
        .sum()
}

fn offered(st: &State, framework_id: &str) -> Resources {
    st.offers
        .values()
        .filter(|o| o.framework_id == framework_id)
        .map(|o| o.resources.clone())
        .sum()
}

fn framework_json(st: &State, f: &Framework, active: bool) -> Value {
    json!({
        "id": f.id,
        "name": f.info.name,
        "user": f.info.user,
        "principal": f.principal,
        "role": f.info.effective_roles().first().copied().unwrap_or("*"),
        "roles": f.roles(),
        "active": active && f.connected(),
        "connected": f.connected(),
        "registered_time": f.registered_time,
        "failover_timeout": f.info.failover_timeout.unwrap_or(0.0),
        "capabilities": f.info.capabilities.iter().map(|c| c.r#type.clone()).collect::<Vec<_>>(),
        "used_resources": resources_object(&used(f)),
        "offered_resources": resources_object(&offered(st, &f.id)),
        "tasks": f.tasks.values().map(task_json).collect::<Vec<_>>(),
        "completed_tasks": f.completed_tasks.iter().map(task_json).collect::<Vec<_>>(),
        "unacknowledged_updates": f.pending.len(),
        "offers": st.offers.values().filter(|o| o.framework_id == f.id).map(|o| json!({
            "id": o.id, "framework_id": o.framework_id, "slave_id": o.agent_id,
            "agent_id": o.agent_id, "role": o.role,
            "resources": resources_object(&o.resources)})).collect::<Vec<_>>(),
    })
}

fn agent_used(st: &State, agent: &str) -> Resources {
    st.frameworks
        .values()
        .flat_map(|f| f.tasks.values())
        .filter(|t| t.agent_id == agent)
        .map(|t| t.info.resources.clone())
        .sum()
}

fn agent_json(st: &State, a: &AgentEntry) -> Value {
    json!({
        "id": a.id,
        "hostname": a.info.hostname,
        "port": a.info.port_or_default(),
        "pid": format!("slave(1)@{}", a.address),
        "address": a.address,
        "registered_time": a.registered_time,
        "active": true,
        "resources": resources_object(&a.info.resources),
        "used_resources": resources_object(&agent_used(st, &a.id)),
        "attributes": serde_json::to_value(&a.info.attributes).unwrap_or_default(),
    })
}

pub fn state_json(master: &Master) -> Value {
    let st = master.lock();
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "id": master.config.id,
        "hostname": master.config.hostname,
        "start_time": master.start_time,
        "activated_slaves": st.agents.len(),
        "deactivated_slaves": 0,
        "flags": master.config.flags,
        "frameworks": st.frameworks.values().map(|f| framework_json(&st, f, true)).collect::<Vec<_>>(),
        "completed_frameworks": st.completed_frameworks.iter().map(|f| framework_json(&st, f, false)).collect::<Vec<_>>(),
        "slaves": st.agents.values().map(|a| agent_json(&st, a)).collect::<Vec<_>>(),
        "removed_slaves": st.removed_agents.iter().collect::<Vec<_>>(),
    })
}

pub fn tasks_json(master: &Master) -> Value {
    let st = master.lock();
    let tasks: Vec<Value> = st
        .frameworks
        .values()
        .flat_map(|f| f.tasks.values().chain(f.completed_tasks.iter()))
        .map(task_json)
        .collect();
    json!({ "tasks": tasks })
}

pub fn roles_json(master: &Master) -> Value {
    let st = master.lock();
    let mut roles: BTreeMap<String, (BTreeSet<String>, Resources)> = BTreeMap::new();
    for role in st.weights.keys().chain(st.quotas.keys()) {
        roles.entry(role.clone()).or_default();
    }
    for f in st.frameworks.values() {
        for role in f.roles() {
            roles.entry(role).or_default().0.insert(f.id.clone());
        }
        for t in f.tasks.values() {
            roles.entry(t.role.clone()).or_default().1 += &t.info.resources;
        }
    }
    let list: Vec<Value> = roles
        .into_iter()
        .map(|(name, (frameworks, allocated))| {
            json!({
                "name": name,
                "weight": st.weights.get(&name).copied().unwrap_or(1.0),
                "frameworks": frameworks,
                "resources": resources_object(&allocated),
                "quota": st.quotas.get(&name).cloned().unwrap_or(json!({})),
            })
        })
        .collect();
    json!({ "roles": list })
}

#[derive(Deserialize)]
struct OperatorCall {
    r#type: String,
    #[serde(default)]
    update_weights: Option<UpdateWeights>,
    #[serde(default)]
    update_quota: Option<UpdateQuota>,
}

#[derive(Deserialize)]
struct UpdateWeights {
    weight_infos: Vec<WeightInfo>,
}

#[derive(Deserialize)]
struct WeightInfo {
    role: String,
    weight: f64,
}

#[derive(Deserialize)]
struct UpdateQuota {
    quota_configs: Vec<QuotaConfig>,
}

#[derive(Deserialize)]
struct QuotaConfig {
    role: String,
    #[serde(default)]
    guarantees: BTreeMap<String, Value>,
    #[serde(default)]
    limits: BTreeMap<String, Value>,
}

/// `{"cpus": {"value": 1}}` or `{"cpus": 1}` as resources.
fn quantities(
    role: &str,
    field: &str,
    map: &BTreeMap<String, Value>,
) -> Result<Resources, Refusal> {
    let mut text = Vec::new();
    for (name, v) in map {
        let value = v
            .get("value")
            .and_then(Value::as_f64)
            .or_else(|| v.as_f64())
            .ok_or_else(|| {
                Refusal::BadRequest(format!(
                    "quota of role '{role}': '{field}.{name}' is not a number"
                ))
            })?;
        if !(value.is_finite() && value >= 0.0) {
            return Err(Refusal::BadRequest(format!(
                "quota of role '{role}': '{field}.{name}' must be a non-negative number"
            )));
        }
        text.push(format!("{name}:{value}"));
    }
    text.join(";")
        .parse()
        .map_err(|e| Refusal::BadRequest(format!("quota of role '{role}': {e}")))
}

pub fn api_v1(master: &Master, body: &[u8]) -> Result<Option<Value>, Refusal> {
    let call: OperatorCall = serde_json::from_slice(body)
        .map_err(|e| Refusal::BadRequest(format!("Failed to parse body into Call: {e}")))?;
    let missing = |f: &str| {
        Refusal::BadRequest(format!(
            "Expecting '{f}' to be present in a {} call",
            call.r#type
        ))
    };
    match call.r#type.as_str() {
        "GET_HEALTH" => Ok(Some(
            json!({"type": "GET_HEALTH", "get_health": {"healthy": true}}),
        )),
        "GET_STATE" => Ok(Some(json!({"type": "GET_STATE", "get_state": {
            "get_tasks": get_tasks(master), "get_frameworks": get_frameworks(master),
            "get_agents": get_agents(master), "get_executors": {}}}))),
        "GET_AGENTS" => Ok(Some(
            json!({"type": "GET_AGENTS", "get_agents": get_agents(master)}),
        )),
        "GET_FRAMEWORKS" => Ok(Some(
            json!({"type": "GET_FRAMEWORKS", "get_frameworks": get_frameworks(master)}),
        )),
        "GET_TASKS" => Ok(Some(
            json!({"type": "GET_TASKS", "get_tasks": get_tasks(master)}),
        )),
        "GET_ROLES" => {
            let roles = roles_json(master)["roles"].clone();
            Ok(Some(
                json!({"type": "GET_ROLES", "get_roles": {"roles": roles}}),
            ))
        }
        "UPDATE_WEIGHTS" => {
            let update = call
                .update_weights
                .ok_or_else(|| missing("update_weights"))?;
            let mut pairs = Vec::new();
            for w in &update.weight_infos {
                modkit_ffi::resources::validate_role(&w.role).map_err(|e| {
                    Refusal::BadRequest(format!("role '{}' is invalid: {e}", w.role))
                })?;
                if !(w.weight.is_finite() && w.weight > 0.0) {
                    return Err(Refusal::BadRequest(format!(
                        "weight {} of role '{}' must be a positive number",
                        w.weight, w.role
                    )));
                }
                pairs.push((w.role.as_str(), w.weight));
            }
            let buf = QuantityBuf::from_pairs(pairs.iter().copied())
                .map_err(|e| Refusal::BadRequest(e.to_string()))?;
            let mut st = master.lock();
            st.allocator
                .update_weights(buf.view())
                .map_err(|e| Refusal::BadRequest(format!("the allocator refused: {e}")))?;
            for (role, weight) in pairs {
                st.weights.insert(role.to_string(), weight);
            }
            drop(st);
            master.wake.notify_one();
            Ok(None)
        }
        "UPDATE_QUOTA" => {
            let update = call.update_quota.ok_or_else(|| missing("update_quota"))?;
            let mut st = master.lock();
            for q in update.quota_configs {
                modkit_ffi::resources::validate_role(&q.role).map_err(|e| {
                    Refusal::BadRequest(format!("role '{}' is invalid: {e}", q.role))
                })?;
                let guarantee = quantities(&q.role, "guarantees", &q.guarantees)?;
                let limit = if q.limits.is_empty() {
                    None
                } else {
                    Some(quantities(&q.role, "limits", &q.limits)?)
                };
                if let Some(limit) = &limit {
                    if !limit.contains(&guarantee) {
                        return Err(Refusal::BadRequest(format!(
                            "quota of role '{}': guarantees {guarantee} exceed limits {limit}",
                            q.role
                        )));
                    }
                }
                st.allocator
                    .update_quota(&q.role, &guarantee, limit.as_ref())
                    .map_err(|e| Refusal::BadRequest(format!("the allocator refused: {e}")))?;
                st.quotas.insert(
                    q.role.clone(),
                    json!({
                    "guarantees": resources_object(&guarantee),
                    "limits": limit.as_ref().map(resources_object)}),
                );
            }
            drop(st);
            master.wake.notify_one();
            Ok(None)
        }
        other => Err(Refusal::BadRequest(format!(
            "Unsupported call type '{other}' (supported: GET_HEALTH, GET_STATE, GET_AGENTS, \
             GET_FRAMEWORKS, GET_TASKS, GET_ROLES, UPDATE_WEIGHTS, UPDATE_QUOTA)"
        ))),
    }
}

fn v1_task(task: &Task) -> Value {
    json!({"name": task.info.name, "task_id": task.info.task_id,
           "framework_id": {"value": task.framework_id}, "agent_id": task.info.agent_id,
           "state": task.state.as_str(), "resources": task.info.resources,
           "labels": task.info.labels, "statuses": task.statuses})
}

fn get_tasks(master: &Master) -> Value {
    let st = master.lock();
    let tasks: Vec<Value> = st
        .frameworks
        .values()
        .flat_map(|f| f.tasks.values())
        .map(v1_task)
        .collect();
    let completed: Vec<Value> = st
        .frameworks
        .values()
        .flat_map(|f| f.completed_tasks.iter())
        .map(v1_task)
        .collect();
    json!({"tasks": tasks, "completed_tasks": completed})
}

fn get_frameworks(master: &Master) -> Value {
    let st = master.lock();
    let list = |fs: &mut dyn Iterator<Item = &Framework>| -> Vec<Value> {
        fs.map(|f| json!({"framework_info": f.info, "active": f.connected(),
                          "connected": f.connected(), "registered_time": {"nanoseconds": (f.registered_time * 1e9) as i64}}))
            .collect()
    };
    json!({"frameworks": list(&mut st.frameworks.values()),
           "completed_frameworks": list(&mut st.completed_frameworks.iter())})
}

fn get_agents(master: &Master) -> Value {
    let st = master.lock();
    let agents: Vec<Value> = st
        .agents
        .values()
        .map(|a| {
            json!({"agent_info": a.info, "active": true, "pid": format!("slave(1)@{}", a.address),
                        "total_resources": a.info.resources,
                        "allocated_resources": agent_used(&st, &a.id)})
        })
        .collect();
    json!({"agents": agents, "recovered_agents": []})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_as_mesos_state_objects() {
        let r: Resources = "cpus:1.5;mem:64;ports:[31000-31002]".parse().unwrap();
        let o = resources_object(&r);
        assert_eq!(o["cpus"], 1.5);
        assert_eq!(o["mem"], 64.0);
        assert_eq!(o["gpus"], 0.0);
        assert_eq!(o["ports"], "[31000-31002]");
    }

    #[test]
    fn quota_quantities_take_both_forms_and_name_bad_ones() {
        let map = BTreeMap::from([
            ("cpus".to_string(), json!({"value": 2})),
            ("mem".to_string(), json!(128)),
        ]);
        assert_eq!(
            quantities("r", "guarantees", &map).unwrap().to_string(),
            "cpus:2;mem:128"
        );
        let bad = BTreeMap::from([("cpus".to_string(), json!("lots"))]);
        let e = quantities("r", "limits", &bad).unwrap_err().to_string();
        assert_eq!(e, "quota of role 'r': 'limits.cpus' is not a number");
        let negative = BTreeMap::from([("cpus".to_string(), json!(-1))]);
        assert!(quantities("r", "limits", &negative).is_err());
    }
}
