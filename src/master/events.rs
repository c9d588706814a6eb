//! Scheduler events (`SUBSCRIBED`, `OFFERS`, `UPDATE`, ...) on a framework's RecordIO stream.

use axum::body::Bytes;
use serde_json::{json, Value};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// The sending side of one SUBSCRIBE response. Sends never block; a closed stream (the
/// framework went away) makes them fail, which the master notices.
#[derive(Clone)]
pub struct EventStream {
    pub id: String,
    tx: UnboundedSender<Bytes>,
}

impl EventStream {
    pub fn new(id: String) -> (EventStream, UnboundedReceiver<Bytes>) {
        let (tx, rx) = unbounded_channel();
        (EventStream { id, tx }, rx)
    }

    /// Frames and queues one event; false when the stream is closed.
    pub fn send(&self, event: &Value) -> bool {
        let record = crate::recordio::encode(event.to_string().as_bytes());
        self.tx.send(Bytes::from(record)).is_ok()
    }

    /// Resolves when the framework's connection is gone.
    pub async fn closed(&self) {
        self.tx.closed().await
    }
}

pub fn subscribed(framework_id: &str, heartbeat_secs: f64, master: &Value) -> Value {
    json!({"type": "SUBSCRIBED", "subscribed": {
        "framework_id": {"value": framework_id},
        "heartbeat_interval_seconds": heartbeat_secs,
        "master_info": master}})
}

pub fn heartbeat() -> Value {
    json!({"type": "HEARTBEAT"})
}

pub fn offers(offers: Vec<Value>) -> Value {
    json!({"type": "OFFERS", "offers": {"offers": offers}})
}

pub fn rescind(offer_id: &str) -> Value {
    json!({"type": "RESCIND", "rescind": {"offer_id": {"value": offer_id}}})
}

pub fn update(status: &modkit_ffi::types::TaskStatus) -> Value {
    json!({"type": "UPDATE", "update": {"status": status}})
}

pub fn error(message: &str) -> Value {
    json!({"type": "ERROR", "error": {"message": message}})
}

pub fn failure_agent(agent_id: &str) -> Value {
    json!({"type": "FAILURE", "failure": {"agent_id": {"value": agent_id}}})
}
