//! Fake cgroup trees with the control files the isolators use, for unit tests.

use modkit_cgroups::{Cgroups, FakeFs, Mode};
use std::path::Path;
use std::sync::Arc;

const V1_FILES: &[(&str, &[(&str, &str)])] = &[
    (
        "cpu",
        &[
            ("cpu.shares", "1024\n"),
            ("cpu.cfs_period_us", "100000\n"),
            ("cpu.cfs_quota_us", "-1\n"),
            (
                "cpu.stat",
                "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n",
            ),
        ],
    ),
    (
        "cpuacct",
        &[
            ("cpuacct.stat", "user 0\nsystem 0\n"),
            ("cpuacct.usage", "0\n"),
        ],
    ),
    (
        "memory",
        &[
            ("memory.limit_in_bytes", "9223372036854771712\n"),
            ("memory.soft_limit_in_bytes", "9223372036854771712\n"),
            ("memory.memsw.limit_in_bytes", "9223372036854771712\n"),
            ("memory.usage_in_bytes", "0\n"),
            ("memory.max_usage_in_bytes", "0\n"),
            ("memory.memsw.usage_in_bytes", "0\n"),
            ("memory.stat", "cache 0\nrss 0\n"),
            (
                "memory.oom_control",
                "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
            ),
        ],
    ),
    ("pids", &[("pids.max", "max\n"), ("pids.current", "0\n")]),
    ("freezer", &[("freezer.state", "THAWED\n")]),
];

const V2_FILES: &[(&str, &str)] = &[
    ("cgroup.procs", ""),
    ("cgroup.controllers", "cpu memory pids\n"),
    ("cgroup.subtree_control", ""),
    ("cgroup.kill", ""),
    ("cpu.weight", "100\n"),
    ("cpu.max", "max 100000\n"),
    ("cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n"),
    ("memory.max", "max\n"),
    ("memory.low", "0\n"),
    ("memory.swap.max", "max\n"),
    ("memory.current", "0\n"),
    ("memory.stat", "anon 0\nfile 0\n"),
    ("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n"),
    ("pids.max", "max\n"),
    ("pids.current", "0\n"),
];

/// A legacy (v1) tree at `/cg`.
pub fn v1() -> (Arc<FakeFs>, Cgroups) {
    let fs = FakeFs::new();
    for (controller, files) in V1_FILES {
        let root = format!("/cg/{controller}");
        let mut all = vec![("cgroup.procs", "")];
        all.extend_from_slice(files);
        fs.template(&root, &all)
            .dir(&root)
            .file(format!("{root}/cgroup.procs"), "");
    }
    let cgroups = Cgroups::with_fs(Path::new("/cg"), Mode::Legacy, fs.clone());
    (fs, cgroups)
}

/// A unified (v2) tree at `/cg` with cpu, memory and pids available.
pub fn v2() -> (Arc<FakeFs>, Cgroups) {
    let fs = FakeFs::new();
    fs.template("/cg", V2_FILES)
        .dir("/cg")
        .file("/cg/cgroup.procs", "")
        .file("/cg/cgroup.controllers", "cpu io memory pids\n")
        .file("/cg/cgroup.subtree_control", "");
    let cgroups = Cgroups::with_fs(Path::new("/cg"), Mode::Unified, fs.clone());
    (fs, cgroups)
}

/// Flags with the fake hierarchy.
pub fn flags() -> crate::CgroupsFlags {
    crate::CgroupsFlags {
        hierarchy: "/cg".into(),
        ..crate::CgroupsFlags::default()
    }
}

/// A container config asking for `resources` (Mesos text form).
pub fn config(resources: &str) -> modkit_ffi::types::ContainerConfig {
    modkit_ffi::types::ContainerConfig {
        resources: resources.parse().expect("valid resources"),
        directory: "/tmp/sandbox".into(),
        ..Default::default()
    }
}
