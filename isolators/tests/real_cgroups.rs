//! The cgroups isolators against the real kernel (root): create, isolate a real process, check
//! the kernel files, usage, cleanup leaves nothing; a real OOM.

mod common;

use common::{config, eventually, host_cgroups, Scratch};
use modkit_ffi::sdk::{Create, Isolator, LimitationSink, Parameters};
use modkit_ffi::types::Reason;
use modkit_isolators::{CgroupsCpuIsolator, CgroupsMemIsolator, CgroupsPidsIsolator};
use std::sync::{mpsc, Mutex};
use std::time::Duration;

fn kernel_value(s: &Scratch, controller: &str, container_id: &str, file: &str) -> String {
    s.cgroups
        .read(controller, &s.cgroup(container_id), file)
        .expect("readable")
        .trim()
        .to_string()
}

#[test]
fn cpu_isolator_on_the_kernel() {
    let Some(cg) = host_cgroups() else { return };
    let controllers: &[&str] = if cg.mode().is_unified() {
        &["cpu"]
    } else {
        &["cpu", "cpuacct"]
    };
    let Some(mut s) = Scratch::new(&cg, controllers) else {
        return;
    };
    let host = s.host(&[("cgroups_enable_cfs", "true")]);
    let cpu = CgroupsCpuIsolator::create(&host, &Parameters::default()).unwrap();
    cpu.prepare("c1", &config("cpus:0.5;mem:64")).unwrap();
    let pid =
        s.spawn_sh("read go; i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done; exec sleep 1000");
    cpu.isolate("c1", pid).unwrap();
    for c in controllers {
        assert_eq!(cg.processes(c, &s.cgroup("c1")).unwrap(), vec![pid]);
    }
    if cg.mode().is_unified() {
        assert_eq!(kernel_value(&s, "cpu", "c1", "cpu.weight"), "20");
        assert_eq!(kernel_value(&s, "cpu", "c1", "cpu.max"), "50000 100000");
    } else {
        assert_eq!(kernel_value(&s, "cpu", "c1", "cpu.shares"), "512");
        assert_eq!(kernel_value(&s, "cpu", "c1", "cpu.cfs_quota_us"), "50000");
        assert_eq!(kernel_value(&s, "cpu", "c1", "cpu.cfs_period_us"), "100000");
    }
    s.go(0);
    // CPU time and CFS periods show once the busy loop has run a while.
    let busy = eventually(Duration::from_secs(60), || {
        let u = cpu.usage("c1").unwrap();
        u.cpus_user_time_secs.unwrap_or(0.0) + u.cpus_system_time_secs.unwrap_or(0.0) > 0.0
            && u.cpus_nr_periods.unwrap_or(0) > 0
    });
    let usage = cpu.usage("c1").unwrap();
    assert!(busy, "the busy loop never showed in usage: {usage:?}");
    assert_eq!(usage.cpus_limit, Some(0.5));

    cpu.update("c1", &"cpus:2".parse().unwrap()).unwrap();
    if !cg.mode().is_unified() {
        assert_eq!(kernel_value(&s, "cpu", "c1", "cpu.shares"), "2048");
        assert_eq!(kernel_value(&s, "cpu", "c1", "cpu.cfs_quota_us"), "200000");
    }
    cpu.cleanup("c1").unwrap();
    cpu.cleanup("c1").unwrap();
    s.assert_nothing_left("c1");
}

#[test]
fn mem_isolator_on_the_kernel() {
    let Some(cg) = host_cgroups() else { return };
    let Some(mut s) = Scratch::new(&cg, &["memory"]) else {
        return;
    };
    let host = s.host(&[]);
    let mem = CgroupsMemIsolator::create(&host, &Parameters::default()).unwrap();
    mem.prepare("c1", &config("cpus:1;mem:64")).unwrap();
    let pid = s.spawn_sh("exec sleep 1000");
    mem.isolate("c1", pid).unwrap();
    assert_eq!(cg.processes("memory", &s.cgroup("c1")).unwrap(), vec![pid]);
    let (hard, soft) = if cg.mode().is_unified() {
        ("memory.max", "memory.low")
    } else {
        ("memory.limit_in_bytes", "memory.soft_limit_in_bytes")
    };
    assert_eq!(kernel_value(&s, "memory", "c1", hard), "67108864");
    assert_eq!(kernel_value(&s, "memory", "c1", soft), "67108864");
    let usage = mem.usage("c1").unwrap();
    assert_eq!(usage.mem_limit_bytes, Some(64 << 20));
    assert_eq!(usage.mem_soft_limit_bytes, Some(64 << 20));
    assert!(usage.mem_total_bytes.is_some() && usage.mem_rss_bytes.is_some());
    mem.update("c1", &"mem:128".parse().unwrap()).unwrap();
    assert_eq!(kernel_value(&s, "memory", "c1", hard), "134217728");
    mem.cleanup("c1").unwrap();
    s.assert_nothing_left("c1");
}

#[test]
fn a_real_oom_raises_the_memory_limitation() {
    let Some(cg) = host_cgroups() else { return };
    let Some(mut s) = Scratch::new(&cg, &["memory"]) else {
        return;
    };
    // Swap counted too where the kernel can, so the hog cannot escape into swap.
    let limit_swap = cg.mode().is_unified()
        || cg
            .path("memory", "")
            .join("memory.memsw.limit_in_bytes")
            .exists();
    let host = s.host(&[(
        "cgroups_limit_swap",
        if limit_swap { "true" } else { "false" },
    )]);
    let mem = CgroupsMemIsolator::create(&host, &Parameters::default()).unwrap();
    mem.prepare("hog", &config("cpus:1;mem:32")).unwrap();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    mem.watch(
        "hog",
        LimitationSink::new(move |l| {
            let _ = tx.lock().map(|tx| tx.send(l));
        }),
    )
    .unwrap();
    // `tail /dev/zero` buffers one endless line: it grows until the 32 MB cgroup kills it.
    let pid = s.spawn_sh("read go; exec tail /dev/zero");
    mem.isolate("hog", pid).unwrap();
    s.go(0);
    let limitation = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("an OOM limitation");
    eprintln!(
        "limitation: {}",
        limitation.message.lines().next().unwrap_or("")
    );
    assert_eq!(limitation.reason, Some(Reason::ContainerLimitationMemory));
    assert_eq!(limitation.resources.to_string(), "mem:32");
    assert!(
        limitation
            .message
            .starts_with("Memory limit exceeded: Requested: 32MB, Maximum Used: "),
        "{}",
        limitation.message
    );
    assert!(limitation.message.contains("\n\nMEMORY STATISTICS: \n"));
    let used = limitation.message["Memory limit exceeded: Requested: 32MB, Maximum Used: ".len()..]
        .split('\n')
        .next()
        .unwrap_or("");
    assert!(used.ends_with("MB") || used.ends_with("KB"), "used: {used}");
    mem.cleanup("hog").unwrap();
    s.assert_nothing_left("hog");
}

#[test]
fn pids_isolator_on_the_kernel() {
    let Some(cg) = host_cgroups() else { return };
    let Some(mut s) = Scratch::new(&cg, &["pids"]) else {
        return;
    };
    let host = s.host(&[("cgroups_pids_max_default", "64")]);
    let pids = CgroupsPidsIsolator::create(&host, &Parameters::default()).unwrap();
    pids.prepare("a", &config("cpus:1;pids:32")).unwrap();
    pids.prepare("b", &config("cpus:1")).unwrap();
    assert_eq!(kernel_value(&s, "pids", "a", "pids.max"), "32");
    assert_eq!(kernel_value(&s, "pids", "b", "pids.max"), "64");
    let pid = s.spawn_sh("exec sleep 1000");
    pids.isolate("a", pid).unwrap();
    assert_eq!(pids.usage("a").unwrap().processes, Some(1));
    assert_eq!(pids.usage("b").unwrap().processes, Some(0));
    pids.cleanup("a").unwrap();
    pids.cleanup("b").unwrap();
    s.assert_nothing_left("a");
    s.assert_nothing_left("b");
}
