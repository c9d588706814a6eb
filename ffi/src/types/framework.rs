//! Mesos's `FrameworkInfo`: how a scheduler describes itself when it subscribes.

use serde::{Deserialize, Serialize};

use super::{FrameworkId, Labels};
use crate::resources::UNRESERVED_ROLE;

/// One framework capability, such as `MULTI_ROLE` or `GPU_RESOURCES`.
///
/// The type stays a string so that schedulers newer than this crate still subscribe.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FrameworkCapability {
    #[serde(default)]
    pub r#type: String,
}

/// Mesos's `FrameworkInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FrameworkInfo {
    pub user: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<FrameworkId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover_timeout: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<bool>,
    /// Deprecated single role; Mesos reads it when `roles` is empty and treats unset as `*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webui_url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<FrameworkCapability>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Labels>,
}

impl FrameworkInfo {
    /// Whether the framework declared capability `name` (e.g. `"MULTI_ROLE"`).
    pub fn has_capability(&self, name: &str) -> bool {
        self.capabilities
            .iter()
            .any(|capability| capability.r#type == name)
    }

    /// The roles the framework gets offers for: `roles` if given, else `role`, else `*`.
    pub fn effective_roles(&self) -> Vec<&str> {
        if !self.roles.is_empty() {
            return self.roles.iter().map(String::as_str).collect();
        }
        vec![self.role.as_deref().unwrap_or(UNRESERVED_ROLE)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_subscribe_framework_info() {
        let sample = json!({
            "user": "root",
            "name": "pymesos-example",
            "roles": ["web", "batch/low"],
            "failover_timeout": 604800.0,
            "checkpoint": true,
            "principal": "example",
            "hostname": "sched-1",
            "capabilities": [{"type": "MULTI_ROLE"}, {"type": "SOME_FUTURE_CAPABILITY"}],
            "labels": {"labels": [{"key": "owner", "value": "ops"}]},
            "offer_filters": {"web": {"min_allocatable_resources": []}}
        });
        let framework: FrameworkInfo = serde_json::from_value(sample).expect("valid");
        assert!(framework.has_capability("MULTI_ROLE"));
        assert!(!framework.has_capability("GPU_RESOURCES"));
        assert_eq!(framework.effective_roles(), vec!["web", "batch/low"]);
        assert_eq!(framework.failover_timeout, Some(604800.0));
        let again: FrameworkInfo =
            serde_json::from_value(serde_json::to_value(&framework).expect("serializable"))
                .expect("valid");
        assert_eq!(again, framework);
    }

    #[test]
    fn legacy_single_role() {
        let framework: FrameworkInfo = serde_json::from_value(json!({
            "user": "", "name": "old", "role": "ads", "id": {"value": "fw-9"}
        }))
        .expect("valid");
        assert_eq!(framework.effective_roles(), vec!["ads"]);
        assert_eq!(framework.id, Some(FrameworkId::new("fw-9")));
        let unset = FrameworkInfo::default();
        assert_eq!(unset.effective_roles(), vec!["*"]);
    }
}
