//! Mesos's `AgentInfo`: what an agent reports about itself.

use serde::{Deserialize, Serialize};

use super::AgentId;
use crate::resources::{Attributes, Resources};

/// Mesos's `AgentInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentInfo {
    pub hostname: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i32>,
    #[serde(default, skip_serializing_if = "Resources::is_empty")]
    pub resources: Resources,
    #[serde(default, skip_serializing_if = "Attributes::is_empty")]
    pub attributes: Attributes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<AgentId>,
    /// Mesos's `DomainInfo` (fault domain), kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<serde_json::Value>,
}

impl AgentInfo {
    /// The port, or Mesos's default agent port 5051.
    pub fn port_or_default(&self) -> i32 {
        self.port.unwrap_or(5051)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::AttributeValue;
    use serde_json::json;

    #[test]
    fn reads_and_round_trips_an_agent() {
        let sample = json!({
            "hostname": "agent-3.example.com",
            "port": 5051,
            "id": {"value": "4d0b-S3"},
            "resources": [
                {"name": "cpus", "type": "SCALAR", "scalar": {"value": 8}, "role": "*"},
                {"name": "gpus", "type": "SCALAR", "scalar": {"value": 2}, "role": "*"},
                {"name": "cpus", "type": "SCALAR", "scalar": {"value": 4}, "role": "ads"},
                {"name": "ports", "type": "RANGES", "ranges": {"range": [{"begin": 31000, "end": 32000}]}}
            ],
            "attributes": [
                {"name": "rack", "type": "TEXT", "text": {"value": "r1"}},
                {"name": "zone", "type": "SCALAR", "scalar": {"value": 3}}
            ],
            "domain": {"fault_domain": {"region": {"name": "eu"}, "zone": {"name": "eu-1"}}},
            "capabilities": [{"type": "MULTI_ROLE"}]
        });
        let agent: AgentInfo = serde_json::from_value(sample).expect("valid");
        assert_eq!(
            agent.resources.to_string(),
            "cpus:8;cpus(ads):4;gpus:2;ports:[31000-32000]"
        );
        assert_eq!(
            agent.attributes.get("rack"),
            Some(&AttributeValue::Text("r1".into()))
        );
        assert_eq!(agent.port_or_default(), 5051);
        let again: AgentInfo =
            serde_json::from_value(serde_json::to_value(&agent).expect("serializable"))
                .expect("valid");
        assert_eq!(again, agent);
        let bare: AgentInfo = serde_json::from_value(json!({"hostname": "h"})).expect("valid");
        assert_eq!(
            serde_json::to_value(&bare).ok(),
            Some(json!({"hostname": "h"}))
        );
    }
}
