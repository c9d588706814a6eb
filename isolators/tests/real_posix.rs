//! `posix/cpu` and `posix/mem` on a real process tree.

use modkit_ffi::host::HostServices;
use modkit_ffi::sdk::{Create, Isolator, Parameters};
use modkit_ffi::types::ContainerConfig;
use modkit_isolators::{PosixCpuIsolator, PosixMemIsolator};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Kills the process group on drop, whatever the test did.
struct Group(Child);

impl Drop for Group {
    fn drop(&mut self) {
        // SAFETY: kill(2) on our own child's process group.
        unsafe { libc::kill(-(self.0.id() as i32), libc::SIGKILL) };
        let _ = self.0.wait();
    }
}

#[test]
fn usage_covers_the_process_tree() {
    let host = HostServices::leak("test", "agent", "/tmp", &Default::default()).host();
    let cpu = PosixCpuIsolator::create(&host, &Parameters::default()).unwrap();
    let mem = PosixMemIsolator::create(&host, &Parameters::default()).unwrap();
    let config = ContainerConfig {
        resources: "cpus:1;mem:64".parse().unwrap(),
        directory: "/tmp".into(),
        ..Default::default()
    };
    let group = Group(
        Command::new("sh")
            .args(["-c", "sleep 1000 & sleep 1000 & wait"])
            .process_group(0)
            .spawn()
            .unwrap(),
    );
    let pid = group.0.id() as i32;
    for isolator in [&cpu as &dyn Isolator, &mem] {
        isolator.prepare("c1", &config).unwrap();
        isolator.isolate("c1", pid).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while cpu.usage("c1").unwrap().processes != Some(3) {
        assert!(
            Instant::now() < deadline,
            "sh and its two sleeps never showed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let stats = cpu.usage("c1").unwrap();
    assert!(stats.cpus_user_time_secs.is_some() && stats.cpus_system_time_secs.is_some());
    assert!(stats.threads.unwrap_or(0) >= 3);
    let stats = mem.usage("c1").unwrap();
    assert_eq!(stats.processes, Some(3));
    assert!(stats.mem_rss_bytes.unwrap_or(0) > 0);
    drop(group);
    assert_eq!(mem.usage("c1").unwrap().processes, Some(0));
    cpu.cleanup("c1").unwrap();
    mem.cleanup("c1").unwrap();
}
