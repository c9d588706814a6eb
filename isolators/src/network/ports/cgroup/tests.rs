use super::*;

const HYBRID_AGENT: &str = "9:name=systemd:/
8:pids:/
6:freezer:/
4:memory:/process_api/abc
2:cpuacct:/
1:cpu:/
0::/user.slice
";

const HYBRID_CONTAINER: &str = "9:name=systemd:/
8:pids:/
6:freezer:/modkit/c1
4:memory:/process_api/abc
2:cpuacct:/
1:cpu:/
0::/user.slice
";

/// A fake cgroup filesystem: one mount point per hierarchy with `cgroup.procs` files.
fn fake_fs(dirs: &[&str]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    for dir in dirs {
        let path = root.path().join(dir);
        std::fs::create_dir_all(&path).unwrap();
        std::fs::write(path.join("cgroup.procs"), "").unwrap();
    }
    root
}

fn mountinfo(root: &Path) -> String {
    let r = root.display();
    format!(
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / {r}/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
36 31 0:33 / {r}/freezer rw,relatime - cgroup cgroup rw,freezer
37 31 0:34 / {r}/pids rw,relatime - cgroup cgroup rw,pids
38 31 0:35 / {r}/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
39 31 0:36 / {r}/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
40 23 0:37 / /proc rw - proc proc rw
"
    )
}

#[test]
fn parses_cgroup_lines() {
    let lines = parse_memberships(HYBRID_CONTAINER);
    assert_eq!(lines.len(), 7);
    assert_eq!(
        lines[2],
        Membership {
            controllers: "freezer".into(),
            path: "/modkit/c1".into()
        }
    );
    assert_eq!(lines[6].controllers, "");
    assert!(parse_memberships("junk\n1:cpu\n").is_empty());
}

#[test]
fn parses_cgroup_mounts_only() {
    let fs = fake_fs(&[]);
    let mounts = parse_mounts(&mountinfo(fs.path()));
    assert_eq!(mounts.len(), 5);
    assert_eq!(mounts[0].options, ["cpu", "cpuacct"]);
    assert_eq!(mounts[3].options, Vec::<String>::new());
    assert_eq!(mounts[4].options, ["xattr", "name=systemd"]);
    let spaced = parse_mounts("1 2 0:1 / /a\\040b rw - cgroup2 cgroup2 rw\n");
    assert_eq!(spaced[0].mount_point, PathBuf::from("/a b"));
}

#[test]
fn hybrid_picks_the_hierarchy_where_the_container_has_its_own_cgroup() {
    let fs = fake_fs(&["freezer/modkit/c1", "unified/user.slice"]);
    let mounts = parse_mounts(&mountinfo(fs.path()));
    let found = container_cgroup(
        &parse_memberships(HYBRID_CONTAINER),
        &parse_memberships(HYBRID_AGENT),
        &mounts,
    );
    assert_eq!(found, Some(fs.path().join("freezer/modkit/c1")));
}

#[test]
fn prefers_v2_then_pids_over_freezer_and_memory() {
    let fs = fake_fs(&[
        "pids/modkit/c1",
        "freezer/modkit/c1",
        "unified/modkit/c1",
        "cpu,cpuacct/modkit/c1",
    ]);
    let mounts = parse_mounts(&mountinfo(fs.path()));
    let agent = parse_memberships("8:pids:/\n6:freezer:/\n1:cpu,cpuacct:/\n0::/agent\n");
    let v1 = parse_memberships(
        "6:freezer:/modkit/c1\n1:cpu,cpuacct:/modkit/c1\n8:pids:/modkit/c1\n0::/agent\n",
    );
    assert_eq!(
        container_cgroup(&v1, &agent, &mounts),
        Some(fs.path().join("pids/modkit/c1"))
    );
    let v2 = parse_memberships("6:freezer:/modkit/c1\n0::/modkit/c1\n");
    assert_eq!(
        container_cgroup(&v2, &agent, &mounts),
        Some(fs.path().join("unified/modkit/c1"))
    );
    let joint = parse_memberships("1:cpu,cpuacct:/modkit/c1\n");
    assert_eq!(
        container_cgroup(&joint, &agent, &mounts),
        Some(fs.path().join("cpu,cpuacct/modkit/c1"))
    );
}

#[test]
fn no_cgroup_of_its_own_means_none() {
    let fs = fake_fs(&["freezer/modkit/c1"]);
    let mounts = parse_mounts(&mountinfo(fs.path()));
    let agent = parse_memberships(HYBRID_AGENT);
    assert_eq!(container_cgroup(&agent, &agent, &mounts), None);
    // A cgroup that is not on disk (removed mid-scan) is not used either.
    let gone = parse_memberships("6:freezer:/modkit/c2\n");
    assert_eq!(container_cgroup(&gone, &agent, &mounts), None);
    // Nor one of a hierarchy the agent does not see mounted.
    let unmounted = parse_memberships("5:devices:/modkit/c1\n");
    assert_eq!(container_cgroup(&unmounted, &agent, &mounts), None);
}

#[test]
fn a_mount_of_a_subtree_is_joined_below_its_root() {
    let fs = fake_fs(&["pids/c1"]);
    let mounts = vec![CgroupMount {
        options: vec!["pids".into()],
        root: "/modkit".into(),
        mount_point: fs.path().join("pids"),
    }];
    let inside = parse_memberships("8:pids:/modkit/c1\n");
    assert_eq!(
        container_cgroup(&inside, &[], &mounts),
        Some(fs.path().join("pids/c1"))
    );
    let outside = parse_memberships("8:pids:/modkitx/c1\n");
    assert_eq!(container_cgroup(&outside, &[], &mounts), None);
}

#[test]
fn processes_of_a_cgroup_and_its_children() {
    let fs = fake_fs(&["c1", "c1/nested", "c1/nested/deeper"]);
    std::fs::write(fs.path().join("c1/cgroup.procs"), "10\n11\n").unwrap();
    std::fs::write(fs.path().join("c1/nested/deeper/cgroup.procs"), "12\n").unwrap();
    let mut pids = Vec::new();
    processes(&fs.path().join("c1"), &mut pids);
    pids.sort_unstable();
    assert_eq!(pids, [10, 11, 12]);
    let mut none = Vec::new();
    processes(&fs.path().join("missing"), &mut none);
    assert!(none.is_empty());
}
