use super::*;
use crate::devices::Device;
use modkit_cgroups::{FakeFs, Mode};
use std::sync::Arc;

fn v1() -> (Arc<FakeFs>, Cgroups) {
    let fs = FakeFs::new();
    let files = [
        ("cgroup.procs", ""),
        ("devices.allow", ""),
        ("devices.deny", ""),
    ];
    fs.template("/cg/devices", &files)
        .dir("/cg/devices")
        .file("/cg/devices/cgroup.procs", "");
    (
        fs.clone(),
        Cgroups::with_fs(Path::new("/cg"), Mode::Legacy, fs),
    )
}

fn inventory(vendor: &str) -> Inventory {
    Inventory {
        devices: (0..2)
            .map(|index| Device {
                resource: "gpus".into(),
                index,
                nodes: vec![format!("/dev/fake{index}").into()],
                major: 240,
                minor: index,
                vendor: vendor.into(),
                model: String::new(),
            })
            .collect(),
        shared: vec![DeviceRule::char(241, Some(0), crate::devices::Access::RWM)],
    }
}

fn isolator(fs_cgroups: Cgroups, work_dir: &Path, vendor: &str) -> GpuDevicesIsolator {
    let flags = CgroupsFlags {
        hierarchy: "/cg".into(),
        ..CgroupsFlags::default()
    };
    GpuDevicesIsolator::with_cgroups(
        fs_cgroups,
        flags,
        &DeviceFlags::default(),
        inventory(vendor),
        work_dir,
    )
    .unwrap()
}

fn config(resources: &str) -> ContainerConfig {
    ContainerConfig {
        resources: resources.parse().unwrap(),
        directory: "/tmp/s".into(),
        ..ContainerConfig::default()
    }
}

fn allows(fs: &FakeFs, container: &str) -> Vec<String> {
    let prefix = format!("write /cg/devices/modkit/{container}/devices.allow ");
    fs.log()
        .iter()
        .filter_map(|l| l.strip_prefix(&prefix).map(str::to_string))
        .collect()
}

#[test]
fn grants_exactly_the_allocated_devices() {
    let (fs, cgroups) = v1();
    let dir = tempfile::tempdir().unwrap();
    let iso = isolator(cgroups, dir.path(), "nvidia");
    let info = iso.prepare("a", &config("cpus:1;gpus:1")).unwrap().unwrap();
    let env = info.environment.unwrap();
    assert_eq!(env.get(GPU_ENV), Some("0"));
    assert_eq!(env.get(NVIDIA_ENV), Some("0"));
    let a = allows(&fs, "a");
    assert!(a.contains(&"c 240:0 rwm".to_string()), "{a:?}");
    assert!(!a.contains(&"c 240:1 rwm".to_string()), "{a:?}");
    assert!(a.contains(&"c 241:0 rwm".to_string()), "shared node: {a:?}");
    assert!(a.contains(&"c 1:3 rwm".to_string()), "defaults: {a:?}");

    // A container without GPUs still gets a device cgroup: defaults only.
    assert_eq!(iso.prepare("none", &config("cpus:1")).unwrap(), None);
    let n = allows(&fs, "none");
    assert!(
        n.contains(&"c 1:3 rwm".to_string())
            && !n
                .iter()
                .any(|r| r.starts_with("c 240:") || r.starts_with("c 241:")),
        "{n:?}"
    );

    let info = iso.prepare("b", &config("gpus:1")).unwrap().unwrap();
    assert_eq!(info.environment.unwrap().get(GPU_ENV), Some("1"));
    let e = iso.prepare("c", &config("gpus:1")).unwrap_err().to_string();
    assert!(
        e.ends_with("gpu/devices: container 'c' asks for 1 gpus, 0 free (of 2)"),
        "{e}"
    );
    assert!(!fs.has_dir("/cg/devices/modkit/c"));

    iso.cleanup("a").unwrap();
    assert!(!fs.has_dir("/cg/devices/modkit/a"));
    let info = iso.prepare("c", &config("gpus:1")).unwrap().unwrap();
    assert_eq!(info.environment.unwrap().get(GPU_ENV), Some("0"));
    assert_eq!(iso.held("c"), [("gpus".to_string(), 0)]);
    iso.cleanup("unknown").unwrap();
}

#[test]
fn fractional_and_absent_gpus() {
    let (_fs, cgroups) = v1();
    let dir = tempfile::tempdir().unwrap();
    let iso = isolator(cgroups, dir.path(), "static");
    let e = iso
        .prepare("x", &config("gpus:0.5"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("gpus must be an unsigned integer, not 0.5"),
        "{e}"
    );
    let info = iso.prepare("y", &config("gpus:2")).unwrap().unwrap();
    let env = info.environment.unwrap();
    assert_eq!(env.get(GPU_ENV), Some("0,1"));
    assert_eq!(env.get(NVIDIA_ENV), None);
}

#[test]
fn recovery_keeps_assignments_of_live_containers_only() {
    let (fs, cgroups) = v1();
    let dir = tempfile::tempdir().unwrap();
    {
        let iso = isolator(cgroups.clone(), dir.path(), "static");
        iso.prepare("a", &config("gpus:1")).unwrap();
        iso.prepare("b", &config("gpus:1")).unwrap();
        // The agent is killed here: nothing is cleaned up.
    }
    let iso = isolator(cgroups, dir.path(), "static");
    let state = |id: &str| ContainerState {
        container_id: ContainerId::new(id),
        pid: 1,
        directory: "/tmp/s".into(),
        ..ContainerState::default()
    };
    // `a` lives on; `b` ended while the agent was down.
    iso.recover(&[state("a")], &[]).unwrap();
    assert_eq!(iso.held("a"), [("gpus".to_string(), 0)]);
    assert!(iso.held("b").is_empty());
    let info = iso.prepare("c", &config("gpus:1")).unwrap().unwrap();
    assert_eq!(info.environment.unwrap().get(GPU_ENV), Some("1"));
    let e = iso.prepare("d", &config("gpus:1")).unwrap_err().to_string();
    assert!(e.contains("0 free (of 2)"), "{e}");
    iso.isolate("a", 77).unwrap();
    assert!(fs
        .contents("/cg/devices/modkit/a/cgroup.procs")
        .unwrap_or_default()
        .contains("77"));
    iso.cleanup("a").unwrap();
    assert!(!dir.path().join("isolators/gpu-devices/a").exists());
}
