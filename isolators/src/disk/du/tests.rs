use super::*;
use std::sync::mpsc;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(20);

fn config(dir: &std::path::Path, resources: &str) -> ContainerConfig {
    ContainerConfig {
        resources: resources.parse().unwrap(),
        directory: dir.to_string_lossy().into_owned(),
        ..Default::default()
    }
}

fn isolator(enforce: bool) -> DiskDuIsolator {
    DiskDuIsolator::new(DiskFlags {
        watch_interval: Duration::from_millis(10),
        enforce,
    })
}

fn sink() -> (LimitationSink, mpsc::Receiver<ContainerLimitation>) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    (
        LimitationSink::new(move |l| {
            let _ = tx.lock().unwrap().send(l);
        }),
        rx,
    )
}

fn used(isolator: &DiskDuIsolator, id: &str, at_least: u64) -> ResourceStatistics {
    for _ in 0..2000 {
        let stats = isolator.usage(id).unwrap();
        if stats.disk_used_bytes.is_some_and(|u| u >= at_least) {
            return stats;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("no disk usage of at least {at_least} bytes for {id}");
}

#[test]
fn message_like_mesos() {
    assert_eq!(
        quota_message(20 << 20, 10 << 20),
        "Disk usage (20MB) exceeds quota (10MB)"
    );
    assert_eq!(
        quota_message(10_485_761, 10 << 20),
        "Disk usage (10485761B) exceeds quota (10MB)"
    );
}

#[test]
fn enforced_quota_raises_the_disk_reason_once() {
    let dir = tempfile::tempdir().unwrap();
    let disk = isolator(true);
    disk.prepare("c1", &config(dir.path(), "cpus:1;disk:1"))
        .unwrap();
    disk.isolate("c1", 1).unwrap();
    let (sink, limitations) = sink();
    disk.watch("c1", sink).unwrap();
    std::fs::write(dir.path().join("blob"), vec![1u8; 2 << 20]).unwrap();
    let limitation = limitations.recv_timeout(PATIENCE).expect("a limitation");
    assert_eq!(limitation.reason, Some(Reason::ContainerLimitationDisk));
    assert!(
        limitation.message.starts_with("Disk usage (")
            && limitation.message.ends_with(") exceeds quota (1MB)"),
        "{}",
        limitation.message
    );
    assert_eq!(limitation.resources, "disk:1".parse().unwrap());
    let stats = used(&disk, "c1", 2 << 20);
    assert_eq!(stats.disk_limit_bytes, Some(1 << 20));
    // Still over quota on later walks, yet raised only once.
    std::thread::sleep(Duration::from_millis(100));
    assert!(limitations.try_recv().is_err(), "raised twice");
    disk.cleanup("c1").unwrap();
    disk.cleanup("c1").unwrap();
    assert!(disk.usage("c1").is_err());
}

#[test]
fn without_enforcement_usage_is_only_reported() {
    let dir = tempfile::tempdir().unwrap();
    let disk = isolator(false);
    disk.prepare("c1", &config(dir.path(), "disk:1")).unwrap();
    let (sink, limitations) = sink();
    disk.watch("c1", sink).unwrap();
    std::fs::write(dir.path().join("blob"), vec![1u8; 2 << 20]).unwrap();
    used(&disk, "c1", 2 << 20);
    std::thread::sleep(Duration::from_millis(100));
    assert!(limitations.try_recv().is_err(), "not enforcing");
    // An update raises the quota; the figures follow.
    disk.update("c1", &"disk:64".parse().unwrap()).unwrap();
    assert_eq!(disk.usage("c1").unwrap().disk_limit_bytes, Some(64 << 20));
}

#[test]
fn under_quota_and_without_disk_nothing_is_raised() {
    let dir = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    let disk = isolator(true);
    disk.prepare("small", &config(dir.path(), "disk:64"))
        .unwrap();
    disk.prepare("nodisk", &config(other.path(), "cpus:1"))
        .unwrap();
    let (sink, limitations) = sink();
    disk.watch("small", sink.clone()).unwrap();
    disk.watch("nodisk", sink).unwrap();
    std::fs::write(dir.path().join("blob"), vec![1u8; 1 << 20]).unwrap();
    std::fs::write(other.path().join("blob"), vec![1u8; 1 << 20]).unwrap();
    used(&disk, "small", 1 << 20);
    let stats = used(&disk, "nodisk", 1 << 20);
    assert_eq!(stats.disk_limit_bytes, None);
    std::thread::sleep(Duration::from_millis(100));
    assert!(limitations.try_recv().is_err());
}

#[test]
fn lifecycle_errors_name_the_container() {
    let dir = tempfile::tempdir().unwrap();
    let disk = isolator(false);
    disk.prepare("c1", &config(dir.path(), "disk:1")).unwrap();
    let e = disk
        .prepare("c1", &config(dir.path(), "disk:1"))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("disk/du: container c1 is already prepared"),
        "{e}"
    );
    let e = disk.usage("c9").unwrap_err();
    assert!(
        e.to_string().contains("disk/du: unknown container c9"),
        "{e}"
    );
    let mut no_sandbox = config(dir.path(), "disk:1");
    no_sandbox.directory.clear();
    let e = disk.prepare("c2", &no_sandbox).unwrap_err();
    assert!(
        e.to_string()
            .contains("container c2: the container has no sandbox"),
        "{e}"
    );
    disk.cleanup("never-seen").unwrap();
}

#[test]
fn recovered_sandboxes_are_measured_again() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blob"), vec![1u8; 1 << 20]).unwrap();
    let disk = isolator(true);
    disk.recover(
        &[ContainerState {
            container_id: ContainerId::new("old"),
            pid: 1,
            directory: dir.path().to_string_lossy().into_owned(),
            ..Default::default()
        }],
        &[],
    )
    .unwrap();
    let stats = used(&disk, "old", 1 << 20);
    assert_eq!(
        stats.disk_limit_bytes, None,
        "the quota comes back with update"
    );
}
