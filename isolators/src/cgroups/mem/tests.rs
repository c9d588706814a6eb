use super::*;
use crate::cgroups::fake;
use modkit_cgroups::FakeFs;
use modkit_ffi::types::{ContainerLimitation, Reason};
use std::sync::mpsc;
use std::time::Duration;

fn isolator(v2: bool, limit_swap: bool) -> (Arc<FakeFs>, CgroupsMemIsolator) {
    let (fs, cgroups) = if v2 { fake::v2() } else { fake::v1() };
    let flags = CgroupsFlags {
        limit_swap,
        ..fake::flags()
    };
    (
        fs,
        CgroupsMemIsolator::with_cgroups(cgroups, flags).unwrap(),
    )
}

/// A sink feeding a channel; the `Arc` tells when the watcher thread has let go of it.
fn sink() -> (LimitationSink, mpsc::Receiver<ContainerLimitation>, Arc<()>) {
    let (tx, rx) = mpsc::channel();
    let alive = Arc::new(());
    let held = Arc::clone(&alive);
    let tx = Mutex::new(tx);
    let sink = LimitationSink::new(move |limitation| {
        let _keep = &held;
        let _ = tx.lock().unwrap().send(limitation);
    });
    (sink, rx, alive)
}

#[test]
fn v1_hard_and_soft_limits_with_a_32mb_floor() {
    let (fs, mem) = isolator(false, false);
    mem.prepare("a", &fake::config("cpus:1;mem:64")).unwrap();
    mem.prepare("b", &fake::config("mem:16")).unwrap();
    let read = |p: &str| fs.contents(format!("/cg/memory/modkit/{p}"));
    assert_eq!(read("a/memory.limit_in_bytes").as_deref(), Some("67108864"));
    assert_eq!(
        read("a/memory.soft_limit_in_bytes").as_deref(),
        Some("67108864")
    );
    assert_eq!(
        read("a/memory.memsw.limit_in_bytes").as_deref(),
        Some("9223372036854771712\n"),
        "swap untouched without --cgroups_limit_swap"
    );
    assert_eq!(read("b/memory.limit_in_bytes").as_deref(), Some("33554432"));
}

#[test]
fn v1_limit_swap_sets_memsw() {
    let (fs, mem) = isolator(false, true);
    mem.prepare("a", &fake::config("mem:128")).unwrap();
    assert_eq!(
        fs.contents("/cg/memory/modkit/a/memory.memsw.limit_in_bytes")
            .as_deref(),
        Some("134217728")
    );
    mem.update("a", &"mem:256".parse().unwrap()).unwrap();
    assert_eq!(
        fs.contents("/cg/memory/modkit/a/memory.memsw.limit_in_bytes")
            .as_deref(),
        Some("268435456")
    );
    assert_eq!(mem.usage("a").unwrap().mem_limit_bytes, Some(256 << 20));
}

#[test]
fn v2_max_low_and_swap() {
    let (fs, mem) = isolator(true, true);
    mem.prepare("a", &fake::config("mem:64")).unwrap();
    assert_eq!(
        fs.contents("/cg/modkit/a/memory.max").as_deref(),
        Some("67108864")
    );
    assert_eq!(
        fs.contents("/cg/modkit/a/memory.low").as_deref(),
        Some("67108864")
    );
    assert_eq!(
        fs.contents("/cg/modkit/a/memory.swap.max").as_deref(),
        Some("0")
    );
    assert!(fs
        .log()
        .contains(&"write /cg/modkit/cgroup.subtree_control +memory".to_string()));
}

#[test]
fn update_needs_mem() {
    let (_, mem) = isolator(false, false);
    mem.prepare("a", &fake::config("mem:64")).unwrap();
    let e = mem.update("a", &"cpus:1".parse().unwrap()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid argument: cgroups/mem: container a: no mem resource given"
    );
}

#[test]
fn v1_oom_raises_the_memory_limitation() {
    let (fs, mem) = isolator(false, false);
    mem.prepare("a", &fake::config("cpus:1;mem:64")).unwrap();
    let (sink, rx, alive) = sink();
    mem.watch("a", sink).unwrap();
    let dir = "/cg/memory/modkit/a";
    fs.file(format!("{dir}/memory.max_usage_in_bytes"), "67108864\n")
        .file(format!("{dir}/memory.stat"), "cache 0\nrss 67108864\n")
        .file(
            format!("{dir}/memory.oom_control"),
            "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
        );
    fs.signal_oom(dir);
    let limitation = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(limitation.reason, Some(Reason::ContainerLimitationMemory));
    assert_eq!(limitation.resources.to_string(), "mem:64");
    assert_eq!(
        limitation.message,
        "Memory limit exceeded: Requested: 64MB, Maximum Used: 64MB\n\n\
         MEMORY STATISTICS: \ncache 0\nrss 67108864\n"
    );
    mem.cleanup("a").unwrap();
    assert_eq!(Arc::strong_count(&alive), 1, "the watcher thread is gone");
}

#[test]
fn v2_oom_uses_memory_events_and_current_usage() {
    let (fs, mem) = isolator(true, false);
    mem.prepare("a", &fake::config("mem:100")).unwrap();
    mem.update("a", &"mem:1024".parse().unwrap()).unwrap();
    let (sink, rx, _alive) = sink();
    mem.watch("a", sink).unwrap();
    let dir = "/cg/modkit/a";
    fs.file(format!("{dir}/memory.current"), "1073741824\n")
        .file(format!("{dir}/memory.events"), "oom 1\noom_kill 1\n");
    fs.signal_oom(dir);
    let limitation = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(
        limitation
            .message
            .starts_with("Memory limit exceeded: Requested: 1GB, Maximum Used: 1GB\n"),
        "{}",
        limitation.message
    );
    assert_eq!(limitation.resources.to_string(), "mem:1024");
}

#[test]
fn cleanup_and_drop_end_the_watchers() {
    let (fs, mem) = isolator(false, false);
    mem.prepare("a", &fake::config("mem:64")).unwrap();
    mem.prepare("b", &fake::config("mem:64")).unwrap();
    let (sink_a, rx_a, alive_a) = sink();
    let (sink_b, _rx_b, alive_b) = sink();
    mem.watch("a", sink_a.clone()).unwrap();
    mem.watch("a", sink_a).unwrap();
    mem.watch("b", sink_b).unwrap();
    mem.cleanup("a").unwrap();
    assert_eq!(Arc::strong_count(&alive_a), 1);
    fs.signal_oom("/cg/memory/modkit/a");
    assert!(rx_a.try_recv().is_err());
    drop(mem);
    assert_eq!(Arc::strong_count(&alive_b), 1);
}

#[test]
fn watch_of_an_unknown_container_fails() {
    let (_, mem) = isolator(false, false);
    let (sink, _, _) = sink();
    let e = mem.watch("zz", sink).unwrap_err();
    assert_eq!(
        e.to_string(),
        "not found: cgroups/mem: unknown container zz"
    );
}

#[test]
fn v1_usage_from_memory_stat() {
    let (fs, mem) = isolator(false, true);
    mem.prepare("a", &fake::config("mem:64")).unwrap();
    let dir = "/cg/memory/modkit/a";
    fs.file(format!("{dir}/memory.usage_in_bytes"), "5000\n")
        .file(format!("{dir}/memory.memsw.usage_in_bytes"), "6000\n")
        .file(
            format!("{dir}/memory.stat"),
            "cache 1\nrss 2\ntotal_cache 100\ntotal_rss 200\ntotal_mapped_file 30\n\
             total_swap 0\ntotal_unevictable 4\ntotal_active_anon 150\ntotal_inactive_anon 50\n\
             total_active_file 60\ntotal_inactive_file 40\n",
        );
    let s = mem.usage("a").unwrap();
    assert_eq!(s.mem_total_bytes, Some(5000));
    assert_eq!(s.mem_total_memsw_bytes, Some(6000));
    assert_eq!(s.mem_limit_bytes, Some(64 << 20));
    assert_eq!(s.mem_soft_limit_bytes, Some(64 << 20));
    assert_eq!(
        (s.mem_rss_bytes, s.mem_cache_bytes, s.mem_mapped_file_bytes),
        (Some(200), Some(100), Some(30))
    );
    assert_eq!((s.mem_anon_bytes, s.mem_file_bytes), (Some(200), Some(100)));
    assert_eq!(
        (s.mem_swap_bytes, s.mem_unevictable_bytes),
        (Some(0), Some(4))
    );
}

#[test]
fn v2_usage_from_memory_stat() {
    let (fs, mem) = isolator(true, false);
    mem.prepare("a", &fake::config("mem:64")).unwrap();
    fs.file("/cg/modkit/a/memory.current", "9000\n")
        .file("/cg/modkit/a/memory.swap.current", "10\n")
        .file(
            "/cg/modkit/a/memory.stat",
            "anon 7000\nfile 2000\nfile_mapped 300\nunevictable 0\n",
        );
    let s = mem.usage("a").unwrap();
    assert_eq!(s.mem_total_bytes, Some(9000));
    assert_eq!(
        (s.mem_anon_bytes, s.mem_rss_bytes),
        (Some(7000), Some(7000))
    );
    assert_eq!(
        (s.mem_file_bytes, s.mem_cache_bytes),
        (Some(2000), Some(2000))
    );
    assert_eq!(s.mem_mapped_file_bytes, Some(300));
    assert_eq!(s.mem_swap_bytes, Some(10));
    assert_eq!(s.mem_total_memsw_bytes, Some(9010));
    assert_eq!(s.mem_limit_bytes, Some(64 << 20));
}

#[test]
fn recover_reads_the_limit_back() {
    let (fs, mem) = isolator(false, false);
    mem.prepare("kept", &fake::config("mem:96")).unwrap();
    mem.prepare("orphan", &fake::config("mem:64")).unwrap();
    let cgroups = Cgroups::with_fs(
        std::path::Path::new("/cg"),
        modkit_cgroups::Mode::Legacy,
        fs.clone(),
    );
    let restarted = CgroupsMemIsolator::with_cgroups(cgroups, fake::flags()).unwrap();
    let states = [ContainerState {
        container_id: ContainerId::new("kept"),
        pid: 1,
        directory: "/tmp".into(),
        ..Default::default()
    }];
    restarted
        .recover(&states, &[ContainerId::new("orphan")])
        .unwrap();
    assert!(!fs.has_dir("/cg/memory/modkit/orphan"));
    let (sink, rx, _) = sink();
    restarted.watch("kept", sink).unwrap();
    fs.file(
        "/cg/memory/modkit/kept/memory.oom_control",
        "oom_kill_disable 0\nunder_oom 1\noom_kill 1\n",
    );
    fs.signal_oom("/cg/memory/modkit/kept");
    let limitation = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(limitation.resources.to_string(), "mem:96");
    assert!(limitation.message.contains("Requested: 96MB"));
    restarted.cleanup("kept").unwrap();
}

#[test]
fn an_oom_kill_without_its_notification_is_raised_at_cleanup() {
    for v2 in [false, true] {
        let (fs, mem) = isolator(v2, false);
        mem.prepare("a", &fake::config("mem:64")).unwrap();
        let (sink, rx, alive) = sink();
        mem.watch("a", sink).unwrap();
        let (dir, counter, text) = if v2 {
            ("/cg/modkit/a", "memory.events", "oom 1\noom_kill 1\n")
        } else {
            (
                "/cg/memory/modkit/a",
                "memory.oom_control",
                "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
            )
        };
        fs.file(format!("{dir}/memory.stat"), "rss 1\n")
            .file(format!("{dir}/{counter}"), text);
        // No signal_oom: the reaper won the race with the notification.
        mem.cleanup("a").unwrap();
        let limitation = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(limitation.reason, Some(Reason::ContainerLimitationMemory));
        assert!(rx.try_recv().is_err(), "raised once");
        assert_eq!(Arc::strong_count(&alive), 1);
    }
}

#[test]
fn no_oom_kill_raises_nothing_at_cleanup() {
    let (fs, mem) = isolator(false, false);
    mem.prepare("a", &fake::config("mem:64")).unwrap();
    let (sink, rx, _alive) = sink();
    mem.watch("a", sink).unwrap();
    fs.file(
        "/cg/memory/modkit/a/memory.oom_control",
        "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
    );
    mem.cleanup("a").unwrap();
    assert!(rx.try_recv().is_err());
}
