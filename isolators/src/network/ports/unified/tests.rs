use super::*;
use crate::network::ports::diag;
use crate::network::ports::fake::Listening;

const MOUNTINFO: &str = "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n\
    39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n\
    41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";

#[test]
fn the_cgroup2_mount_and_root() {
    let unified = UnifiedCgroups::from_mountinfo(MOUNTINFO, "/modkit/agent1/").unwrap();
    assert_eq!(
        unified.root(),
        Path::new("/sys/fs/cgroup/unified/modkit/agent1")
    );
    assert_eq!(
        unified.dir("c1").unwrap(),
        Path::new("/sys/fs/cgroup/unified/modkit/agent1/c1")
    );
    let v1_only = "39 31 0:36 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";
    assert!(UnifiedCgroups::from_mountinfo(v1_only, "modkit").is_none());
}

#[test]
fn container_ids_that_are_not_one_component_are_refused() {
    let unified = UnifiedCgroups::at(Path::new("/nowhere"), "modkit");
    for bad in ["", ".", "..", "a/b", "a\nb"] {
        let e = unified.dir(bad).unwrap_err().to_string();
        assert!(e.contains("single, non-empty path component"), "{e}");
        assert!(unified.create(bad).is_err());
        assert!(unified.remove(bad).is_err());
        assert!(unified.find(bad).is_none());
    }
}

#[test]
fn create_find_remove_and_errors_name_the_path() {
    let mount = tempfile::tempdir().unwrap();
    let unified = UnifiedCgroups::at(mount.path(), "modkit");
    assert!(unified.find("c1").is_none());
    let dir = unified.create("c1").unwrap();
    assert_eq!(unified.create("c1").unwrap(), dir, "reused");
    assert_eq!(unified.find("c1"), Some(dir.clone()));
    assert_eq!(cgroup_id(&dir).unwrap(), cgroup_id(&dir).unwrap());
    std::fs::create_dir(dir.join("nested")).unwrap();
    unified.remove("c1").unwrap();
    assert!(!dir.exists());
    unified.remove("c1").unwrap();
    let e = cgroup_id(&dir).unwrap_err().to_string();
    assert!(
        e.contains("cannot read the cgroup id of") && e.contains("c1"),
        "{e}"
    );
    let e = add_process(&dir, 1).unwrap_err().to_string();
    assert!(
        e.contains("cannot write the pid to") && e.contains("cgroup.procs"),
        "{e}"
    );
    // A root under a file cannot be made.
    std::fs::write(mount.path().join("file"), "").unwrap();
    let e = UnifiedCgroups::at(mount.path(), "file")
        .create("c1")
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot create cgroup"), "{e}");
}

/// A process placed in a fresh cgroup2 directory, listening on a port it opened afterwards,
/// is reported by sock_diag with that directory's id.
#[test]
fn a_listener_in_a_fresh_cgroup2_directory_carries_its_id() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipping: not root");
        return;
    }
    let root = format!("modkit-test-ports-{}", std::process::id());
    let Some(unified) = UnifiedCgroups::detect(&root) else {
        eprintln!("skipping: no cgroup2 mount");
        return;
    };
    /// Removes the directories even when an assertion fails.
    struct Cleanup(UnifiedCgroups);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = self.0.remove("c1");
            let _ = std::fs::remove_dir(self.0.root());
        }
    }
    let cleanup = Cleanup(unified.clone());
    let dir = unified.create("c1").unwrap();
    let id = cgroup_id(&dir).unwrap();
    let child = Listening::spawn(|pid| add_process(&dir, pid).unwrap());
    let mut found = Vec::new();
    if let Err(e) = diag::listeners(&mut found) {
        eprintln!("skipping: no sock_diag netlink here: {e}");
        return;
    }
    let socket = found.iter().find(|l| l.port == child.port).unwrap();
    assert_eq!(socket.cgroup, Some(id), "{}", dir.display());
    drop(child);
    drop(cleanup);
    assert!(!dir.exists(), "{} left", dir.display());
}
