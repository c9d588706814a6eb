//! Bad calls answer 400 (403 for a framework that is not subscribed, 415 for non-JSON) with
//! a message naming the problem; nothing is launched.

use crate::cluster::Cluster;
use crate::framework::Framework;
use serde_json::json;

#[test]
fn invalid_calls_are_refused_with_messages() {
    let cluster = Cluster::start(|_| {});
    let _agent = cluster.agent("posix/cpu,posix/mem", &[]);
    let mut fw = Framework::subscribe(
        cluster.master.addr(),
        json!({"user": "root", "name": "bad"}),
    );
    let offers = fw.offers();
    let offer = &offers[0];
    let cases = [
        (
            fw.launch(&[offer], &[("t", "true", "cpus:64;mem:64")], 5.0),
            "uses resources cpus:64;mem:64 beyond what the offers have left",
        ),
        (
            fw.launch(&[offer], &[("a/b", "true", "cpus:0.1;mem:32")], 5.0),
            "Task 'a/b': task id 'a/b' contains '/'",
        ),
        (
            fw.launch(
                &[offer],
                &[
                    ("d", "true", "cpus:0.1;mem:32"),
                    ("d", "true", "cpus:0.1;mem:32"),
                ],
                5.0,
            ),
            "Task 'd': duplicate task id",
        ),
        (
            fw.launch(
                &[&json!({"id": {"value": "nope"}, "agent_id": offer["agent_id"]})],
                &[("t", "true", "cpus:0.1")],
                5.0,
            ),
            "Offer nope is no longer valid",
        ),
        (
            fw.call(
                json!({"type": "ACCEPT", "accept": {"offer_ids": [offer["id"]],
                "operations": [{"type": "RESERVE"}]}}),
            ),
            "operation 'RESERVE' is not supported",
        ),
        (
            fw.call(json!({"type": "KILL"})),
            "Expecting 'kill' to be present in a KILL call",
        ),
        (
            fw.call(json!({"type": "FROBNICATE"})),
            "Unknown call type 'FROBNICATE'",
        ),
        (
            fw.call(
                json!({"type": "ACKNOWLEDGE", "acknowledge": {"agent_id": {"value": "a"},
                "task_id": {"value": "t"}, "uuid": "not base64!"}}),
            ),
            "is not base64",
        ),
        (
            fw.call_raw("{not json", Some(&fw.stream_id)),
            "Failed to parse body into Call",
        ),
    ];
    for ((code, body), expected) in cases {
        assert_eq!(code, 400, "{body}");
        assert!(body.contains(expected), "expected '{expected}' in: {body}");
    }
    // The offer survived every refused ACCEPT and still launches.
    let (code, body) = fw.launch(&[offer], &[("ok", "true", "cpus:0.1;mem:32")], 5.0);
    assert_eq!(code, 202, "{body}");
}

#[test]
fn stream_ids_and_subscription_are_checked() {
    let cluster = Cluster::start(|_| {});
    let fw = Framework::subscribe(cluster.master.addr(), json!({"user": "u", "name": "s"}));
    let call = json!({"type": "REVIVE", "framework_id": {"value": fw.id}}).to_string();
    let (code, body) = fw.call_raw(&call, None);
    assert_eq!(code, 400, "{body}");
    assert!(
        body.contains("should include the 'Mesos-Stream-Id' header"),
        "{body}"
    );
    let (code, body) = fw.call_raw(&call, Some("someone-else"));
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("didn't match the stream ID"), "{body}");
    let other = json!({"type": "REVIVE", "framework_id": {"value": "unknown-fw"}}).to_string();
    let (code, body) = fw.call_raw(&other, Some(&fw.stream_id));
    assert_eq!(code, 403, "{body}");
    assert!(
        body.contains("Framework unknown-fw is not subscribed"),
        "{body}"
    );
    let no_id = json!({"type": "REVIVE"}).to_string();
    let (code, body) = fw.call_raw(&no_id, Some(&fw.stream_id));
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("Expecting 'framework_id'"), "{body}");
    // Not JSON.
    let r = ureq::post(&cluster.url("/api/v1/scheduler"))
        .set("Content-Type", "application/x-protobuf")
        .send_string("x");
    match r {
        Err(ureq::Error::Status(415, r)) => {
            assert!(r.into_string().unwrap().contains("application/json"))
        }
        other => panic!("expected 415, got {other:?}"),
    }
}

#[test]
fn subscribed_streams_carry_heartbeats() {
    let cluster = Cluster::start(|_| {});
    let mut fw = Framework::subscribe(cluster.master.addr(), json!({"user": "u", "name": "hb"}));
    let first = &fw.seen[0];
    assert_eq!(first["subscribed"]["heartbeat_interval_seconds"], 0.2);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while fw.heartbeats < 2 && std::time::Instant::now() < deadline {
        fw.next_event(std::time::Duration::from_millis(100));
    }
    assert!(fw.heartbeats >= 2, "{:?}", fw.seen);
}

#[test]
fn bad_subscriptions_are_refused() {
    let cluster = Cluster::start(|f| f.offers.roles = Some("web,batch".into()));
    let addr = cluster.master.addr();
    let refused =
        |info, headers: &[(&str, &str)]| match Framework::try_subscribe(addr, info, headers) {
            Ok(_) => panic!("subscribed"),
            Err(e) => e,
        };
    let (code, body) = refused(json!({"user": "u", "name": "n", "role": "ads"}), &[]);
    assert_eq!(code, 400);
    assert!(
        body.contains("role 'ads' is not one of --roles (web, batch)"),
        "{body}"
    );
    let (code, body) = refused(json!({"user": "u", "name": "n", "roles": ["web"]}), &[]);
    assert_eq!(code, 400);
    assert!(body.contains("needs the MULTI_ROLE capability"), "{body}");
    let (code, body) = refused(
        json!({"user": "u", "name": "n", "role": "web"}),
        &[("Mesos-Stream-Id", "x")],
    );
    assert_eq!(code, 400);
    assert!(
        body.contains("should not include the 'Mesos-Stream-Id' header"),
        "{body}"
    );
    let ok = Framework::try_subscribe(addr, json!({"user": "u", "name": "n", "role": "web"}), &[]);
    assert!(ok.is_ok());
}
