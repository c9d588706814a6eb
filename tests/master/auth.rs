//! `--credentials`, `--authenticate_frameworks` and `--acls` on the scheduler API: 401 with the
//! Basic challenge, 403 naming the ACL rule, run_tasks denial, and secrets kept out of the log.

use crate::cluster::{require_root, Cluster};
use modkit::scheduler::{authorization, Connection, Event, Scheduler, SchedulerError};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

const SECRET: &str = "s3cret-Xq7";
const CREDENTIALS: &str = r#"{"credentials": [
    {"principal": "ops", "secret": "s3cret-Xq7"},
    {"principal": "web", "secret": "w3b-Pz9"},
    {"principal": "guest", "secret": "gu3st-Lm4"}]}"#;

/// ops may do anything; web only role "web" and not as root; guest no role at all.
const ACLS: &str = r#"{
  "permissive": false,
  "register_frameworks": [
    {"principals": {"values": ["guest"]}, "roles": {"type": "NONE"}},
    {"principals": {"values": ["ops"]}, "roles": {"type": "ANY"}},
    {"principals": {"values": ["web"]}, "roles": {"values": ["web"]}}],
  "run_tasks": [
    {"principals": {"values": ["web"]}, "users": {"values": ["root"]}},
    {"principals": {"type": "ANY"}, "users": {"type": "NONE"}}],
  "teardown_frameworks": [
    {"principals": {"values": ["ops"]}, "framework_principals": {"type": "ANY"}}]
}"#;

fn secured() -> Cluster {
    Cluster::start(|f| {
        f.auth.credentials = Some(CREDENTIALS.into());
        f.auth.authenticate_frameworks = true;
        f.auth.acls = Some(ACLS.into());
    })
}

fn framework(principal: &str, role: &str) -> Value {
    json!({"user": "root", "name": format!("auth-{principal}"), "principal": principal,
           "roles": [role], "capabilities": [{"type": "MULTI_ROLE"}]})
}

/// A raw SUBSCRIBE: the status, the WWW-Authenticate header and the body (empty on 200:
/// the stream is dropped unread).
fn subscribe_raw(c: &Cluster, auth: Option<&str>, info: &Value) -> (u16, Option<String>, String) {
    let call = json!({"type": "SUBSCRIBE", "subscribe": {"framework_info": info}});
    let mut request = ureq::post(&c.url("/api/v1/scheduler"))
        .timeout(Duration::from_secs(10))
        .set("Content-Type", "application/json");
    if let Some(auth) = auth {
        request = request.set("Authorization", auth);
    }
    match request.send_string(&call.to_string()) {
        Ok(r) => (r.status(), None, String::new()),
        Err(ureq::Error::Status(code, r)) => {
            let challenge = r.header("WWW-Authenticate").map(str::to_string);
            (code, challenge, r.into_string().unwrap_or_default())
        }
        Err(e) => panic!("SUBSCRIBE: {e}"),
    }
}

fn connect(c: &Cluster, principal: &str, secret: &str) -> Connection {
    let mut connection = Connection::new(c.master.url());
    connection.credentials = Some((principal.into(), secret.into()));
    connection
}

#[test]
fn requests_without_valid_credentials_get_401_with_the_basic_challenge() {
    let c = secured();
    let ops = framework("ops", "dev");
    let cases = [
        (None, "missing Authorization header"),
        (
            Some("Bearer abc".to_string()),
            "scheme 'Bearer' is not supported",
        ),
        (Some("Basic !!!".to_string()), "not valid base64"),
        (
            Some("Basic b3Bz".to_string()),
            "no ':' between principal and secret",
        ),
        (
            Some(authorization("eve", SECRET)),
            "invalid credentials for principal 'eve'",
        ),
        (
            Some(authorization("ops", "wrong")),
            "invalid credentials for principal 'ops'",
        ),
    ];
    for (header, expected) in cases {
        let (code, challenge, body) = subscribe_raw(&c, header.as_deref(), &ops);
        assert_eq!(code, 401, "{header:?}: {body}");
        assert_eq!(
            challenge.as_deref(),
            Some("Basic realm=\"mesos\""),
            "{header:?}"
        );
        assert!(body.contains(expected), "{header:?}: {body}");
    }
    // The same framework with the right secret subscribes.
    let (code, _, body) = subscribe_raw(&c, Some(&authorization("ops", SECRET)), &ops);
    assert_eq!(code, 200, "{body}");
}

#[test]
fn every_call_is_authenticated_not_only_subscribe() {
    let c = secured();
    let (scheduler, _events) = Scheduler::subscribe(
        connect(&c, "ops", SECRET),
        framework("ops", "dev"),
        Duration::from_secs(10),
    )
    .expect("ops subscribes");
    let call = json!({"type": "REVIVE", "framework_id": {"value": scheduler.framework_id()}});
    let answer = ureq::post(&c.url("/api/v1/scheduler"))
        .set("Content-Type", "application/json")
        .set("Mesos-Stream-Id", scheduler.stream_id())
        .send_string(&call.to_string());
    match answer {
        Err(ureq::Error::Status(401, r)) => {
            assert_eq!(r.header("WWW-Authenticate"), Some("Basic realm=\"mesos\""));
        }
        other => panic!("REVIVE without Authorization: {other:?}"),
    }
    scheduler.revive(&[]).expect("REVIVE with credentials");
}

#[test]
fn a_framework_claiming_another_principal_gets_403() {
    let c = secured();
    let (code, _, body) = subscribe_raw(
        &c,
        Some(&authorization("web", "w3b-Pz9")),
        &framework("ops", "dev"),
    );
    assert_eq!(code, 403, "{body}");
    assert!(
        body.contains("framework principal 'ops' does not match the authenticated principal 'web'"),
        "{body}"
    );
}

#[test]
fn register_frameworks_denial_is_403_naming_the_rule() {
    let c = secured();
    // A rule denies: guest may register with no role.
    let (code, _, body) = subscribe_raw(
        &c,
        Some(&authorization("guest", "gu3st-Lm4")),
        &framework("guest", "dev"),
    );
    assert_eq!(code, 403, "{body}");
    assert!(
        body.contains(
            "principal 'guest' is not authorized to register a framework with role 'dev': \
             denied by register_frameworks[0]"
        ),
        "{body}"
    );
    assert!(body.contains(r#""roles":{"type":"NONE"}"#), "{body}");

    // No rule matches and permissive is false.
    let (code, _, body) = subscribe_raw(
        &c,
        Some(&authorization("web", "w3b-Pz9")),
        &framework("web", "prod"),
    );
    assert_eq!(code, 403, "{body}");
    assert!(
        body.contains("register_frameworks: no rule matched and permissive is false"),
        "{body}"
    );

    // Allowed: web in role web. Nothing denied reached the master's state.
    let (code, _, body) = subscribe_raw(
        &c,
        Some(&authorization("web", "w3b-Pz9")),
        &framework("web", "web"),
    );
    assert_eq!(code, 200, "{body}");
    let state = c.state();
    let names: Vec<&str> = state["frameworks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert!(!names.contains(&"auth-guest"), "{names:?}");
}

#[test]
fn teardown_denial_is_403() {
    let c = secured();
    let (web, _events) = Scheduler::subscribe(
        connect(&c, "web", "w3b-Pz9"),
        framework("web", "web"),
        Duration::from_secs(10),
    )
    .expect("web subscribes");
    match web.teardown() {
        Err(SchedulerError::Status { status, body, .. }) => {
            assert_eq!(status, 403, "{body}");
            assert!(
                body.contains(
                    "principal 'web' is not authorized to tear down a framework of principal 'web': \
                     teardown_frameworks: no rule matched and permissive is false"
                ),
                "{body}"
            );
        }
        other => panic!("TEARDOWN by web: {other:?}"),
    }
    // ops is allowed to tear down its own framework.
    let (ops, _events) = Scheduler::subscribe(
        connect(&c, "ops", SECRET),
        framework("ops", "dev"),
        Duration::from_secs(10),
    )
    .expect("ops subscribes");
    ops.teardown().expect("ops tears down");
}

/// The next event that `pick` selects within `wait`.
fn next_event<T>(
    events: &modkit::scheduler::Events,
    wait: Duration,
    mut pick: impl FnMut(&Event, &Value) -> Option<T>,
) -> Option<T> {
    let deadline = std::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let (event, raw) = events.recv_timeout(left).ok()?;
        if let Some(found) = pick(&event, &raw) {
            return Some(found);
        }
    }
}

#[test]
fn run_tasks_denial_refuses_the_task_with_task_error() {
    require_root!();
    let c = secured();
    let _agent = c.agent("posix/cpu,posix/mem", &[]);
    let (web, events) = Scheduler::subscribe(
        connect(&c, "web", "w3b-Pz9"),
        framework("web", "web"),
        Duration::from_secs(10),
    )
    .expect("web subscribes");
    let offer = next_event(&events, Duration::from_secs(20), |event, _| match event {
        Event::Offers(offers) => offers.first().cloned(),
        _ => None,
    })
    .expect("an offer");
    let task = |id: &str, user: &str| {
        json!({"name": id, "task_id": {"value": id}, "agent_id": {"value": offer.agent_id},
               "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
                             {"name": "mem", "type": "SCALAR", "scalar": {"value": 16}}],
               "command": {"value": "true", "user": user}})
    };
    // run_tasks: web may run as root; as nobody the catch-all NONE rule denies.
    web.launch(
        &[offer.id.as_str()],
        vec![task("denied", "nobody"), task("allowed", "root")],
        None,
    )
    .expect("ACCEPT is accepted; the denial comes as an UPDATE");
    let update = next_event(&events, Duration::from_secs(20), |_, raw| {
        let status = raw.pointer("/update/status")?;
        (status.pointer("/task_id/value")? == "denied").then(|| status.clone())
    })
    .expect("an UPDATE for the denied task");
    assert_eq!(update["state"], "TASK_ERROR", "{update}");
    assert_eq!(update["reason"], "REASON_TASK_UNAUTHORIZED", "{update}");
    let message = update["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(
            "principal 'web' is not authorized to run a task as user 'nobody': denied by run_tasks[1]"
        ),
        "{update}"
    );
    // The allowed task of the same ACCEPT runs to the end.
    let finished = next_event(&events, Duration::from_secs(30), |_, raw| {
        let status = raw.pointer("/update/status")?;
        (status.pointer("/task_id/value")? == "allowed" && status["state"] == "TASK_FINISHED")
            .then_some(())
    });
    assert!(finished.is_some(), "the allowed task finishes");
}

/// The base64 token of a Basic header: it decodes to the secret, so it must not be logged either.
fn token(principal: &str, secret: &str) -> String {
    authorization(principal, secret)
        .trim_start_matches("Basic ")
        .to_string()
}

#[test]
fn secrets_never_reach_the_master_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let credentials = dir.path().join("credentials.json");
    std::fs::write(&credentials, CREDENTIALS).expect("write credentials");
    let mut child = Command::new(env!("CARGO_BIN_EXE_modkit"))
        .args(["--log_level", "trace", "master", "--port", "0"])
        .arg("--work_dir")
        .arg(dir.path().join("master"))
        .arg("--credentials")
        .arg(&credentials)
        .args(["--authenticate_frameworks", "--acls", ACLS])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn modkit master");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut log = String::new();
    let address = loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).expect("read stderr") == 0 {
            let _ = child.kill();
            panic!("master exited before listening:\n{log}");
        }
        log.push_str(&line);
        if let Some(rest) = line.trim().strip_prefix("modkit master listening on ") {
            break rest.trim().to_string();
        }
    };
    let url = format!("http://{address}/api/v1/scheduler");
    let post = |auth: &str| {
        let call =
            json!({"type": "SUBSCRIBE", "subscribe": {"framework_info": framework("ops", "dev")}});
        match ureq::post(&url)
            .set("Content-Type", "application/json")
            .set("Authorization", auth)
            .send_string(&call.to_string())
        {
            Ok(r) => r.status(),
            Err(ureq::Error::Status(code, _)) => code,
            Err(e) => panic!("SUBSCRIBE: {e}"),
        }
    };
    let wrong = "guessed-Hk2";
    assert_eq!(post(&authorization("ops", wrong)), 401);
    assert_eq!(post(&authorization("web", SECRET)), 401);
    assert_eq!(post(&authorization("ops", SECRET)), 200);
    let flags: Value = ureq::get(&format!("http://{address}/flags"))
        .call()
        .ok()
        .and_then(|r| r.into_json().ok())
        .unwrap_or(Value::Null);
    assert!(!flags.to_string().contains(SECRET), "{flags}");
    // Let the master log what it logs after the requests, then stop it.
    std::thread::sleep(Duration::from_millis(300));
    let _ = child.kill();
    let _ = child.wait();
    stderr
        .read_to_string(&mut log)
        .expect("read the rest of stderr");
    assert!(log.contains("listening"), "{log}");
    for needle in [
        SECRET.to_string(),
        wrong.to_string(),
        token("ops", SECRET),
        token("ops", wrong),
    ] {
        assert!(!log.contains(&needle), "the log shows '{needle}':\n{log}");
    }
}

/// `modkit master` with these extra flags: it must refuse to start, exit non-zero and say why.
fn master_refuses(extra: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::new(env!("CARGO_BIN_EXE_modkit"))
        .args(["master", "--port", "0", "--work_dir"])
        .arg(dir.path().join("master"))
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .expect("run modkit master");
    assert!(!output.status.success(), "{extra:?} started");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn bad_auth_flags_stop_the_master_with_a_reason() {
    let err = master_refuses(&["--credentials", "/nonexistent/modkit-credentials.json"]);
    assert!(
        err.contains("cannot read --credentials file /nonexistent/modkit-credentials.json"),
        "{err}"
    );
    let err = master_refuses(&["--authenticate_frameworks"]);
    assert!(err.contains("--credentials"), "{err}");
    let err = master_refuses(&["--acls", r#"{"run_task": []}"#]);
    assert!(err.contains("unknown key 'run_task'"), "{err}");
    let err = master_refuses(&[
        "--credentials",
        r#"{"credentials": [{"principal": "ops", "secret": "s3cret-Xq7"}, {"principal": "ops", "secret": "other-Zz1"}]}"#,
    ]);
    assert!(err.contains("principal 'ops' is listed twice"), "{err}");
    assert!(!err.contains(SECRET) && !err.contains("other-Zz1"), "{err}");
}
