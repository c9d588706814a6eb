//! Real clients against `modkit local`: pymesos (from PyPI, in a venv under target/) and curl,
//! each a script in tests/clients/.

use crate::harness::{text, Cluster};
use std::path::Path;
use std::process::Command;

fn script(name: &str, master: &str) -> std::process::Output {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(name);
    Command::new("bash")
        .arg(path)
        .arg(master)
        .output()
        .unwrap_or_else(|e| panic!("run {name}: {e}"))
}

#[test]
fn pymesos_framework_runs_three_tasks() {
    let cluster = Cluster::start(&[]);
    let out = script("pymesos.sh", &cluster.master);
    let all = text(&out);
    if out.status.code() == Some(77) {
        eprintln!("skipping: {}", String::from_utf8_lossy(&out.stdout).trim());
        return;
    }
    assert_eq!(
        out.status.code(),
        Some(0),
        "{all}\n--- cluster\n{}",
        cluster.log()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for i in 0..3 {
        assert!(
            stdout.contains(&format!("pymesos-{i} TASK_FINISHED")),
            "{all}"
        );
    }
    assert!(stdout.contains("pymesos: OK"), "{all}");
}

#[test]
fn curl_drives_the_api_as_the_mesos_docs_show() {
    if Command::new("curl").arg("--version").output().is_err() {
        let _ =
            Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/ensure-test-deps"))
                .arg("curl")
                .status();
    }
    let cluster = Cluster::start(&[]);
    let out = script("curl.sh", &cluster.master);
    let all = text(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{all}\n--- cluster\n{}",
        cluster.log()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for step in [
        "ACCEPT -> 202",
        "ACKNOWLEDGE (TASK_FINISHED) -> 202",
        "DECLINE -> 202",
        "KILL -> 202",
        "TEARDOWN -> 202",
        "curl.sh: OK",
    ] {
        assert!(stdout.contains(step), "missing '{step}':\n{all}");
    }
}
