//! Bad scheduler calls against `modkit local` answer 400 with a message naming the problem.

use crate::harness::Cluster;
use modkit::scheduler::{Connection, Scheduler, SchedulerError};
use serde_json::json;
use std::time::Duration;

fn status_of(result: Result<(), SchedulerError>) -> (u16, String) {
    match result {
        Err(SchedulerError::Status { status, body, .. }) => (status, body),
        other => panic!("expected an HTTP error, got {other:?}"),
    }
}

#[test]
fn bad_calls_answer_400_with_messages() {
    let cluster = Cluster::start(&[]);
    let (scheduler, _events) = Scheduler::subscribe(
        Connection::new(cluster.master.clone()),
        json!({"user": "root", "name": "bad-calls"}),
        Duration::from_secs(10),
    )
    .expect("subscribe");

    let (status, body) = status_of(scheduler.launch(
        &["no-such-offer"],
        vec![
            json!({"name": "t", "task_id": {"value": "t"}, "agent_id": {"value": "a"},
                    "command": {"value": "true"}}),
        ],
        None,
    ));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("no-such-offer"), "{body}");

    let (status, body) = status_of(scheduler.call("KILL", Some(json!({"task_id": {}}))));
    assert_eq!(status, 400, "{body}");
    assert!(!body.is_empty());

    // Without the stream id.
    let answer = ureq::post(&cluster.url("/api/v1/scheduler"))
        .set("Content-Type", "application/json")
        .send_string(
            &json!({"type": "REVIVE", "framework_id": {"value": scheduler.framework_id()}})
                .to_string(),
        );
    match answer {
        Err(ureq::Error::Status(code, response)) => {
            let body = response.into_string().unwrap_or_default();
            assert!(code == 400 || code == 403, "{code} {body}");
            assert!(body.contains("Mesos-Stream-Id"), "{body}");
        }
        other => panic!("a call without Mesos-Stream-Id should fail: {other:?}"),
    }

    // Not JSON at all.
    match ureq::post(&cluster.url("/api/v1/scheduler"))
        .set("Content-Type", "application/json")
        .send_string("{not json")
    {
        Err(ureq::Error::Status(400, response)) => {
            assert!(!response.into_string().unwrap_or_default().is_empty())
        }
        other => panic!("malformed JSON should answer 400: {other:?}"),
    }
    scheduler.teardown().expect("teardown");
}
