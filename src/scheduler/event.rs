//! Events of the v1 scheduler API's SUBSCRIBE stream, as typed values.

use super::SchedulerError;
use modkit_ffi::resources::Resources;
use modkit_ffi::types::TaskStatus;
use serde_json::Value;

/// One offer: what an agent has free for this framework's role.
#[derive(Clone, Debug)]
pub struct Offer {
    pub id: String,
    pub agent_id: String,
    pub hostname: String,
    /// The offered resources (reservations kept; allocation info dropped).
    pub resources: Resources,
    /// The role the offer is allocated to (`allocation_info.role`), where the master says.
    pub role: Option<String>,
    /// The offer as the master sent it.
    pub raw: Value,
}

/// A scheduler event. `Closed` is this client's own: the stream ended.
#[derive(Clone, Debug)]
pub enum Event {
    Subscribed {
        framework_id: String,
        heartbeat_interval_seconds: Option<f64>,
    },
    Offers(Vec<Offer>),
    Rescind {
        offer_id: String,
    },
    /// Boxed: a status is much larger than the other events.
    Update(Box<TaskStatus>),
    Message(Value),
    Failure(Value),
    Error {
        message: String,
    },
    Heartbeat,
    /// An event type this client does not model (INVERSE_OFFERS, UPDATE_OPERATION_STATUS, ...).
    Other(Value),
    /// The stream ended: `None` at a clean end, else why.
    Closed(Option<String>),
}

fn id_of(value: &Value) -> Option<String> {
    value.get("value")?.as_str().map(str::to_string)
}

fn field<'a>(
    event: &'a Value,
    name: &str,
    what: &'static str,
) -> Result<&'a Value, SchedulerError> {
    event.get(name).ok_or_else(|| SchedulerError::Event {
        event: what,
        reason: format!("missing '{name}'"),
    })
}

impl Offer {
    pub fn parse(raw: Value) -> Result<Offer, SchedulerError> {
        let bad = |reason: String| SchedulerError::Event {
            event: "OFFERS",
            reason,
        };
        let id = raw
            .get("id")
            .and_then(id_of)
            .ok_or_else(|| bad("an offer without 'id'".into()))?;
        let agent_id = raw
            .get("agent_id")
            .and_then(id_of)
            .ok_or_else(|| bad(format!("offer {id} without 'agent_id'")))?;
        let hostname = raw
            .get("hostname")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let list = raw
            .get("resources")
            .cloned()
            .unwrap_or(Value::Array(vec![]));
        let role = list.as_array().and_then(|items| {
            items.iter().find_map(|r| {
                r.pointer("/allocation_info/role")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
        });
        let resources: Resources =
            serde_json::from_value(list).map_err(|e| bad(format!("offer {id}: resources: {e}")))?;
        Ok(Offer {
            id,
            agent_id,
            hostname,
            resources,
            role,
            raw,
        })
    }
}

impl Event {
    /// Reads one event record.
    pub fn parse(event: Value) -> Result<Event, SchedulerError> {
        let kind = event
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Ok(match kind.as_str() {
            "SUBSCRIBED" => {
                let body = field(&event, "subscribed", "SUBSCRIBED")?;
                Event::Subscribed {
                    framework_id: body.get("framework_id").and_then(id_of).ok_or_else(|| {
                        SchedulerError::Event {
                            event: "SUBSCRIBED",
                            reason: "missing 'framework_id'".into(),
                        }
                    })?,
                    heartbeat_interval_seconds: body
                        .get("heartbeat_interval_seconds")
                        .and_then(Value::as_f64),
                }
            }
            "OFFERS" => {
                let offers = field(&event, "offers", "OFFERS")?
                    .get("offers")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                Event::Offers(
                    offers
                        .into_iter()
                        .map(Offer::parse)
                        .collect::<Result<_, _>>()?,
                )
            }
            "RESCIND" => Event::Rescind {
                offer_id: field(&event, "rescind", "RESCIND")?
                    .get("offer_id")
                    .and_then(id_of)
                    .ok_or_else(|| SchedulerError::Event {
                        event: "RESCIND",
                        reason: "missing 'offer_id'".into(),
                    })?,
            },
            "UPDATE" => {
                let status = field(&event, "update", "UPDATE")?
                    .get("status")
                    .cloned()
                    .ok_or_else(|| SchedulerError::Event {
                        event: "UPDATE",
                        reason: "missing 'status'".into(),
                    })?;
                Event::Update(Box::new(serde_json::from_value(status).map_err(|e| {
                    SchedulerError::Event {
                        event: "UPDATE",
                        reason: e.to_string(),
                    }
                })?))
            }
            "MESSAGE" => Event::Message(event.get("message").cloned().unwrap_or_default()),
            "FAILURE" => Event::Failure(event.get("failure").cloned().unwrap_or_default()),
            "ERROR" => Event::Error {
                message: event
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("(no message)")
                    .to_string(),
            },
            "HEARTBEAT" => Event::Heartbeat,
            _ => Event::Other(event),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use modkit_ffi::types::{Reason, TaskState};
    use serde_json::json;

    #[test]
    fn reads_each_event_type() {
        let subscribed = Event::parse(json!({"type": "SUBSCRIBED", "subscribed": {
            "framework_id": {"value": "f-1"}, "heartbeat_interval_seconds": 15.0}}))
        .unwrap();
        assert!(
            matches!(subscribed, Event::Subscribed { ref framework_id, heartbeat_interval_seconds: Some(s) }
            if framework_id == "f-1" && s == 15.0)
        );

        let offers = Event::parse(json!({"type": "OFFERS", "offers": {"offers": [{
            "id": {"value": "o-1"}, "framework_id": {"value": "f-1"},
            "agent_id": {"value": "a-1"}, "hostname": "h",
            "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 2},
                           "role": "*", "allocation_info": {"role": "web"}}]}]}}))
        .unwrap();
        let Event::Offers(offers) = offers else {
            panic!("not offers")
        };
        assert_eq!(offers[0].id, "o-1");
        assert_eq!(offers[0].agent_id, "a-1");
        assert_eq!(offers[0].role.as_deref(), Some("web"));
        assert_eq!(offers[0].resources.to_string(), "cpus:2");

        let update = Event::parse(json!({"type": "UPDATE", "update": {"status": {
            "task_id": {"value": "t"}, "state": "TASK_FAILED",
            "reason": "REASON_CONTAINER_LIMITATION_MEMORY", "uuid": "AAEC"}}}))
        .unwrap();
        let Event::Update(status) = update else {
            panic!("not an update")
        };
        assert_eq!(status.state, TaskState::Failed);
        assert_eq!(status.reason, Some(Reason::ContainerLimitationMemory));

        assert!(matches!(
            Event::parse(json!({"type": "RESCIND", "rescind": {"offer_id": {"value": "o"}}})).unwrap(),
            Event::Rescind { offer_id } if offer_id == "o"
        ));
        assert!(matches!(
            Event::parse(json!({"type": "ERROR", "error": {"message": "no"}})).unwrap(),
            Event::Error { message } if message == "no"
        ));
        assert!(matches!(
            Event::parse(json!({"type": "HEARTBEAT"})).unwrap(),
            Event::Heartbeat
        ));
        assert!(matches!(
            Event::parse(json!({"type": "INVERSE_OFFERS"})).unwrap(),
            Event::Other(_)
        ));
    }

    #[test]
    fn malformed_events_name_the_event_and_field() {
        let e = Event::parse(json!({"type": "SUBSCRIBED", "subscribed": {}})).unwrap_err();
        assert_eq!(e.to_string(), "SUBSCRIBED event: missing 'framework_id'");
        let e =
            Event::parse(json!({"type": "OFFERS", "offers": {"offers": [{"id": {"value": "o"}}]}}))
                .unwrap_err();
        assert_eq!(e.to_string(), "OFFERS event: offer o without 'agent_id'");
        let e =
            Event::parse(json!({"type": "UPDATE", "update": {"status": {"state": "TASK_BOGUS"}}}))
                .unwrap_err();
        assert!(e.to_string().starts_with("UPDATE event: "), "{e}");
    }
}
