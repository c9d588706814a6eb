//! The scheduler side of `POST /api/v1/scheduler`: SUBSCRIBE opens the event stream (read on a
//! thread of its own), every other call carries the stream's `Mesos-Stream-Id`.

use super::basic::authorization;
use super::event::Event;
use super::SchedulerError;
use crate::recordio::Decoder;
use serde_json::{json, Value};
use std::io::Read;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How to reach the master and who the framework is.
#[derive(Clone, Debug)]
pub struct Connection {
    /// `HOST:PORT`, or a URL `http://HOST:PORT`.
    pub master: String,
    /// `(principal, secret)` for HTTP Basic authentication.
    pub credentials: Option<(String, String)>,
    /// Deadline for connecting and for each call's answer (not for the event stream).
    pub timeout: Duration,
}

impl Connection {
    pub fn new(master: impl Into<String>) -> Connection {
        Connection {
            master: master.into(),
            credentials: None,
            timeout: Duration::from_secs(10),
        }
    }

    fn base(&self) -> String {
        let master = self.master.trim_end_matches('/');
        if master.starts_with("http://") || master.starts_with("https://") {
            master.to_string()
        } else {
            format!("http://{master}")
        }
    }
}

/// A subscribed framework. Clones share the stream id and framework id, so one thread can read
/// events while others make calls.
#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

struct Inner {
    connection: Connection,
    url: String,
    stream_id: String,
    framework_id: String,
    heartbeat_interval: Option<f64>,
    calls: ureq::Agent,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("url", &self.inner.url)
            .field("stream_id", &self.inner.stream_id)
            .field("framework_id", &self.framework_id())
            .finish_non_exhaustive()
    }
}

/// The typed events plus the raw JSON of each, for callers that want fields not modelled.
pub type Events = Receiver<(Event, Value)>;

impl Scheduler {
    /// SUBSCRIBE with `framework_info` (set its `id` to re-subscribe) and wait up to `wait` for
    /// SUBSCRIBED. Later events arrive on the receiver; the stream is read on a thread.
    pub fn subscribe(
        connection: Connection,
        framework_info: Value,
        wait: Duration,
    ) -> Result<(Scheduler, Events), SchedulerError> {
        let url = format!("{}/api/v1/scheduler", connection.base());
        let mut call =
            json!({"type": "SUBSCRIBE", "subscribe": {"framework_info": framework_info}});
        if let Some(id) = framework_info.get("id") {
            call["framework_id"] = id.clone();
        }
        let stream_agent = ureq::AgentBuilder::new()
            .timeout_connect(connection.timeout)
            .build();
        let response = send(&connection, &stream_agent, &url, "SUBSCRIBE", &call)?;
        let stream_id = response
            .header("Mesos-Stream-Id")
            .map(str::to_string)
            .ok_or(SchedulerError::MissingStreamId)?;
        let (tx, rx) = mpsc::channel();
        let master = connection.master.clone();
        let reader = response.into_reader();
        std::thread::Builder::new()
            .name("scheduler-events".into())
            .spawn(move || read_events(&master, reader, tx))
            .map_err(|e| SchedulerError::Stream {
                master: connection.master.clone(),
                reason: format!("cannot start the reader thread: {e}"),
            })?;

        let deadline = Instant::now() + wait;
        let (framework_id, heartbeat_interval) = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok((
                    Event::Subscribed {
                        framework_id,
                        heartbeat_interval_seconds,
                    },
                    _,
                )) => break (framework_id, heartbeat_interval_seconds),
                Ok((Event::Error { message }, _)) => return Err(SchedulerError::Refused(message)),
                Ok((Event::Closed(why), _)) => {
                    return Err(SchedulerError::Refused(format!(
                        "the master closed the stream before SUBSCRIBED{}",
                        why.map(|w| format!(": {w}")).unwrap_or_default()
                    )))
                }
                Ok(_) => continue,
                Err(RecvTimeoutError::Timeout) => {
                    return Err(SchedulerError::SubscribeTimeout(wait))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(SchedulerError::Refused("the event reader stopped".into()))
                }
            }
        };
        let calls = ureq::AgentBuilder::new()
            .timeout_connect(connection.timeout)
            .timeout(connection.timeout)
            .build();
        let scheduler = Scheduler {
            inner: Arc::new(Inner {
                connection,
                url,
                stream_id,
                framework_id,
                heartbeat_interval,
                calls,
            }),
        };
        Ok((scheduler, rx))
    }

    /// The id the master gave (or kept on re-subscribe).
    pub fn framework_id(&self) -> &str {
        &self.inner.framework_id
    }

    /// The stream's `Mesos-Stream-Id`.
    pub fn stream_id(&self) -> &str {
        &self.inner.stream_id
    }

    /// SUBSCRIBED's `heartbeat_interval_seconds`.
    pub fn heartbeat_interval(&self) -> Option<f64> {
        self.inner.heartbeat_interval
    }

    /// Any call: `{"framework_id", "type": name, <lowercase name>: body}`; expects 202 (or 200).
    pub fn call(&self, name: &'static str, body: Option<Value>) -> Result<(), SchedulerError> {
        let mut call = json!({
            "framework_id": {"value": self.framework_id()},
            "type": name,
        });
        if let Some(body) = body {
            call[name.to_ascii_lowercase()] = body;
        }
        self.send(name, &call).map(|_| ())
    }

    /// Sends a call exactly as given (for tests of malformed calls).
    pub fn send(&self, name: &'static str, call: &Value) -> Result<ureq::Response, SchedulerError> {
        let inner = &self.inner;
        let request = inner
            .calls
            .post(&inner.url)
            .set("Mesos-Stream-Id", &inner.stream_id);
        send_request(&inner.connection, request, name, call)
    }

    /// ACCEPT the offers with one LAUNCH of `task_infos` (JSON TaskInfos).
    pub fn launch(
        &self,
        offer_ids: &[&str],
        task_infos: Vec<Value>,
        refuse_seconds: Option<f64>,
    ) -> Result<(), SchedulerError> {
        let operations = json!([{"type": "LAUNCH", "launch": {"task_infos": task_infos}}]);
        self.accept(offer_ids, operations, refuse_seconds)
    }

    /// ACCEPT the offers with any operations (LAUNCH, RESERVE, ...).
    pub fn accept(
        &self,
        offer_ids: &[&str],
        operations: Value,
        refuse_seconds: Option<f64>,
    ) -> Result<(), SchedulerError> {
        let mut body = json!({"offer_ids": ids(offer_ids), "operations": operations});
        if let Some(seconds) = refuse_seconds {
            body["filters"] = json!({"refuse_seconds": seconds});
        }
        self.call("ACCEPT", Some(body))
    }

    pub fn decline(
        &self,
        offer_ids: &[&str],
        refuse_seconds: Option<f64>,
    ) -> Result<(), SchedulerError> {
        let mut body = json!({"offer_ids": ids(offer_ids)});
        if let Some(seconds) = refuse_seconds {
            body["filters"] = json!({"refuse_seconds": seconds});
        }
        self.call("DECLINE", Some(body))
    }

    pub fn kill(&self, task_id: &str, agent_id: Option<&str>) -> Result<(), SchedulerError> {
        let mut body = json!({"task_id": {"value": task_id}});
        if let Some(agent) = agent_id {
            body["agent_id"] = json!({"value": agent});
        }
        self.call("KILL", Some(body))
    }

    /// ACKNOWLEDGE an UPDATE by its status uuid (base64, as the UPDATE carried it).
    pub fn acknowledge(
        &self,
        agent_id: &str,
        task_id: &str,
        uuid: &str,
    ) -> Result<(), SchedulerError> {
        self.call(
            "ACKNOWLEDGE",
            Some(json!({
                "agent_id": {"value": agent_id},
                "task_id": {"value": task_id},
                "uuid": uuid,
            })),
        )
    }

    /// REVIVE offers, for `roles` or (empty) every role of the framework.
    pub fn revive(&self, roles: &[&str]) -> Result<(), SchedulerError> {
        self.call("REVIVE", roles_body(roles))
    }

    /// SUPPRESS offers, for `roles` or (empty) every role of the framework.
    pub fn suppress(&self, roles: &[&str]) -> Result<(), SchedulerError> {
        self.call("SUPPRESS", roles_body(roles))
    }

    /// RECONCILE `(task_id, agent_id)` pairs; empty asks for every task (implicit).
    pub fn reconcile(&self, tasks: &[(&str, Option<&str>)]) -> Result<(), SchedulerError> {
        let tasks: Vec<Value> = tasks
            .iter()
            .map(|(task, agent)| {
                let mut t = json!({"task_id": {"value": task}});
                if let Some(agent) = agent {
                    t["agent_id"] = json!({"value": agent});
                }
                t
            })
            .collect();
        self.call("RECONCILE", Some(json!({ "tasks": tasks })))
    }

    /// TEARDOWN: the master kills the framework's tasks and ends its stream.
    pub fn teardown(&self) -> Result<(), SchedulerError> {
        self.call("TEARDOWN", None)
    }
}

fn ids(offer_ids: &[&str]) -> Vec<Value> {
    offer_ids.iter().map(|id| json!({ "value": id })).collect()
}

fn roles_body(roles: &[&str]) -> Option<Value> {
    (!roles.is_empty()).then(|| json!({ "roles": roles }))
}

fn send(
    connection: &Connection,
    agent: &ureq::Agent,
    url: &str,
    name: &'static str,
    call: &Value,
) -> Result<ureq::Response, SchedulerError> {
    send_request(connection, agent.post(url), name, call)
}

fn send_request(
    connection: &Connection,
    mut request: ureq::Request,
    name: &'static str,
    call: &Value,
) -> Result<ureq::Response, SchedulerError> {
    request = request
        .set("Content-Type", "application/json")
        .set("Accept", "application/json");
    if let Some((principal, secret)) = &connection.credentials {
        request = request.set("Authorization", &authorization(principal, secret));
    }
    match request.send_string(&call.to_string()) {
        Ok(response) => Ok(response),
        Err(ureq::Error::Status(status, response)) => Err(SchedulerError::Status {
            call: name,
            status,
            body: response
                .into_string()
                .unwrap_or_default()
                .trim()
                .to_string(),
        }),
        Err(ureq::Error::Transport(t)) => Err(SchedulerError::Unreachable {
            master: connection.master.clone(),
            call: name,
            reason: t.to_string(),
        }),
    }
}

/// Reads RecordIO records as they arrive and sends each event; ends with `Closed`.
fn read_events(master: &str, mut reader: impl Read, tx: Sender<(Event, Value)>) {
    let mut decoder = Decoder::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let closed = loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break decoder.finish().err().map(|e| e.to_string()),
            Ok(n) => n,
            Err(e) => break Some(format!("reading the stream: {e}")),
        };
        let records = match decoder.feed(&buffer[..n]) {
            Ok(records) => records,
            Err(e) => break Some(SchedulerError::stream(master, e).to_string()),
        };
        for record in records {
            let raw: Value = match serde_json::from_slice(&record) {
                Ok(raw) => raw,
                Err(e) => {
                    let _ = tx.send((
                        Event::Closed(Some(format!("an event is not JSON: {e}"))),
                        Value::Null,
                    ));
                    return;
                }
            };
            let event = Event::parse(raw.clone()).unwrap_or_else(|e| Event::Error {
                message: format!("modkit scheduler client: {e}"),
            });
            if tx.send((event, raw)).is_err() {
                return; // nobody listens any more
            }
        }
    };
    let _ = tx.send((Event::Closed(closed), Value::Null));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recordio::encode;

    #[test]
    fn base_accepts_host_port_and_urls() {
        assert_eq!(
            Connection::new("127.0.0.1:5050").base(),
            "http://127.0.0.1:5050"
        );
        assert_eq!(Connection::new("http://m:5050/").base(), "http://m:5050");
    }

    #[test]
    fn reader_sends_events_then_closed() {
        let mut stream =
            encode(br#"{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"f"}}}"#);
        stream.extend(encode(br#"{"type":"HEARTBEAT"}"#));
        let (tx, rx) = mpsc::channel();
        read_events("m", &stream[..], tx);
        let events: Vec<Event> = rx.iter().map(|(e, _)| e).collect();
        assert!(matches!(events[0], Event::Subscribed { .. }));
        assert!(matches!(events[1], Event::Heartbeat));
        assert!(matches!(events[2], Event::Closed(None)));
    }

    #[test]
    fn reader_reports_a_truncated_stream_and_bad_json() {
        let (tx, rx) = mpsc::channel();
        read_events("m", &b"10\n{}"[..], tx);
        let events: Vec<Event> = rx.iter().map(|(e, _)| e).collect();
        assert!(
            matches!(&events[0], Event::Closed(Some(why)) if why.contains("ended inside a record"))
        );
        let (tx, rx) = mpsc::channel();
        read_events("m", &encode(b"nope")[..], tx);
        let events: Vec<Event> = rx.iter().map(|(e, _)| e).collect();
        assert!(matches!(&events[0], Event::Closed(Some(why)) if why.contains("not JSON")));
    }

    #[test]
    fn unreachable_master_names_the_call() {
        // Port 1 on loopback: nothing listens there.
        let err = Scheduler::subscribe(
            Connection::new("127.0.0.1:1"),
            json!({"user": "root", "name": "t"}),
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("master 127.0.0.1:1 is unreachable for SUBSCRIBE: "),
            "{err}"
        );
    }
}
