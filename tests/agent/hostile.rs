//! Bad input gets a message and a 4xx, never a crash; bad flags stop the agent with a reason.

use crate::harness::{require, Agent, Sandbox};
use serde_json::json;

#[test]
fn bad_calls_answer_400_and_the_agent_lives_on() {
    require!("freezer");
    let sandbox = Sandbox::new();
    let agent = Agent::start(&sandbox, "posix/cpu", &[]);
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (b"{\"type\": \"LAUNCH_CONT".to_vec(), 400, "Failed to parse"),
        (b"not json".to_vec(), 400, "Failed to parse"),
        (json!({"type": "TELEPORT"}).to_string().into_bytes(), 400, "Unsupported call type 'TELEPORT'"),
        (json!({"type": "LAUNCH_CONTAINER"}).to_string().into_bytes(), 400, "launch_container"),
        (json!({"type": "LAUNCH_CONTAINER", "launch_container": {
            "container_id": {"value": "x"}, "command": {"value": "true"},
            "resources": "cpus:1;mem"}}).to_string().into_bytes(), 400, "container 'x'"),
        (json!({"type": "LAUNCH_CONTAINER", "launch_container": {
            "container_id": {"value": "x"}, "command": {"value": "true"},
            "resources": "mem:-64"}}).to_string().into_bytes(), 400, "negative value -64 for 'mem'"),
        (json!({"type": "LAUNCH_CONTAINER", "launch_container": {
            "container_id": {"value": "../etc"}, "command": {"value": "true"}}})
            .to_string().into_bytes(), 400, "is invalid"),
        (json!({"type": "WAIT_CONTAINER", "wait_container": {"container_id": {"value": "nope"}}})
            .to_string().into_bytes(), 404, "cannot be found"),
    ];
    for (body, code, needle) in cases {
        let (got, text) = agent.post_raw(&body);
        assert_eq!(got, code, "{}: {text}", String::from_utf8_lossy(&body));
        assert!(
            text.contains(needle),
            "{}: {text}",
            String::from_utf8_lossy(&body)
        );
    }
    // 2 MB of JSON is refused before it is read whole.
    assert_eq!(agent.status_for_length(2 << 20), 413);
    assert_eq!(agent.call(&json!({"type": "GET_HEALTH"})).0, 200);
    let (code, metrics) = agent.get("/metrics/snapshot");
    assert_eq!(code, 200);
    let metrics: serde_json::Value = serde_json::from_str(&metrics).unwrap();
    assert!(
        metrics["agent/api_errors"].as_f64().unwrap() >= 8.0,
        "{metrics}"
    );
    let (code, text) = agent.get("/metrics");
    assert_eq!(code, 200);
    assert!(text.contains("modkit_agent_uptime_secs "), "{text}");
}

#[test]
fn bad_flags_stop_the_agent_with_a_reason() {
    let sandbox = Sandbox::new();
    for (isolation, extra, needle) in [
        ("cgroups/teleport", vec![], "cgroups/teleport"),
        ("posix/cpu", vec!["--resources", "cpus:abc"], "--resources"),
        (
            "posix/cpu",
            vec!["--executor_shutdown_grace_period", "soon"],
            "'soon' is not a duration",
        ),
        ("posix/cpu,posix/cpu", vec![], "listed twice"),
        (
            "posix/cpu",
            vec!["--containerizers", "docker"],
            "unknown containerizer 'docker'",
        ),
    ] {
        let err = match Agent::try_start(&sandbox, isolation, &extra) {
            Ok(_) => panic!("agent started with {isolation} {extra:?}"),
            Err(e) => e,
        };
        assert!(err.contains(needle), "{isolation} {extra:?}: {err}");
    }
    // Unknown isolators: the message lists the known ones.
    let err = Agent::try_start(&sandbox, "cgroups/teleport", &[])
        .err()
        .unwrap();
    assert!(
        err.contains("cgroups/mem") && err.contains("posix/cpu"),
        "{err}"
    );
}
