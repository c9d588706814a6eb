//! The v1 scheduler `Call` as JSON, Mesos's field names; unknown fields are ignored as
//! protobuf's JSON mapping does.

use modkit_ffi::types::{AgentId, FrameworkId, FrameworkInfo, OfferId, TaskId, TaskInfo};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Call {
    #[serde(default)]
    pub framework_id: Option<FrameworkId>,
    pub r#type: String,
    #[serde(default)]
    pub subscribe: Option<Subscribe>,
    #[serde(default)]
    pub accept: Option<Accept>,
    #[serde(default)]
    pub decline: Option<Decline>,
    #[serde(default)]
    pub kill: Option<Kill>,
    #[serde(default)]
    pub acknowledge: Option<Acknowledge>,
    #[serde(default)]
    pub reconcile: Option<Reconcile>,
    #[serde(default)]
    pub revive: Option<Roles>,
    #[serde(default)]
    pub suppress: Option<Roles>,
}

#[derive(Debug, Deserialize)]
pub struct Subscribe {
    pub framework_info: FrameworkInfo,
}

#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    pub refuse_seconds: Option<f64>,
}

/// Mesos's default: declined resources stay away from the framework for 5 seconds.
pub const DEFAULT_REFUSE_SECONDS: f64 = 5.0;

impl Filters {
    pub fn refuse_seconds(filters: &Option<Filters>) -> f64 {
        filters
            .as_ref()
            .and_then(|f| f.refuse_seconds)
            .unwrap_or(DEFAULT_REFUSE_SECONDS)
    }
}

#[derive(Debug, Deserialize)]
pub struct Accept {
    #[serde(default)]
    pub offer_ids: Vec<OfferId>,
    #[serde(default)]
    pub operations: Vec<Operation>,
    #[serde(default)]
    pub filters: Option<Filters>,
}

#[derive(Debug, Deserialize)]
pub struct Operation {
    pub r#type: String,
    #[serde(default)]
    pub launch: Option<Launch>,
}

#[derive(Debug, Deserialize)]
pub struct Launch {
    #[serde(default)]
    pub task_infos: Vec<TaskInfo>,
}

#[derive(Debug, Deserialize)]
pub struct Decline {
    #[serde(default)]
    pub offer_ids: Vec<OfferId>,
    #[serde(default)]
    pub filters: Option<Filters>,
}

#[derive(Debug, Deserialize)]
pub struct Kill {
    pub task_id: TaskId,
    #[serde(default)]
    pub agent_id: Option<AgentId>,
}

#[derive(Debug, Deserialize)]
pub struct Acknowledge {
    pub agent_id: AgentId,
    pub task_id: TaskId,
    pub uuid: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct Reconcile {
    #[serde(default)]
    pub tasks: Vec<ReconcileTask>,
}

#[derive(Debug, Deserialize)]
pub struct ReconcileTask {
    pub task_id: TaskId,
    #[serde(default)]
    pub agent_id: Option<AgentId>,
}

/// REVIVE and SUPPRESS: `roles` (or the older single `role`); none means all.
#[derive(Debug, Default, Deserialize)]
pub struct Roles {
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub role: Option<String>,
}

impl Roles {
    pub fn list(roles: &Option<Roles>) -> Vec<String> {
        match roles {
            Some(r) => r.roles.iter().cloned().chain(r.role.clone()).collect(),
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_mesos_documentation_calls() {
        let accept: Call = serde_json::from_value(json!({
            "framework_id": {"value": "f"}, "type": "ACCEPT",
            "accept": {"offer_ids": [{"value": "o1"}],
                "operations": [{"type": "LAUNCH", "launch": {"task_infos": [{
                    "name": "t", "task_id": {"value": "t1"}, "agent_id": {"value": "a"},
                    "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 1},
                                   "role": "*", "allocation_info": {"role": "*"}}],
                    "command": {"shell": true, "value": "sleep 1"}}]}}],
                "filters": {"refuse_seconds": 5.0}}}))
        .unwrap();
        let a = accept.accept.unwrap();
        assert_eq!(a.operations[0].launch.as_ref().unwrap().task_infos.len(), 1);
        assert_eq!(Filters::refuse_seconds(&a.filters), 5.0);
        let revive: Call =
            serde_json::from_value(json!({"type": "REVIVE", "revive": {"role": "r"}})).unwrap();
        assert_eq!(Roles::list(&revive.revive), vec!["r".to_string()]);
        assert_eq!(Filters::refuse_seconds(&None), 5.0);
    }
}
