use super::*;
use crate::FakeFs;

const V1_FILES: &[(&str, &str)] = &[("cgroup.procs", ""), ("freezer.state", "THAWED\n")];
const V2_FILES: &[(&str, &str)] = &[
    ("cgroup.procs", ""),
    ("cgroup.controllers", "cpu memory pids\n"),
    ("cgroup.subtree_control", ""),
    ("cgroup.freeze", "0\n"),
    ("cgroup.events", "populated 0\nfrozen 0\n"),
];

fn v1() -> (Arc<FakeFs>, Cgroups) {
    let fs = FakeFs::new();
    for controller in ["cpu", "cpuacct", "memory", "freezer", "pids"] {
        let root = format!("/cg/{controller}");
        fs.template(&root, V1_FILES)
            .dir(&root)
            .file(format!("{root}/cgroup.procs"), "1\n");
    }
    let cgroups = Cgroups::with_fs(Path::new("/cg"), Mode::Legacy, fs.clone());
    (fs, cgroups)
}

fn v2() -> (Arc<FakeFs>, Cgroups) {
    let fs = FakeFs::new();
    fs.template("/cg", V2_FILES)
        .dir("/cg")
        .file("/cg/cgroup.procs", "1\n")
        .file("/cg/cgroup.controllers", "cpuset cpu io memory pids\n")
        .file("/cg/cgroup.subtree_control", "");
    let cgroups = Cgroups::with_fs(Path::new("/cg"), Mode::Unified, fs.clone());
    (fs, cgroups)
}

#[test]
fn paths_per_mode() {
    let (_, legacy) = v1();
    assert_eq!(
        legacy.path("memory", "modkit/c1"),
        Path::new("/cg/memory/modkit/c1")
    );
    assert_eq!(legacy.path("memory", "/"), Path::new("/cg/memory"));
    let hybrid = Cgroups::with_fs(Path::new("/cg"), Mode::Hybrid, FakeFs::new());
    assert_eq!(
        hybrid.path("cpu", "modkit/c1"),
        Path::new("/cg/cpu/modkit/c1")
    );
    let (_, unified) = v2();
    assert_eq!(unified.path("cpu", "modkit/c1"), Path::new("/cg/modkit/c1"));
    assert_eq!(
        unified.path("memory", "modkit/c1"),
        Path::new("/cg/modkit/c1")
    );
}

#[test]
fn supports_per_mode() {
    let (_, legacy) = v1();
    assert!(legacy.supports("memory") && legacy.supports("freezer"));
    assert!(!legacy.supports("devices"));
    let (_, unified) = v2();
    assert!(unified.supports("memory") && unified.supports("io"));
    assert!(unified.supports("freezer"), "core on v2");
    assert!(!unified.supports("hugetlb"));
}

#[test]
fn v1_create_is_mkdir_p_and_idempotent() {
    let (fs, cg) = v1();
    assert_eq!(
        cg.create("memory", "modkit/c1").unwrap(),
        Path::new("/cg/memory/modkit/c1")
    );
    cg.create("memory", "modkit/c1").unwrap();
    assert_eq!(
        fs.log(),
        vec!["mkdir /cg/memory/modkit", "mkdir /cg/memory/modkit/c1"]
    );
    assert!(matches!(
        cg.create("devices", "modkit/c1"),
        Err(CgroupError::Unsupported { .. })
    ));
    assert!(matches!(
        cg.create("memory", "modkit/../x"),
        Err(CgroupError::InvalidName { .. })
    ));
    assert!(cg.create("memory", "").is_err());
}

#[test]
fn v2_create_enables_the_controller_in_every_ancestor() {
    let (fs, cg) = v2();
    cg.create("memory", "modkit/c1").unwrap();
    assert_eq!(
        fs.log(),
        vec![
            "write /cg/cgroup.subtree_control +memory",
            "mkdir /cg/modkit",
            "write /cg/modkit/cgroup.subtree_control +memory",
            "mkdir /cg/modkit/c1",
        ]
    );
    // The fake stores the last write; the kernel would list every enabled controller.
    fs.file("/cg/cgroup.subtree_control", "memory\n")
        .file("/cg/modkit/cgroup.subtree_control", "memory\n");
    fs.clear_log();
    cg.create("memory", "modkit/c2").unwrap();
    assert_eq!(fs.log(), vec!["mkdir /cg/modkit/c2"]);
    fs.clear_log();
    cg.create("freezer", "modkit/c3").unwrap();
    assert_eq!(fs.log(), vec!["mkdir /cg/modkit/c3"], "freezer is core");
    let e = cg.create("hugetlb", "modkit/c4").unwrap_err();
    assert_eq!(
        e.to_string(),
        "the hugetlb controller is not available under /cg"
    );
}

#[test]
fn remove_goes_deepest_first_and_tolerates_missing() {
    let (fs, cg) = v1();
    cg.create("cpu", "modkit/c1/nested/deeper").unwrap();
    cg.create("cpu", "modkit/c1/other").unwrap();
    fs.clear_log();
    cg.remove("cpu", "modkit/c1").unwrap();
    assert_eq!(
        fs.log(),
        vec![
            "rmdir /cg/cpu/modkit/c1/nested/deeper",
            "rmdir /cg/cpu/modkit/c1/nested",
            "rmdir /cg/cpu/modkit/c1/other",
            "rmdir /cg/cpu/modkit/c1",
        ]
    );
    assert!(fs.has_dir("/cg/cpu/modkit"));
    cg.remove("cpu", "modkit/c1").unwrap();
    cg.remove("cpu", "never/was").unwrap();
    assert!(cg.remove("cpu", "/").is_err(), "never the root");
}

#[test]
fn remove_retries_busy_then_reports_it() {
    let (fs, cg) = v1();
    cg.create("cpu", "modkit/c1").unwrap();
    fs.busy("/cg/cpu/modkit/c1", 3);
    cg.remove("cpu", "modkit/c1").unwrap();
    assert!(!fs.has_dir("/cg/cpu/modkit/c1"));

    cg.create("cpu", "modkit/c2").unwrap();
    fs.add_procs("/cg/cpu/modkit/c2", &[77]);
    let e = cg.remove("cpu", "modkit/c2").unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot remove cgroup /cg/cpu/modkit/c2: Device or resource busy (os error 16)"
    );
}

#[test]
fn processes_include_nested_cgroups() {
    let (fs, cg) = v1();
    cg.create("freezer", "modkit/c1/child").unwrap();
    cg.add_process("freezer", "modkit/c1", 30).unwrap();
    fs.add_procs("/cg/freezer/modkit/c1/child", &[12, 30]);
    assert_eq!(cg.processes("freezer", "modkit/c1").unwrap(), vec![12, 30]);
    assert_eq!(
        fs.contents("/cg/freezer/modkit/c1/cgroup.procs").as_deref(),
        Some("30\n")
    );
    assert!(cg
        .processes("freezer", "modkit/none")
        .unwrap_err()
        .is_not_found());
    fs.file("/cg/freezer/modkit/c1/cgroup.procs", "x\n");
    assert!(matches!(
        cg.processes("freezer", "modkit/c1"),
        Err(CgroupError::Parse { .. })
    ));
}

#[test]
fn children_are_one_level() {
    let (_, cg) = v2();
    cg.create("memory", "modkit/b/nested").unwrap();
    cg.create("memory", "modkit/a").unwrap();
    assert_eq!(cg.children("memory", "modkit").unwrap(), vec!["a", "b"]);
    assert_eq!(
        cg.children("memory", "absent").unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn v1_kill_all_freezes_kills_thaws() {
    let (fs, cg) = v1();
    cg.create("freezer", "modkit/c1/child").unwrap();
    fs.add_procs("/cg/freezer/modkit/c1", &[10]);
    fs.add_procs("/cg/freezer/modkit/c1/child", &[11]);
    fs.clear_log();
    cg.kill_all("freezer", "modkit/c1").unwrap();
    assert_eq!(
        fs.log(),
        vec![
            "write /cg/freezer/modkit/c1/freezer.state FROZEN",
            "kill 10",
            "kill 11",
            "write /cg/freezer/modkit/c1/freezer.state THAWED",
        ]
    );
    assert!(cg.processes("freezer", "modkit/c1").unwrap().is_empty());
    cg.kill_all("freezer", "modkit/absent").unwrap();
    assert!(cg.kill_all("freezer", "").is_err(), "never the root");
}

#[test]
fn kill_all_without_a_freezer_just_kills() {
    let fs_no_freezer = FakeFs::new();
    fs_no_freezer
        .template("/cg/pids", &[("cgroup.procs", "")])
        .dir("/cg/pids/modkit/c1")
        .file("/cg/pids/cgroup.procs", "")
        .add_procs("/cg/pids/modkit/c1", &[5, 6]);
    let cg = Cgroups::with_fs(Path::new("/cg"), Mode::Legacy, fs_no_freezer.clone());
    cg.kill_all("pids", "modkit/c1").unwrap();
    assert_eq!(fs_no_freezer.log(), vec!["kill 5", "kill 6"]);
}

#[test]
fn v2_kill_all_uses_cgroup_kill_when_present() {
    let (fs, cg) = v2();
    cg.create("memory", "modkit/c1").unwrap();
    fs.file("/cg/modkit/c1/cgroup.kill", "")
        .add_procs("/cg/modkit/c1", &[3, 4]);
    fs.clear_log();
    cg.kill_all("freezer", "modkit/c1").unwrap();
    assert_eq!(fs.log(), vec!["write /cg/modkit/c1/cgroup.kill 1"]);
}

#[test]
fn v2_kill_all_freezes_without_cgroup_kill() {
    let (fs, cg) = v2();
    cg.create("memory", "modkit/c1").unwrap();
    fs.add_procs("/cg/modkit/c1", &[3]);
    fs.clear_log();
    cg.kill_all("freezer", "modkit/c1").unwrap();
    assert_eq!(
        fs.log(),
        vec![
            "write /cg/modkit/c1/cgroup.freeze 1",
            "kill 3",
            "write /cg/modkit/c1/cgroup.freeze 0",
        ]
    );
}

#[test]
fn kill_all_gives_up_naming_the_survivors() {
    let (fs, cg) = v1();
    let cg = cg.with_kill_timeout(Duration::from_millis(50));
    cg.create("freezer", "modkit/c1").unwrap();
    fs.add_procs("/cg/freezer/modkit/c1", &[8, 9]).unkillable(9);
    let e = cg.kill_all("freezer", "modkit/c1").unwrap_err();
    match &e {
        CgroupError::KillTimeout { path, pids, .. } => {
            assert_eq!(path, Path::new("/cg/freezer/modkit/c1"));
            assert_eq!(pids, &vec![9]);
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(
        fs.contents("/cg/freezer/modkit/c1/freezer.state")
            .as_deref(),
        Some("THAWED"),
        "never left frozen"
    );
}

#[test]
fn read_and_write_name_the_file() {
    let (_, cg) = v1();
    cg.create("cpu", "modkit/c1").unwrap();
    let e = cg
        .write("cpu", "modkit/c1", "cpu.shares", "2048")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot write \"2048\" to /cg/cpu/modkit/c1/cpu.shares: No such file or directory (os error 2)"
    );
    assert!(cg
        .read("cpu", "modkit/c1", "cgroup.procs")
        .unwrap()
        .is_empty());
    assert!(cg.exists("cpu", "modkit/c1") && !cg.exists("cpu", "modkit/c9"));
}
