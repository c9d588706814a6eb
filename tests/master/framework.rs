//! A small scheduler driving `/api/v1/scheduler` over raw HTTP: SUBSCRIBE on a TCP stream
//! whose chunked body is decoded with `modkit::recordio::Decoder` as it arrives; other calls
//! through ureq with the `Mesos-Stream-Id` header.

use modkit::recordio::Decoder;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

pub const WAIT: Duration = Duration::from_secs(30);

pub struct Framework {
    pub id: String,
    pub stream_id: String,
    master: SocketAddr,
    events: Receiver<Value>,
    socket: TcpStream,
    /// Every event seen (for failure messages).
    pub seen: Vec<Value>,
    /// HEARTBEAT events received.
    pub heartbeats: usize,
}

/// The HTTP status and body of a refused SUBSCRIBE, or the error.
pub type Refused = (u16, String);

fn read_chunked(mut reader: BufReader<TcpStream>, tx: std::sync::mpsc::Sender<Value>) {
    let mut decoder = Decoder::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let Ok(size) = usize::from_str_radix(line.trim(), 16) else {
            return;
        };
        if size == 0 {
            return;
        }
        let mut chunk = vec![0; size + 2];
        if reader.read_exact(&mut chunk).is_err() {
            return;
        }
        chunk.truncate(size);
        for record in decoder.feed(&chunk).expect("RecordIO") {
            let event: Value = serde_json::from_slice(&record).expect("event JSON");
            if tx.send(event).is_err() {
                return;
            }
        }
    }
}

impl Framework {
    pub fn subscribe(master: SocketAddr, info: Value) -> Framework {
        Self::try_subscribe(master, info, &[]).unwrap_or_else(|(c, b)| panic!("SUBSCRIBE: {c} {b}"))
    }

    pub fn try_subscribe(
        master: SocketAddr,
        info: Value,
        headers: &[(&str, &str)],
    ) -> Result<Framework, Refused> {
        let mut call = json!({"type": "SUBSCRIBE", "subscribe": {"framework_info": info}});
        if let Some(id) = info.get("id") {
            call["framework_id"] = id.clone();
        }
        let body = call.to_string();
        let mut socket = TcpStream::connect(master).expect("connect to the master");
        let mut request = format!(
            "POST /api/v1/scheduler HTTP/1.1\r\nHost: {master}\r\nContent-Type: application/json\r\n\
             Accept: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            request.push_str(&format!("{k}: {v}\r\n"));
        }
        request.push_str("\r\n");
        request.push_str(&body);
        socket
            .write_all(request.as_bytes())
            .expect("send SUBSCRIBE");
        let mut reader = BufReader::new(socket.try_clone().expect("clone socket"));
        let mut status_line = String::new();
        reader.read_line(&mut status_line).expect("status line");
        let code: u16 = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("status code");
        let mut stream_id = None;
        let mut length = None;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("header");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').expect("header line");
            match name.to_ascii_lowercase().as_str() {
                "mesos-stream-id" => stream_id = Some(value.trim().to_string()),
                "content-length" => length = value.trim().parse::<usize>().ok(),
                _ => {}
            }
        }
        if code != 200 {
            let mut body = vec![0; length.unwrap_or(0)];
            let _ = reader.read_exact(&mut body);
            return Err((code, String::from_utf8_lossy(&body).into_owned()));
        }
        let (tx, rx) = channel();
        std::thread::spawn(move || read_chunked(reader, tx));
        let mut framework = Framework {
            id: String::new(),
            stream_id: stream_id.expect("Mesos-Stream-Id header"),
            master,
            events: rx,
            socket,
            seen: Vec::new(),
            heartbeats: 0,
        };
        let subscribed = framework.expect("SUBSCRIBED");
        framework.id = subscribed["subscribed"]["framework_id"]["value"]
            .as_str()
            .expect("framework_id")
            .to_string();
        Ok(framework)
    }

    /// Closes the connection (the master sees the framework disconnect).
    pub fn disconnect(self) {
        let _ = self.socket.shutdown(Shutdown::Both);
    }

    /// The next event that is not a HEARTBEAT, if one comes within `timeout`.
    pub fn next_event(&mut self, timeout: Duration) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(e) if e["type"] == "HEARTBEAT" => self.heartbeats += 1,
                Ok(e) => {
                    self.seen.push(e.clone());
                    return Some(e);
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    return None
                }
            }
        }
    }

    /// Waits for an event of `kind`, skipping others.
    pub fn expect(&mut self, kind: &str) -> Value {
        self.wait_for(kind, |_| true)
    }

    /// Waits for an event of `kind` that `pred` accepts.
    pub fn wait_for(&mut self, kind: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        while let Some(e) = self.next_event(deadline.saturating_duration_since(Instant::now())) {
            if e["type"] == kind && pred(&e) {
                return e;
            }
        }
        panic!("no {kind} event came; seen: {:#?}", self.seen);
    }

    /// Whether an UPDATE of `task` in `state` was already seen.
    pub fn saw_state(&self, task: &str, state: &str) -> bool {
        self.seen.iter().any(|e| {
            e["type"] == "UPDATE"
                && e["update"]["status"]["task_id"]["value"] == task
                && e["update"]["status"]["state"] == state
        })
    }

    /// Waits for an UPDATE of `task` in `state`, acknowledging every update with a uuid.
    pub fn wait_state(&mut self, task: &str, state: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        while let Some(e) = self.next_event(deadline.saturating_duration_since(Instant::now())) {
            if e["type"] != "UPDATE" {
                continue;
            }
            let status = e["update"]["status"].clone();
            if status.get("uuid").is_some() {
                self.acknowledge(&status);
            }
            if status["task_id"]["value"] == task && status["state"] == state {
                return status;
            }
        }
        panic!("task {task} never reached {state}; seen: {:#?}", self.seen);
    }

    pub fn acknowledge(&self, status: &Value) {
        let (code, body) = self.call(json!({"type": "ACKNOWLEDGE", "acknowledge": {
            "agent_id": status["agent_id"], "task_id": status["task_id"], "uuid": status["uuid"]}}));
        assert_eq!(code, 202, "ACKNOWLEDGE: {body}");
    }

    /// The offers of the next OFFERS event.
    pub fn offers(&mut self) -> Vec<Value> {
        let e = self.expect("OFFERS");
        e["offers"]["offers"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// A call with this framework's id and stream id; the status and body.
    pub fn call(&self, mut body: Value) -> (u16, String) {
        body["framework_id"] = json!({"value": self.id});
        self.call_raw(&body.to_string(), Some(&self.stream_id))
    }

    pub fn call_raw(&self, body: &str, stream_id: Option<&str>) -> (u16, String) {
        let mut request = ureq::post(&format!("http://{}/api/v1/scheduler", self.master))
            .set("Content-Type", "application/json");
        if let Some(id) = stream_id {
            request = request.set("Mesos-Stream-Id", id);
        }
        match request.send_string(body) {
            Ok(r) => (r.status(), r.into_string().unwrap_or_default()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
            Err(e) => panic!("POST /api/v1/scheduler: {e}"),
        }
    }

    /// ACCEPT `offers` launching `tasks` (each `(id, command, resources text)`).
    pub fn launch(
        &self,
        offers: &[&Value],
        tasks: &[(&str, &str, &str)],
        refuse: f64,
    ) -> (u16, String) {
        let agent = offers[0]["agent_id"].clone();
        let task_infos: Vec<Value> = tasks
            .iter()
            .map(|(id, command, resources)| {
                json!({"name": id, "task_id": {"value": id}, "agent_id": agent,
                       "resources": resources_json(resources),
                       "command": {"value": command, "shell": true}})
            })
            .collect();
        let ids: Vec<Value> = offers.iter().map(|o| o["id"].clone()).collect();
        self.call(json!({"type": "ACCEPT", "accept": {"offer_ids": ids,
            "operations": [{"type": "LAUNCH", "launch": {"task_infos": task_infos}}],
            "filters": {"refuse_seconds": refuse}}}))
    }
}

impl Drop for Framework {
    fn drop(&mut self) {
        let _ = self.socket.shutdown(Shutdown::Both);
    }
}

/// `cpus:0.5;mem:64` as v1 JSON resources.
pub fn resources_json(text: &str) -> Value {
    let resources: modkit_ffi::resources::Resources = text.parse().expect("resources");
    serde_json::to_value(resources).expect("JSON")
}

/// A scalar of an offer's resources.
pub fn scalar(offer: &Value, name: &str) -> f64 {
    offer["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["name"] == name)
        .filter_map(|r| r["scalar"]["value"].as_f64())
        .sum()
}
