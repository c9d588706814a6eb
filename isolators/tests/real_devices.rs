//! The device isolators against the real kernel (root): a process in a container's device
//! cgroup opens only what the rules allow; v1 through `devices.allow`, v2 through the eBPF
//! program (skipped, with the reason, where the host is not unified).

mod common;

use common::{config, host_cgroups, Scratch};
use modkit_ffi::sdk::{Create, Isolator, Parameters};
use modkit_isolators::{CgroupsDevicesIsolator, GpuDevicesIsolator};
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// A copy of /dev/kmsg (1:11): a real driver that opens, outside the default allow-list.
fn kmsg_copy(dir: &Path) -> Option<PathBuf> {
    let node = dir.join("fake-gpu0");
    let c = CString::new(node.as_os_str().as_bytes()).ok()?;
    // SAFETY: a NUL-terminated path; integer arguments.
    let rc = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o600, libc::makedev(1, 11)) };
    if rc < 0 {
        eprintln!(
            "skipping: mknod {}: {}",
            node.display(),
            std::io::Error::last_os_error()
        );
        return None;
    }
    Some(node)
}

/// Exit 0: /dev/null opened and the node did not (EPERM); 5: the node opened; 3: null failed.
fn probe(node: &Path) -> String {
    format!(
        "read go; true < /dev/null || exit 3; true < {} 2>/dev/null && exit 5; exit 0",
        node.display()
    )
}

/// The node opens outside the container: a denial inside is the device cgroup's doing.
fn assert_opens_on_the_host(node: &Path) {
    assert!(
        std::fs::File::open(node).is_ok(),
        "{} does not open even on the host",
        node.display()
    );
}

fn exit_code(s: &mut Scratch, index: usize) -> Option<i32> {
    s.go(index);
    s.children[index].wait().ok()?.code()
}

#[test]
fn cgroups_devices_denies_what_is_not_allowed() {
    let Some(cg) = host_cgroups() else { return };
    let controller = if cg.mode().is_unified() {
        "freezer"
    } else {
        "devices"
    };
    let Some(mut s) = Scratch::new(&cg, &[controller]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let Some(node) = kmsg_copy(dir.path()) else {
        return;
    };
    assert_opens_on_the_host(&node);
    let host = s.host(&[]);
    let iso = match CgroupsDevicesIsolator::create(&host, &Parameters::default()) {
        Ok(iso) => iso,
        Err(e) => panic!("cgroups/devices: {e}"),
    };
    if let Err(e) = iso.prepare("c1", &config("cpus:0.1")) {
        if cg.mode().is_unified() {
            eprintln!("skipping: the kernel refused the device program: {e}");
            return;
        }
        panic!("{e}");
    }
    if !cg.mode().is_unified() {
        let list = cg.read("devices", &s.cgroup("c1"), "devices.list").unwrap();
        assert!(list.lines().any(|l| l == "c 1:3 rwm"), "{list}");
        assert!(!list.lines().any(|l| l == "a *:* rwm"), "{list}");
    }
    let pid = s.spawn_sh(&probe(&node));
    iso.isolate("c1", pid).unwrap();
    assert_eq!(
        exit_code(&mut s, 0),
        Some(0),
        "the node must be denied, /dev/null allowed"
    );
    iso.cleanup("c1").unwrap();
    assert!(!cg.exists(controller, &s.cgroup("c1")));
}

#[test]
fn gpu_devices_opens_the_allocated_node_only() {
    let Some(cg) = host_cgroups() else { return };
    let controller = if cg.mode().is_unified() {
        "freezer"
    } else {
        "devices"
    };
    let Some(mut s) = Scratch::new(&cg, &[controller]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let Some(node) = kmsg_copy(dir.path()) else {
        return;
    };
    assert_opens_on_the_host(&node);
    let work = tempfile::tempdir().unwrap();
    let devices = format!("gpus:0={}", node.display());
    let work_dir = work.path().to_string_lossy().into_owned();
    let host = s.host(&[("devices", &devices), ("work_dir", &work_dir)]);
    let iso = GpuDevicesIsolator::create(&host, &Parameters::default()).unwrap();
    let info = iso
        .prepare("with", &config("cpus:0.1;gpus:1"))
        .unwrap()
        .unwrap();
    assert_eq!(
        info.environment.unwrap().get("MODKIT_GPU_DEVICES"),
        Some("0")
    );
    iso.prepare("without", &config("cpus:0.1")).unwrap();
    let e = iso
        .prepare("more", &config("gpus:1"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("container 'more' asks for 1 gpus, 0 free (of 1)"),
        "{e}"
    );
    let with = s.spawn_sh(&probe(&node));
    iso.isolate("with", with).unwrap();
    let without = s.spawn_sh(&probe(&node));
    iso.isolate("without", without).unwrap();
    assert_eq!(
        exit_code(&mut s, 0),
        Some(5),
        "the allocated node must open"
    );
    assert_eq!(
        exit_code(&mut s, 1),
        Some(0),
        "the node must be denied without gpus"
    );
    for id in ["with", "without", "more"] {
        iso.cleanup(id).unwrap();
        assert!(!cg.exists(controller, &s.cgroup(id)));
    }
    assert!(!work.path().join("isolators/gpu-devices/with").exists());
}

#[test]
fn the_ebpf_device_program_loads_on_a_unified_host() {
    let Some(cg) = host_cgroups() else { return };
    if !cg.mode().is_unified() {
        eprintln!(
            "skipping: the host's cgroup hierarchy is {} (not unified): the eBPF device program only applies to cgroup v2",
            cg.mode()
        );
        return;
    }
    let Some(mut s) = Scratch::new(&cg, &["freezer"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let Some(node) = kmsg_copy(dir.path()) else {
        return;
    };
    assert_opens_on_the_host(&node);
    let host = s.host(&[]);
    let iso = CgroupsDevicesIsolator::create(&host, &Parameters::default()).unwrap();
    iso.prepare("c1", &config("cpus:0.1")).unwrap();
    let pid = s.spawn_sh(&probe(&node));
    iso.isolate("c1", pid).unwrap();
    assert_eq!(exit_code(&mut s, 0), Some(0));
    iso.cleanup("c1").unwrap();
}
