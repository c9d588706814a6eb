//! `--hooks` on a real agent: labels decorated by a C hook and a cdylib hook show in
//! GET_CONTAINERS and WAIT_CONTAINER, the decorated environment reaches the task, and
//! `org_modkit_RequireLabels` refuses a launch under `--hook_error_policy=fail` (400, nothing
//! left) but only warns by default.

use crate::common::{c_module, cdylib, modules_spec as spec};
use crate::harness::{eventually, require, Agent, Sandbox};
use serde_json::{json, Value};
use std::time::Duration;

fn launch(agent: &Agent, id: &str, command: &str, labels: &[(&str, &str)]) -> (u16, String) {
    let labels: Vec<Value> = labels
        .iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    agent.call(&json!({"type": "LAUNCH_CONTAINER", "launch_container": {
        "container_id": {"value": id},
        "command": {"value": command},
        "resources": "cpus:0.1;mem:32",
        "environment": {"variables": [{"name": "COST_CENTRE", "value": "42"}]},
        "labels": {"labels": labels}}}))
}

fn label(labels: &Value, key: &str) -> Option<String> {
    labels["labels"]
        .as_array()?
        .iter()
        .find(|l| l["key"] == key)
        .and_then(|l| l["value"].as_str().map(str::to_string))
}

#[test]
fn decorated_labels_and_environment_reach_the_container() {
    require!("freezer");
    let sandbox = Sandbox::new();
    let modules = spec(&[
        (
            &c_module("examples/modules/c/labels_hook.c"),
            "org_example_LabelsHook",
            &[("team", "storage")],
        ),
        (
            &cdylib("modkit_hooks"),
            "org_modkit_EnvToLabels",
            &[("variables", "COST_CENTRE"), ("prefix", "env.")],
        ),
    ]);
    let agent = Agent::start(
        &sandbox,
        "posix/cpu,posix/mem",
        &[
            "--modules",
            &modules,
            "--hooks",
            "org_example_LabelsHook,org_modkit_EnvToLabels,task_environment",
        ],
    );
    let command = "echo \"id=$MODKIT_TASK_ID executor=$MODKIT_EXECUTOR_ID cost=$COST_CENTRE\"; \
                   sleep 60";
    let (code, body) = launch(&agent, "c1", command, &[("app", "x")]);
    assert_eq!(code, 200, "{body}");

    let stdout = sandbox.dir().join("containers/c1/stdout");
    let out = eventually(Duration::from_secs(10), || {
        std::fs::read_to_string(&stdout)
            .ok()
            .filter(|s| s.ends_with('\n'))
    });
    assert_eq!(out.as_deref(), Some("id=c1 executor=c1 cost=42\n"));

    let containers = agent.containers();
    let c1 = containers
        .iter()
        .find(|c| c["container_id"]["value"] == "c1")
        .unwrap_or_else(|| panic!("c1 not listed: {containers:?}"));
    let labels = &c1["labels"];
    assert_eq!(label(labels, "app").as_deref(), Some("x"), "{labels}");
    assert_eq!(
        label(labels, "team").as_deref(),
        Some("storage"),
        "{labels}"
    );
    assert_eq!(
        label(labels, "env.COST_CENTRE").as_deref(),
        Some("42"),
        "{labels}"
    );

    assert_eq!(agent.kill("c1", None), 200);
    let ended = agent.wait("c1");
    assert_eq!(ended["state"], "TASK_KILLED", "{ended}");
    assert_eq!(
        label(&ended["labels"], "team").as_deref(),
        Some("storage"),
        "{ended}"
    );
    assert_eq!(
        ended["container_status"]["container_id"]["value"], "c1",
        "{ended}"
    );
    sandbox.assert_clean();
}

fn require_labels_agent(sandbox: &Sandbox, policy: &[&str]) -> Agent {
    let modules = spec(&[(
        &cdylib("modkit_hooks"),
        "org_modkit_RequireLabels",
        &[("labels", "team")],
    )]);
    let mut flags = vec!["--modules", &modules, "--hooks", "org_modkit_RequireLabels"];
    flags.extend_from_slice(policy);
    Agent::start(sandbox, "posix/cpu,posix/mem", &flags)
}

#[test]
fn require_labels_with_policy_fail_refuses_the_launch() {
    require!("freezer");
    let sandbox = Sandbox::new();
    let agent = require_labels_agent(&sandbox, &["--hook_error_policy", "fail"]);
    let (code, body) = launch(&agent, "bare", "true", &[("app", "x")]);
    assert_eq!(code, 400, "{body}");
    assert_eq!(
        body.trim(),
        "container 'bare': hook 'org_modkit_RequireLabels' failed in \
         agent_run_task_label_decorator: task 'bare' lacks required labels: team"
    );
    assert!(agent.containers().is_empty());
    assert!(
        !sandbox.dir().join("containers/bare").exists(),
        "a sandbox was made for a refused launch"
    );
    let (code, _) = agent.call(&json!({"type": "WAIT_CONTAINER",
        "wait_container": {"container_id": {"value": "bare"}}}));
    assert_eq!(code, 404, "the refused container must be unknown");
    sandbox.assert_clean();

    // With the label the same agent launches it.
    let (code, body) = launch(&agent, "labelled", "true", &[("team", "web")]);
    assert_eq!(code, 200, "{body}");
    assert_eq!(agent.wait("labelled")["state"], "TASK_FINISHED");
    sandbox.assert_clean();
}

#[test]
fn require_labels_with_policy_warn_only_logs() {
    require!("freezer");
    let sandbox = Sandbox::new();
    let agent = require_labels_agent(&sandbox, &[]);
    let (code, body) = launch(&agent, "bare", "true", &[("app", "x")]);
    assert_eq!(code, 200, "{body}");
    let ended = agent.wait("bare");
    assert_eq!(ended["state"], "TASK_FINISHED", "{ended}");
    assert_eq!(
        label(&ended["labels"], "app").as_deref(),
        Some("x"),
        "{ended}"
    );
    sandbox.assert_clean();
}
