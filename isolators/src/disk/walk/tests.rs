use super::*;
use std::os::unix::fs::MetadataExt;

fn allocated(path: &Path) -> u64 {
    std::fs::symlink_metadata(path).unwrap().blocks() * 512
}

fn write(path: &Path, kib: usize) {
    std::fs::write(path, vec![7u8; kib * 1024]).unwrap();
}

#[test]
fn counts_allocated_blocks_of_everything_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    write(&root.join("top"), 64);
    write(&root.join("a/b/deep"), 128);
    std::fs::hard_link(root.join("a/b/deep"), root.join("a/again")).unwrap();
    std::fs::hard_link(root.join("a/b/deep"), root.join("top2")).unwrap();
    let expected: u64 = ["", "a", "a/b", "top", "a/b/deep"]
        .iter()
        .map(|p| allocated(&root.join(p)))
        .sum();
    let usage = disk_usage(root).unwrap();
    assert_eq!(usage.bytes, expected);
    assert!(usage.bytes >= (64 + 128) << 10, "{usage:?}");
    assert_eq!(usage.entries, 5, "hard links count once: {usage:?}");
    assert_eq!(usage.unreadable, 0);
}

#[test]
fn symlinks_are_counted_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("big"), 512);
    std::fs::create_dir(outside.path().join("tree")).unwrap();
    write(&outside.path().join("tree/big"), 512);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::os::unix::fs::symlink(outside.path().join("big"), root.join("file-link")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("tree"), root.join("dir-link")).unwrap();
    std::os::unix::fs::symlink("/", root.join("root-link")).unwrap();
    let expected: u64 = ["", "file-link", "dir-link", "root-link"]
        .iter()
        .map(|p| allocated(&root.join(p)))
        .sum();
    let usage = disk_usage(root).unwrap();
    assert_eq!(usage.bytes, expected);
    assert!(usage.bytes < 512 << 10, "followed a link: {usage:?}");
    assert_eq!(usage.entries, 4);
    // A root that is itself a symlink is not followed either.
    let link_root = disk_usage(&root.join("dir-link")).unwrap();
    assert_eq!(link_root.entries, 1);
}

#[test]
fn a_missing_root_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("gone");
    let e = disk_usage(&missing).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("cannot measure {}: ", missing.display())),
        "{e}"
    );
    assert!(e.contains("No such file"), "{e}");
}

#[test]
fn a_file_root_is_its_own_size() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    write(&file, 16);
    let usage = disk_usage(&file).unwrap();
    assert_eq!(usage.bytes, allocated(&file));
    assert_eq!(usage.entries, 1);
}

/// Deeper than the descriptor budget: the walker climbs back through `..` and still counts
/// every level, siblings after the deep branch included.
#[test]
fn deep_trees_beyond_the_descriptor_budget() {
    let dir = tempfile::tempdir().unwrap();
    let mut path = dir.path().to_path_buf();
    for level in 0..40 {
        path.push(format!("d{level}"));
        std::fs::create_dir(&path).unwrap();
        write(&path.join("sibling-before"), 4);
        std::fs::create_dir(path.join("z-after")).unwrap();
        write(&path.join("z-after/f"), 4);
    }
    write(&path.join("bottom"), 256);
    let full = Walker::default().measure(dir.path()).unwrap();
    let tight = Walker::with_max_open(3).measure(dir.path()).unwrap();
    assert_eq!(tight, full);
    assert_eq!(full.entries, 1 + 40 * 4 + 1);
    assert_eq!(full.unreadable, 0);
}

/// Files created and deleted while the walk runs are either counted or skipped, never an
/// error and never "unreadable".
#[test]
fn files_vanishing_mid_walk_are_tolerated() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    for d in 0..4 {
        std::fs::create_dir(root.join(format!("keep{d}"))).unwrap();
        for f in 0..50 {
            write(&root.join(format!("keep{d}/{f}")), 1);
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let churn = {
        let (root, stop) = (root.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut rounds = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let d = root.join(format!("churn{}", rounds % 3));
                let _ = std::fs::create_dir(&d);
                for f in 0..20 {
                    let _ = std::fs::write(d.join(f.to_string()), b"x");
                }
                let _ = std::fs::remove_dir_all(&d);
                rounds += 1;
            }
            rounds
        })
    };
    let stable = 1 + 4 + 4 * 50;
    for _ in 0..200 {
        let usage = disk_usage(&root).unwrap();
        assert_eq!(usage.unreadable, 0, "{usage:?}");
        assert!(usage.entries >= stable, "{usage:?}");
    }
    stop.store(true, Ordering::Relaxed);
    assert!(churn.join().unwrap() > 0);
}

#[test]
fn vanished_means_gone_or_replaced() {
    assert!(vanished(&io::Error::from_raw_os_error(libc::ENOENT)));
    assert!(vanished(&io::Error::from_raw_os_error(libc::ENOTDIR)));
    assert!(!vanished(&io::Error::from_raw_os_error(libc::EACCES)));
}

/// A wide tree with hard links across directories: every thread count and descriptor budget
/// (a full queue walks in place) gives the same figures, each link counted once.
#[test]
fn threads_agree_with_one_thread_and_count_links_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for d in 0..30 {
        let sub = root.join(format!("d{d}/inner"));
        std::fs::create_dir_all(&sub).unwrap();
        for f in 0..10 {
            write(&sub.join(format!("f{f}")), 4 * (f % 3));
        }
    }
    write(&root.join("shared"), 64);
    for d in 0..30 {
        std::fs::hard_link(root.join("shared"), root.join(format!("d{d}/inner/link"))).unwrap();
    }
    let one = Walker::default().with_threads(1).measure(root).unwrap();
    assert_eq!(one.entries, 1 + 30 * (2 + 10) + 1);
    assert_eq!(one.unreadable, 0);
    for threads in [2, 3, 8] {
        for max_open in [1, 2, 64] {
            let walker = Walker::with_max_open(max_open).with_threads(threads);
            assert_eq!(
                walker.measure(root).unwrap(),
                one,
                "{threads} threads, {max_open} descriptors"
            );
        }
    }
}
