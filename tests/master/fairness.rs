//! Two frameworks in roles weighted 1 and 2 share one agent's 9 cpus through DRF offers:
//! each launches one 1-cpu task per offer and hands the rest back, so every decision is the
//! allocator's. They end with about 3 and 6 tasks.

use crate::cluster::{require_root, Cluster};
use crate::framework::{scalar, Framework};
use serde_json::json;
use std::time::{Duration, Instant};

fn share_cpus(weights: &str, update_weights: bool) -> (usize, usize) {
    let cluster = Cluster::start(|f| {
        if !update_weights {
            f.sharing.weights = weights.into();
        }
    });
    if update_weights {
        let (code, body) = cluster.operator(&json!({"type": "UPDATE_WEIGHTS", "update_weights": {
            "weight_infos": [{"role": "low", "weight": 1.0}, {"role": "high", "weight": 2.0}]}}));
        assert_eq!(code, 200, "{body}");
    }
    let _agent = cluster.agent(
        "posix/cpu,posix/mem",
        &["--resources", "cpus:9;mem:9000;disk:100"],
    );
    let mut low = Framework::subscribe(
        cluster.master.addr(),
        json!({"user": "root", "name": "low", "role": "low"}),
    );
    let mut high = Framework::subscribe(
        cluster.master.addr(),
        json!({"user": "root", "name": "high", "role": "high"}),
    );
    let mut launched = [0usize; 2];
    let deadline = Instant::now() + Duration::from_secs(60);
    while launched[0] + launched[1] < 9 {
        assert!(Instant::now() < deadline, "stuck at {launched:?}");
        for (i, fw) in [&mut low, &mut high].into_iter().enumerate() {
            let Some(event) = fw.next_event(Duration::from_millis(20)) else {
                continue;
            };
            match event["type"].as_str() {
                Some("OFFERS") => {
                    for offer in event["offers"]["offers"].as_array().unwrap() {
                        if scalar(offer, "cpus") >= 1.0 && launched[0] + launched[1] < 9 {
                            let id = format!("{}-{}", ["low", "high"][i], launched[i]);
                            let (code, body) =
                                fw.launch(&[offer], &[(&id, "sleep 1000", "cpus:1;mem:32")], 0.0);
                            assert_eq!(code, 202, "{body}");
                            launched[i] += 1;
                        } else {
                            fw.call(
                                json!({"type": "DECLINE", "decline": {"offer_ids": [offer["id"]],
                                "filters": {"refuse_seconds": 0.0}}}),
                            );
                        }
                    }
                }
                Some("UPDATE") => {
                    let status = &event["update"]["status"];
                    if status.get("uuid").is_some() {
                        fw.acknowledge(status);
                    }
                }
                _ => {}
            }
        }
    }
    let roles: serde_json::Value = serde_json::from_str(&cluster.get("/master/roles").1).unwrap();
    let weight = |name: &str| {
        roles["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .map(|r| r["weight"].clone())
    };
    assert_eq!(weight("high"), Some(json!(2.0)), "{roles}");
    (launched[0], launched[1])
}

#[test]
fn weights_one_and_two_share_one_to_two() {
    require_root!();
    let (low, high) = share_cpus("low=1,high=2", false);
    assert!(
        (2..=4).contains(&low) && low + high == 9,
        "low {low}, high {high}"
    );
}

#[test]
fn update_weights_changes_the_shares() {
    require_root!();
    let (low, high) = share_cpus("", true);
    assert!(
        (2..=4).contains(&low) && low + high == 9,
        "low {low}, high {high}"
    );
}
