//! `modkit execute --master` through `modkit local`.

use crate::harness::{cgroups_skip_reason, eventually, modkit, text, Cluster};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn echo_hi_runs_to_task_finished() {
    let cluster = Cluster::start(&[]);
    let out = cluster.execute(&[
        "--command",
        "echo hi",
        "--resources",
        "cpus:0.1;mem:32",
        "--name",
        "hi",
    ]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}\n{}", cluster.log());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let states: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("task hi: "))
        .map(|l| l.split([' ', ':']).next().unwrap_or_default())
        .collect();
    assert_eq!(states.first(), Some(&"TASK_STAGING"), "{all}");
    assert!(states.contains(&"TASK_RUNNING"), "{all}");
    assert_eq!(states.last(), Some(&"TASK_FINISHED"), "{all}");
    assert!(stdout.contains("subscribed to master"), "{all}");
}

#[test]
fn the_task_exit_status_propagates() {
    let cluster = Cluster::start(&[]);
    let out = cluster.execute(&[
        "--command",
        "exit 3",
        "--resources",
        "cpus:0.1;mem:32",
        "--name",
        "three",
    ]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}\n{}", cluster.log());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("task three: TASK_FAILED"),
        "{all}"
    );
}

#[test]
fn no_fitting_offer_is_an_error_naming_what_was_offered() {
    let cluster = Cluster::start(&["--resources", "cpus:2;mem:512"]);
    let out = cluster.execute(&[
        "--command",
        "true",
        "--resources",
        "cpus:64;mem:32",
        "--timeout",
        "2secs",
    ]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no offer fitting cpus:64;mem:32 within 2s"),
        "{all}"
    );
    assert!(stderr.contains("largest offer: cpus:2"), "{all}");
}

#[test]
fn unreachable_master_exits_1_with_a_clear_error() {
    let out = Command::new(modkit())
        .args(["execute", "--master", "127.0.0.1:1", "--command", "true"])
        .output()
        .expect("run modkit execute");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("error: master 127.0.0.1:1 is unreachable for SUBSCRIBE"),
        "{all}"
    );
}

#[test]
fn bad_flags_are_refused() {
    let out = Command::new(modkit())
        .args([
            "execute",
            "--master",
            "127.0.0.1:1",
            "--command",
            "true",
            "--env",
            "[1]",
        ])
        .output()
        .expect("run modkit execute");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--env: not a JSON object"));
    let out = Command::new(modkit())
        .args(["execute", "--role", "web", "--command", "true"])
        .output()
        .expect("run modkit execute");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn a_memory_limit_reaches_the_framework_as_task_failed_with_the_reason() {
    if let Some(why) = cgroups_skip_reason() {
        eprintln!("skipping: {why}");
        return;
    }
    let cluster = Cluster::start(&["--isolation", "cgroups/mem"]);
    let out = cluster.execute(&[
        "--command",
        "tail /dev/zero",
        "--resources",
        "cpus:0.5;mem:32",
        "--name",
        "hog",
    ]);
    let all = text(&out);
    assert_ne!(out.status.code(), Some(0), "{all}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "task hog: TASK_FAILED (REASON_CONTAINER_LIMITATION_MEMORY): Memory limit exceeded"
        ),
        "{all}\n{}",
        cluster.log()
    );
}

/// Every object under `value` with a `labels` list holding `key=value`.
fn labelled<'a>(value: &'a Value, key: &str, wanted: &str, found: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => {
            let has = map
                .get("labels")
                .and_then(|l| l.get("labels").or(Some(l)))
                .and_then(Value::as_array)
                .is_some_and(|l| l.iter().any(|x| x["key"] == key && x["value"] == wanted));
            if has {
                found.push(value);
            }
            for v in map.values() {
                labelled(v, key, wanted, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| labelled(v, key, wanted, found)),
        _ => {}
    }
}

#[test]
fn labels_from_the_default_hook_are_in_master_state_and_in_updates() {
    let cluster = Cluster::start(&[]);
    let banner = eventually(Duration::from_secs(5), || {
        let log = cluster.log();
        log.contains("modkit local: work dir").then_some(log)
    })
    .unwrap_or_else(|| cluster.log());
    assert!(
        banner.contains("hooks org_modkit_EnvToLabels"),
        "the default spec should load the label hook:\n{banner}"
    );
    let spec = std::fs::read_to_string(cluster.work_dir.path().join("modules.json"))
        .expect("the default spec is written to the work dir");
    assert!(spec.contains("libmodkit_hooks.so"), "{spec}");
    let child = Command::new(modkit())
        .args(["execute", "--master", &cluster.master, "--name", "labelled"])
        .args(["--command", "sleep 2", "--resources", "cpus:0.1;mem:32"])
        .args(["--env", r#"{"TEAM": "web", "OTHER": "x"}"#])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run modkit execute");
    let in_state = eventually(Duration::from_secs(20), || {
        let state = cluster.get("/master/state");
        let mut found = Vec::new();
        labelled(&state, "TEAM", "web", &mut found);
        (!found.is_empty()).then(|| serde_json::to_string(&found).unwrap_or_default())
    });
    let out = child.wait_with_output().expect("wait for modkit execute");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    let found =
        in_state.unwrap_or_else(|| panic!("no task labelled TEAM=web in /master/state\n{all}"));
    assert!(found.contains("labelled"), "{found}");
    assert!(
        !found.contains("\"OTHER\""),
        "only the hook's variables become labels: {found}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("task labelled: TASK_RUNNING [labels TEAM=web]"),
        "the UPDATE should carry the labels:\n{all}"
    );
}

#[test]
fn sigterm_kills_the_task_and_waits_for_its_end() {
    let cluster = Cluster::start(&[]);
    let child = Command::new(modkit())
        .args(["execute", "--master", &cluster.master, "--name", "stopped"])
        .args(["--command", "sleep 120", "--resources", "cpus:0.1;mem:32"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run modkit execute");
    let running = eventually(Duration::from_secs(20), || {
        let state = cluster.get("/master/tasks");
        serde_json::to_string(&state)
            .ok()
            .filter(|s| s.contains("stopped") && s.contains("TASK_RUNNING"))
    });
    assert!(running.is_some(), "the task never ran:\n{}", cluster.log());
    // SAFETY: kill has no memory effects; the pid is our child's.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().expect("wait for modkit execute");
    let all = text(&out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("task stopped: TASK_KILLED"),
        "{all}"
    );
    assert_ne!(out.status.code(), Some(0), "{all}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("killing task stopped"),
        "{all}"
    );
}

#[test]
fn principal_and_secret_authenticate_the_framework() {
    let credentials = r#"{"credentials": [{"principal": "ops", "secret": "s3cret"}]}"#;
    let cluster = Cluster::start(&["--credentials", credentials, "--authenticate_frameworks"]);
    let args = ["--command", "true", "--resources", "cpus:0.1;mem:32"];

    let out = cluster.execute(&[&args[..], &["--principal", "ops", "--secret", "s3cret"]].concat());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        text(&out),
        cluster.log()
    );

    let out = cluster.execute(
        &[
            &args[..],
            &["--principal", "ops", "--secret", "n0t-th3-s3cret"],
        ]
        .concat(),
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SUBSCRIBE answered HTTP 401"), "{all}");
    assert!(
        !stderr.contains("n0t-th3-s3cret"),
        "the secret must not be echoed: {all}"
    );

    let out = cluster.execute(&args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("HTTP 401"),
        "{}",
        text(&out)
    );
}
