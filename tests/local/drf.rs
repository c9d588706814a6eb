//! Two frameworks in roles weighted 1 and 2 share one agent through the DRF allocator: offers
//! go to the role with the lower weighted dominant share, and the cluster ends about 1:2.

use crate::harness::Cluster;
use modkit::scheduler::{Connection, Event, Scheduler};
use serde_json::json;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

const TASK_CPUS: f64 = 1.0;
const AGENT_CPUS: f64 = 12.0;

/// Subscribes in `role`, waits at `ready` until both frameworks are subscribed, then launches
/// one long task per offer (declining the rest of it) until offers stop fitting.
fn framework(
    master: String,
    role: &'static str,
    ready: Arc<Barrier>,
    launches: Arc<Mutex<Vec<&'static str>>>,
) -> Scheduler {
    let info = json!({"user": "root", "name": format!("drf-{role}"), "roles": [role],
                      "capabilities": [{"type": "MULTI_ROLE"}]});
    let (scheduler, events) =
        Scheduler::subscribe(Connection::new(master), info, Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("subscribe {role}: {e}"));
    ready.wait();
    let client = scheduler.clone();
    std::thread::spawn(move || {
        let mut n = 0;
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let Ok((event, _)) = events.recv_timeout(Duration::from_secs(1)) else {
                continue;
            };
            match event {
                Event::Offers(offers) => {
                    for offer in offers {
                        let cpus = offer
                            .resources
                            .scalar("cpus")
                            .map(|s| s.as_f64())
                            .unwrap_or(0.0);
                        if cpus < TASK_CPUS {
                            let _ = client.decline(&[&offer.id], Some(0.0));
                            continue;
                        }
                        n += 1;
                        let task = format!("{role}-{n}");
                        let mut resources = json!([
                            {"name": "cpus", "type": "SCALAR", "scalar": {"value": TASK_CPUS}},
                            {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}]);
                        if let Some(r) = &offer.role {
                            for item in resources.as_array_mut().into_iter().flatten() {
                                item["allocation_info"] = json!({"role": r});
                            }
                        }
                        launches.lock().expect("launch log").push(role);
                        client
                            .launch(
                                &[&offer.id],
                                vec![json!({"name": task, "task_id": {"value": task},
                                            "agent_id": {"value": offer.agent_id},
                                            "command": {"value": "sleep 600"},
                                            "resources": resources})],
                                Some(0.0),
                            )
                            .unwrap_or_else(|e| panic!("launch {task}: {e}"));
                    }
                }
                Event::Update(status) => {
                    if let (Some(uuid), Some(agent)) = (&status.uuid, &status.agent_id) {
                        let _ = client.acknowledge(agent.as_str(), status.task_id.as_str(), uuid);
                    }
                }
                Event::Closed(_) => return,
                _ => {}
            }
        }
    });
    scheduler
}

#[test]
fn weights_1_and_2_get_offers_in_drf_order_and_end_1_to_2() {
    let cluster = Cluster::start(&[
        "--resources",
        &format!("cpus:{AGENT_CPUS};mem:4096"),
        "--weights",
        "light=1,heavy=2",
        "--isolation",
        "posix/cpu,posix/mem",
    ]);
    let ready = Arc::new(Barrier::new(3));
    let launches = Arc::new(Mutex::new(Vec::new()));
    let handles: Vec<_> = ["light", "heavy"]
        .into_iter()
        .map(|role| {
            let (master, ready, launches) =
                (cluster.master.clone(), ready.clone(), launches.clone());
            std::thread::spawn(move || framework(master, role, ready, launches))
        })
        .collect();
    ready.wait();
    let schedulers: Vec<Scheduler> = handles
        .into_iter()
        .map(|h| h.join().expect("framework thread"))
        .collect();
    let all = AGENT_CPUS as usize;
    let deadline = Instant::now() + Duration::from_secs(60);
    while launches.lock().expect("launch log").len() < all && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let order = launches.lock().expect("launch log").clone();
    for s in &schedulers {
        let _ = s.teardown();
    }
    assert_eq!(
        order.len(),
        all,
        "every cpu should be used: {order:?}\n{}",
        cluster.log()
    );
    let light = order.iter().filter(|r| **r == "light").count();
    let heavy = order.iter().filter(|r| **r == "heavy").count();
    assert_eq!((light, heavy), (4, 8), "{order:?}");
    // Each launch went to the role whose weighted share was not above the other's.
    let (mut l, mut h) = (0.0, 0.0);
    for role in &order {
        if *role == "light" {
            assert!(
                l / 1.0 <= h / 2.0 + 1e-9,
                "light got an offer while ahead: {order:?}"
            );
            l += TASK_CPUS;
        } else {
            assert!(
                h / 2.0 <= l / 1.0 + 1e-9,
                "heavy got an offer while ahead: {order:?}"
            );
            h += TASK_CPUS;
        }
    }
}
