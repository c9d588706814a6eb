use super::*;
use crate::cgroups::fake;
use modkit_ffi::types::ContainerState;

fn isolator(
    v2: bool,
    enable_cfs: bool,
) -> (std::sync::Arc<modkit_cgroups::FakeFs>, CgroupsCpuIsolator) {
    let (fs, cgroups) = if v2 { fake::v2() } else { fake::v1() };
    let flags = CgroupsFlags {
        enable_cfs,
        ..fake::flags()
    };
    (
        fs,
        CgroupsCpuIsolator::with_cgroups(cgroups, flags).unwrap(),
    )
}

#[test]
fn limits_from_cpus() {
    assert_eq!(shares(1500), 1536);
    assert_eq!(shares(1), 2, "at least 2 shares");
    assert_eq!(quota(1500), Duration::from_millis(150));
    assert_eq!(quota(1), Duration::from_millis(1), "at least 1 ms");
}

#[test]
fn v1_prepare_applies_limits_in_cpu_and_creates_cpuacct() {
    let (fs, cpu) = isolator(false, true);
    assert_eq!(
        cpu.prepare("c1", &fake::config("cpus:1.5;mem:64")).unwrap(),
        None
    );
    assert_eq!(
        fs.contents("/cg/cpu/modkit/c1/cpu.shares").as_deref(),
        Some("1536")
    );
    assert_eq!(
        fs.contents("/cg/cpu/modkit/c1/cpu.cfs_period_us")
            .as_deref(),
        Some("100000")
    );
    assert_eq!(
        fs.contents("/cg/cpu/modkit/c1/cpu.cfs_quota_us").as_deref(),
        Some("150000")
    );
    assert!(fs.has_dir("/cg/cpuacct/modkit/c1"));
    cpu.isolate("c1", 4242).unwrap();
    for controller in ["cpu", "cpuacct"] {
        assert_eq!(
            fs.contents(format!("/cg/{controller}/modkit/c1/cgroup.procs"))
                .as_deref(),
            Some("4242\n")
        );
    }
    let again = cpu.prepare("c1", &fake::config("cpus:1")).unwrap_err();
    assert_eq!(
        again.to_string(),
        "cgroups/cpu: container c1 is already prepared"
    );
}

#[test]
fn without_cfs_only_shares() {
    let (fs, cpu) = isolator(false, false);
    cpu.prepare("c1", &fake::config("cpus:0.25")).unwrap();
    assert_eq!(
        fs.contents("/cg/cpu/modkit/c1/cpu.shares").as_deref(),
        Some("256")
    );
    assert_eq!(
        fs.contents("/cg/cpu/modkit/c1/cpu.cfs_quota_us").as_deref(),
        Some("-1\n")
    );
}

#[test]
fn v2_weight_and_max_in_one_cgroup() {
    let (fs, cpu) = isolator(true, true);
    cpu.prepare("c1", &fake::config("cpus:2")).unwrap();
    assert_eq!(
        fs.contents("/cg/modkit/c1/cpu.weight").as_deref(),
        Some("79")
    );
    assert_eq!(
        fs.contents("/cg/modkit/c1/cpu.max").as_deref(),
        Some("200000 100000")
    );
    assert!(fs
        .log()
        .contains(&"write /cg/modkit/cgroup.subtree_control +cpu".to_string()));
    cpu.isolate("c1", 7).unwrap();
    assert_eq!(
        fs.contents("/cg/modkit/c1/cgroup.procs").as_deref(),
        Some("7\n")
    );
}

#[test]
fn update_rewrites_and_needs_cpus() {
    let (fs, cpu) = isolator(false, true);
    cpu.prepare("c1", &fake::config("cpus:1")).unwrap();
    cpu.update("c1", &"cpus:3".parse().unwrap()).unwrap();
    assert_eq!(
        fs.contents("/cg/cpu/modkit/c1/cpu.shares").as_deref(),
        Some("3072")
    );
    assert_eq!(
        fs.contents("/cg/cpu/modkit/c1/cpu.cfs_quota_us").as_deref(),
        Some("300000")
    );
    assert_eq!(cpu.usage("c1").unwrap().cpus_limit, Some(3.0));
    let e = cpu.update("c1", &"mem:10".parse().unwrap()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid argument: cgroups/cpu: container c1: no cpus resource given"
    );
    let e = cpu.update("c9", &"cpus:1".parse().unwrap()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "not found: cgroups/cpu: unknown container c9"
    );
}

#[test]
fn v1_usage_from_cpuacct_ticks_and_cpu_stat() {
    let (fs, cpu) = isolator(false, true);
    cpu.prepare("c1", &fake::config("cpus:1")).unwrap();
    let hz = sys::clock_ticks_per_second();
    fs.file(
        "/cg/cpuacct/modkit/c1/cpuacct.stat",
        &format!("user {}\nsystem {}\n", 3 * hz, hz / 2),
    )
    .file(
        "/cg/cpu/modkit/c1/cpu.stat",
        "nr_periods 40\nnr_throttled 7\nthrottled_time 2500000000\n",
    );
    let stats = cpu.usage("c1").unwrap();
    assert_eq!(stats.cpus_user_time_secs, Some(3.0));
    assert_eq!(stats.cpus_system_time_secs, Some(0.5));
    assert_eq!(stats.cpus_limit, Some(1.0));
    assert_eq!(stats.cpus_nr_periods, Some(40));
    assert_eq!(stats.cpus_nr_throttled, Some(7));
    assert_eq!(stats.cpus_throttled_time_secs, Some(2.5));
    assert!(stats.timestamp > 0.0);
}

#[test]
fn v2_usage_from_cpu_stat() {
    let (fs, cpu) = isolator(true, false);
    cpu.prepare("c1", &fake::config("cpus:1")).unwrap();
    fs.file(
        "/cg/modkit/c1/cpu.stat",
        "usage_usec 1750000\nuser_usec 1500000\nsystem_usec 250000\nnr_periods 1\n",
    );
    let stats = cpu.usage("c1").unwrap();
    assert_eq!(stats.cpus_user_time_secs, Some(1.5));
    assert_eq!(stats.cpus_system_time_secs, Some(0.25));
    assert_eq!(stats.cpus_nr_periods, None, "only with CFS, as in Mesos");
}

#[test]
fn cleanup_kills_and_removes_and_accepts_unknown_ids() {
    let (fs, cpu) = isolator(false, false);
    cpu.prepare("c1", &fake::config("cpus:1")).unwrap();
    fs.add_procs("/cg/cpu/modkit/c1", &[31]);
    cpu.cleanup("c1").unwrap();
    assert!(fs.log().contains(&"kill 31".to_string()));
    assert!(!fs.has_dir("/cg/cpu/modkit/c1") && !fs.has_dir("/cg/cpuacct/modkit/c1"));
    cpu.cleanup("c1").unwrap();
    cpu.cleanup("never-seen").unwrap();
    assert!(cpu.usage("c1").is_err());
}

#[test]
fn recover_adopts_known_and_removes_orphans() {
    let (fs, cpu) = isolator(false, true);
    cpu.prepare("kept", &fake::config("cpus:0.5")).unwrap();
    cpu.prepare("orphan", &fake::config("cpus:1")).unwrap();
    // A restarted agent: a new isolator over the same tree.
    let cgroups = Cgroups::with_fs(
        std::path::Path::new("/cg"),
        modkit_cgroups::Mode::Legacy,
        fs.clone(),
    );
    let flags = CgroupsFlags {
        enable_cfs: true,
        ..fake::flags()
    };
    let restarted = CgroupsCpuIsolator::with_cgroups(cgroups, flags).unwrap();
    let states = [
        ContainerState {
            container_id: ContainerId::new("kept"),
            pid: 99,
            directory: "/tmp".into(),
            ..Default::default()
        },
        ContainerState {
            container_id: ContainerId::new("vanished"),
            pid: 98,
            directory: "/tmp".into(),
            ..Default::default()
        },
    ];
    restarted
        .recover(&states, &[ContainerId::new("orphan")])
        .unwrap();
    assert_eq!(restarted.usage("kept").unwrap().cpus_limit, Some(0.5));
    assert!(restarted.usage("vanished").is_err());
    assert!(!fs.has_dir("/cg/cpu/modkit/orphan") && !fs.has_dir("/cg/cpuacct/modkit/orphan"));
    assert!(fs.has_dir("/cg/cpu/modkit/kept"));
}

#[test]
fn refuses_ids_that_are_not_one_path_component() {
    let (fs, cpu) = isolator(false, false);
    for bad in ["../etc", "a/b", "", ".."] {
        let e = cpu.prepare(bad, &fake::config("cpus:1")).unwrap_err();
        assert!(matches!(e, ModuleError::InvalidArgument(_)), "{bad}: {e}");
    }
    assert!(!fs.has_dir("/cg/cpu/modkit"));
}

#[test]
fn a_v2_host_without_the_cpu_controller_is_unsupported() {
    let (fs, cgroups) = fake::v2();
    fs.file("/cg/cgroup.controllers", "memory pids\n");
    let e = CgroupsCpuIsolator::with_cgroups(cgroups, fake::flags())
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "unsupported: cgroups/cpu: the cpu controller is not available under /cg"
    );
}

#[test]
fn create_reads_flags_and_names_bad_ones() {
    use modkit_ffi::host::HostServices;
    let flags = [("cgroups_enable_cfs".to_string(), "sometimes".to_string())]
        .into_iter()
        .collect();
    let host = HostServices::leak("test", "agent", "", &flags).host();
    let e = CgroupsCpuIsolator::create(&host, &Parameters::default())
        .err()
        .unwrap();
    assert_eq!(
        e.to_string(),
        "invalid argument: flag --cgroups_enable_cfs=\"sometimes\": expected true or false"
    );
    let flags = [(
        "cgroups_hierarchy".to_string(),
        "/nonexistent/cg".to_string(),
    )]
    .into_iter()
    .collect();
    let host = HostServices::leak("test", "agent", "", &flags).host();
    let e = CgroupsCpuIsolator::create(&host, &Parameters::default())
        .err()
        .unwrap();
    assert!(e.to_string().contains("/nonexistent/cg"), "{e}");
}
