//! Cleaning up the cgroups a test's agents made, even when the test failed.

use std::path::Path;
use std::time::Duration;

/// Kills every process of a cgroup tree and removes it, deepest first.
pub fn remove_tree(dir: &Path) {
    if !dir.is_dir() {
        return;
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.filter_map(Result::ok) {
            if e.path().is_dir() {
                remove_tree(&e.path());
            }
        }
    }
    // An agent killed in the middle of its freeze-kill-thaw round leaves the cgroup frozen:
    // a frozen process never dies of SIGKILL until it is thawed.
    let _ = std::fs::write(dir.join("freezer.state"), "THAWED");
    let _ = std::fs::write(dir.join("cgroup.freeze"), "0");
    for _ in 0..50 {
        if let Ok(procs) = std::fs::read_to_string(dir.join("cgroup.procs")) {
            for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
                // SAFETY: kill has no memory effects.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        if std::fs::remove_dir(dir).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Removes the cgroup root `root` (a test's unique `--cgroups_root`) from every v1 hierarchy
/// under /sys/fs/cgroup and from a cgroup2 mount there.
pub fn remove_root(root: &str) {
    if root.is_empty() {
        return;
    }
    let base = Path::new("/sys/fs/cgroup");
    if let Ok(hierarchies) = std::fs::read_dir(base) {
        for h in hierarchies.filter_map(Result::ok) {
            remove_tree(&h.path().join(root));
        }
    }
    remove_tree(&base.join(root));
}
