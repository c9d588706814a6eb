//! `namespaces/pid` asks for namespaces this kernel has, and a process cloned into them is the
//! init (pid 1) of its PID namespace.

use modkit_ffi::host::HostServices;
use modkit_ffi::sdk::{Create, Isolator, Parameters};
use modkit_ffi::types::ContainerConfig;
use modkit_isolators::PidNamespaceIsolator;
use std::os::unix::process::CommandExt;
use std::process::Command;

fn clone_flag(namespace: &str) -> libc::c_int {
    match namespace {
        "pid" => libc::CLONE_NEWPID,
        "mnt" => libc::CLONE_NEWNS,
        other => panic!("unexpected namespace {other}"),
    }
}

#[test]
fn the_requested_namespaces_work_here() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipping: creating namespaces needs root");
        return;
    }
    let host = HostServices::leak("test", "agent", "/tmp", &Default::default()).host();
    let isolator = PidNamespaceIsolator::create(&host, &Parameters::default()).unwrap();
    let config = ContainerConfig {
        directory: "/tmp".into(),
        ..Default::default()
    };
    let info = isolator.prepare("c1", &config).unwrap().unwrap();
    let mut flags = 0;
    for namespace in &info.clone_namespaces {
        let path = std::path::Path::new("/proc/self/ns").join(namespace);
        assert!(path.exists(), "{} missing", path.display());
        flags |= clone_flag(namespace);
    }
    let mut command = Command::new("sh");
    // The outer shell stays in the host's PID namespace; its child is the new one's init.
    command.args(["-c", "sh -c 'echo $$'; true"]);
    // SAFETY: unshare(2) is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(move || {
            if libc::unshare(flags) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "1");
    isolator.cleanup("c1").unwrap();
}
