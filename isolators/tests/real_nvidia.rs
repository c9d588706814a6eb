//! The `nvidia` provider against the host's real NVML and driver; skipped, with the reason,
//! on hosts without them.

mod common;

use common::{config, host_cgroups, Scratch};
use modkit_ffi::sdk::{Create, Isolator, Parameters};
use modkit_isolators::devices::{
    stat_node, DeviceProvider, DeviceType, NvidiaProvider, NVML_LIBRARY,
};
use modkit_isolators::GpuDevicesIsolator;
use std::path::Path;

#[test]
fn nvml_reports_the_hosts_gpus_with_their_nodes() {
    if !Path::new("/dev/nvidiactl").exists() {
        eprintln!("skipping: no NVIDIA driver on this host (/dev/nvidiactl is absent)");
        return;
    }
    let inventory = match NvidiaProvider::new(NVML_LIBRARY.into(), None).discover() {
        Ok(inventory) => inventory,
        Err(e) => panic!("the driver is present but NVML fails: {e}"),
    };
    assert!(!inventory.devices.is_empty(), "NVML reports no GPU");
    for (i, gpu) in inventory.devices.iter().enumerate() {
        assert_eq!((gpu.resource.as_str(), gpu.index), ("gpus", i as u32));
        assert_eq!(gpu.major, 195);
        assert!(!gpu.model.is_empty(), "{gpu:?}");
        let node = &gpu.nodes[0];
        assert_eq!(node, &Path::new(&format!("/dev/nvidia{}", gpu.minor)));
        assert_eq!(
            stat_node(node).unwrap(),
            (DeviceType::Char, 195, gpu.minor),
            "{gpu:?}"
        );
        eprintln!("gpu {}: {} at {}", gpu.index, gpu.model, node.display());
    }
    let shared: Vec<String> = inventory.shared.iter().map(ToString::to_string).collect();
    assert!(
        shared.contains(&"c 195:255 rwm".to_string()),
        "nvidiactl: {shared:?}"
    );
    if let Ok(out) = std::process::Command::new("nvidia-smi").arg("-L").output() {
        let listed = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("GPU "))
            .count();
        assert_eq!(
            listed,
            inventory.devices.len(),
            "nvidia-smi -L and NVML disagree"
        );
    }
    let only = NvidiaProvider::new(NVML_LIBRARY.into(), Some(vec![0]))
        .discover()
        .unwrap();
    assert_eq!(only.devices.len(), 1);
}

/// gpu/devices with NVML: a container holding GPU 0 opens /dev/nvidia0 and /dev/nvidiactl; one
/// without GPUs gets EPERM on both.
#[test]
fn gpu_devices_grants_the_real_gpu_to_its_holder_only() {
    if !Path::new("/dev/nvidiactl").exists() {
        eprintln!("skipping: no NVIDIA driver on this host (/dev/nvidiactl is absent)");
        return;
    }
    let Some(cg) = host_cgroups() else { return };
    let controller = if cg.mode().is_unified() {
        "freezer"
    } else {
        "devices"
    };
    let Some(mut s) = Scratch::new(&cg, &[controller]) else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let work_dir = work.path().to_string_lossy().into_owned();
    let host = s.host(&[("work_dir", &work_dir), ("nvidia_gpu_devices", "0")]);
    let iso = GpuDevicesIsolator::create(&host, &Parameters::default()).unwrap();
    let info = iso
        .prepare("gpu", &config("cpus:1;gpus:1"))
        .unwrap()
        .unwrap();
    let env = info.environment.unwrap();
    assert_eq!(env.get("MODKIT_GPU_DEVICES"), Some("0"));
    assert_eq!(env.get("NVIDIA_VISIBLE_DEVICES"), Some("0"));
    iso.prepare("plain", &config("cpus:1")).unwrap();
    let probe = "read go; true < /dev/null || exit 3; \
                 true < /dev/nvidia0 2>/dev/null || exit 4; true < /dev/nvidiactl 2>/dev/null || exit 4; exit 5";
    for id in ["gpu", "plain"] {
        let pid = s.spawn_sh(probe);
        iso.isolate(id, pid).unwrap();
    }
    let mut codes = Vec::new();
    for i in 0..2 {
        s.go(i);
        codes.push(s.children[i].wait().unwrap().code());
    }
    assert_eq!(
        codes,
        [Some(5), Some(4)],
        "the holder opens the GPU; the other is denied"
    );
    for id in ["gpu", "plain"] {
        iso.cleanup(id).unwrap();
        assert!(!cg.exists(controller, &s.cgroup(id)));
    }
}
