use super::*;
use std::sync::mpsc;

const LONG: Duration = Duration::from_secs(3600);
const PATIENCE: Duration = Duration::from_secs(20);

fn recorder(interval: Duration) -> (Periodic<u32>, mpsc::Receiver<Vec<String>>) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let periodic = Periodic::new("test", "test-periodic", interval, move |batch| {
        let mut ids: Vec<String> = batch.iter().map(|(id, _)| id.clone()).collect();
        ids.sort();
        let _ = tx.lock().unwrap().send(ids);
    });
    (periodic, rx)
}

#[test]
fn checks_every_container_each_interval() {
    let (periodic, rx) = recorder(Duration::from_millis(10));
    assert!(!periodic.running());
    periodic.insert("a", Arc::new(1)).unwrap();
    periodic.insert("b", Arc::new(2)).unwrap();
    assert!(periodic.running());
    let mut seen_a = 0;
    let mut seen_b = 0;
    while seen_a < 3 || seen_b < 3 {
        let batch = rx.recv_timeout(PATIENCE).expect("a check");
        seen_a += batch.iter().filter(|id| *id == "a").count();
        seen_b += batch.iter().filter(|id| *id == "b").count();
    }
    assert_eq!(periodic.get("b").ok().as_deref(), Some(&2));
    assert!(periodic.contains("a"));
    assert_eq!(
        periodic.get("c").unwrap_err().to_string(),
        IsolatorError::UnknownContainer {
            isolator: "test",
            container_id: "c".into()
        }
        .to_string()
    );
    assert_eq!(
        periodic.ensure_new("a").unwrap_err().to_string(),
        IsolatorError::AlreadyPrepared {
            isolator: "test",
            container_id: "a".into()
        }
        .to_string()
    );
    assert!(periodic.ensure_new("c").is_ok());
}

#[test]
fn the_thread_ends_with_the_last_container_and_comes_back() {
    let (periodic, rx) = recorder(LONG);
    periodic.insert("a", Arc::new(1)).unwrap();
    assert_eq!(periodic.remove("a").as_deref(), Some(&1));
    assert!(periodic.remove("a").is_none());
    let ended = (0..2000).any(|_| {
        std::thread::sleep(Duration::from_millis(5));
        !periodic.running()
    });
    assert!(ended, "the thread kept running without containers");
    periodic.insert("b", Arc::new(2)).unwrap();
    assert!(periodic.running());
    periodic.check_soon("b");
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), ["b"]);
}

#[test]
fn check_soon_does_not_wait_for_the_interval() {
    let (periodic, rx) = recorder(LONG);
    periodic.insert("a", Arc::new(1)).unwrap();
    periodic.insert("b", Arc::new(2)).unwrap();
    periodic.check_soon("b");
    periodic.check_soon("unknown");
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), ["b"]);
}

#[test]
fn drop_joins_the_thread() {
    let value = Arc::new(7);
    let (periodic, _rx) = recorder(LONG);
    periodic.insert("a", Arc::clone(&value)).unwrap();
    assert_eq!(Arc::strong_count(&value), 2);
    let shared = Arc::downgrade(&periodic.shared);
    drop(periodic);
    assert!(
        shared.upgrade().is_none(),
        "the thread still holds the state"
    );
    assert_eq!(Arc::strong_count(&value), 1);
}

#[test]
fn a_panicking_check_does_not_stop_the_watch() {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let periodic = Periodic::new(
        "test",
        "test-panic",
        Duration::from_millis(5),
        move |_batch| {
            let _ = tx.lock().unwrap().send(());
            panic!("check failed");
        },
    );
    periodic.insert("a", Arc::new(())).unwrap();
    for _ in 0..3 {
        rx.recv_timeout(PATIENCE)
            .expect("checked again after a panic");
    }
}
