//! `modkit local` itself: its banner and its errors.

use crate::harness::{eventually, modkit, text, Cluster};
use std::process::Command;
use std::time::Duration;

#[test]
fn banner_prints_a_ready_to_paste_execute_line() {
    let cluster = Cluster::start(&[]);
    let banner = eventually(Duration::from_secs(5), || {
        let log = cluster.log();
        log.contains("State: curl").then_some(log)
    })
    .unwrap_or_else(|| cluster.log());
    let line = banner
        .lines()
        .find(|l| l.contains(" execute --master "))
        .unwrap_or_else(|| panic!("no execute line:\n{banner}"));
    assert!(
        line.contains(&format!("--master {}", cluster.master)),
        "{line}"
    );
    assert!(
        banner.contains("modkit local: agent http://127.0.0.1:"),
        "{banner}"
    );
}

#[test]
fn a_port_in_use_and_bad_flags_are_errors() {
    let cluster = Cluster::start(&[]);
    let port = cluster
        .master
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(modkit())
        .arg("local")
        .arg("--work_dir")
        .arg(dir.path())
        .args(["--port", &port, "--isolation", "posix/cpu,posix/mem"])
        .output()
        .expect("run modkit local");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("127.0.0.1:{port}")),
        "the error should name the address:\n{all}"
    );

    let out = Command::new(modkit())
        .arg("local")
        .arg("--work_dir")
        .arg(dir.path())
        .args(["--port", "0", "--weights", "web=heavy"])
        .output()
        .expect("run modkit local");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("weights"),
        "{all}"
    );

    let out = Command::new(modkit())
        .arg("local")
        .arg("--work_dir")
        .arg(dir.path())
        .args(["--port", "0", "--isolation", "no/such"])
        .output()
        .expect("run modkit local");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no/such"),
        "{all}"
    );
}
