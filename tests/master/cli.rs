//! `modkit master` as a process: it says where it listens, and bad flags stop it with a
//! message naming the flag.

use crate::common::modkit;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn bad_flags_exit_non_zero_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let work_dir = dir.path().to_str().unwrap();
    for (args, expected) in [
        (
            vec!["--allocation_interval", "often"],
            "--allocation_interval",
        ),
        (vec!["--allocator", "fifo"], "fifo"),
        (vec!["--weights", "a=x"], "--weights"),
        (
            vec!["--max_agent_ping_timeouts", "0"],
            "--max_agent_ping_timeouts: must be at least 1",
        ),
        (
            vec!["--authenticate_frameworks"],
            "--authenticate_frameworks needs --credentials",
        ),
        (vec!["--acls", "{not json"], "--acls"),
        (vec!["--hooks", "org_nowhere_Hook"], "org_nowhere_Hook"),
    ] {
        let out = modkit()
            .args(["master", "--work_dir", work_dir, "--port", "0"])
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}: expected '{expected}' in {stderr}"
        );
    }
}

#[test]
fn the_master_process_serves_until_terminated() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_modkit"))
        .args(["master", "--port", "0", "--work_dir"])
        .arg(dir.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = lines.next().unwrap().unwrap();
    let address = line
        .strip_prefix("modkit master listening on ")
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();
    let health = ureq::get(&format!("http://{address}/health"))
        .call()
        .unwrap();
    assert_eq!(health.into_string().unwrap(), "OK");
    // SAFETY: kill has no memory effects; the pid is our child's.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
}
