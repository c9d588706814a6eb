//! Resource limitations: why an isolator wants a container destroyed.

use serde::{Deserialize, Serialize};

use super::Reason;
use crate::resources::Resources;

/// What `watch()` resolves with when a container hits a limit; the agent then fails the
/// task with `message` and `reason`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerLimitation {
    /// The resources whose limit was hit (may span roles, e.g. `mem:1;mem(ads):2`).
    #[serde(default, skip_serializing_if = "Resources::is_empty")]
    pub resources: Resources,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

impl ContainerLimitation {
    /// A limitation with all three parts.
    pub fn new(resources: Resources, message: impl Into<String>, reason: Reason) -> Self {
        ContainerLimitation {
            resources,
            message: message.into(),
            reason: Some(reason),
        }
    }

    /// The reason for the task update: the one given, else the generic limitation reason.
    pub fn reason_or_default(&self) -> Reason {
        self.reason.unwrap_or(Reason::ContainerLimitation)
    }
}

/// Mesos's `TaskResourceLimitation`, carried in a `TaskStatus`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskResourceLimitation {
    #[serde(default)]
    pub resources: Resources,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limitation_json() {
        let limitation = ContainerLimitation::new(
            Resources::parse("disk:10").expect("valid"),
            "Disk usage (12MB) exceeds quota (10MB)",
            Reason::ContainerLimitationDisk,
        );
        let written = serde_json::to_value(&limitation).expect("serializable");
        assert_eq!(
            written,
            json!({
                "resources": [{"name": "disk", "type": "SCALAR", "scalar": {"value": 10}, "role": "*"}],
                "message": "Disk usage (12MB) exceeds quota (10MB)",
                "reason": "REASON_CONTAINER_LIMITATION_DISK"
            })
        );
        let back: ContainerLimitation = serde_json::from_value(written).expect("valid");
        assert_eq!(back, limitation);
        let bare: ContainerLimitation =
            serde_json::from_value(json!({"message": "x"})).expect("valid");
        assert_eq!(bare.reason_or_default(), Reason::ContainerLimitation);
    }
}
