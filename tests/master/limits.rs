//! An isolator's limitation reaches the framework: a memory hog under cgroups/mem ends
//! TASK_FAILED with REASON_CONTAINER_LIMITATION_MEMORY and the isolator's message.

use crate::cluster::{require_root, Cluster};
use crate::framework::Framework;
use serde_json::json;
use std::path::Path;

#[test]
fn a_memory_limit_fails_the_task_with_its_reason() {
    require_root!();
    for c in ["memory", "freezer"] {
        if !Path::new("/sys/fs/cgroup")
            .join(c)
            .join("cgroup.procs")
            .exists()
        {
            eprintln!("skipping: no cgroup v1 '{c}' hierarchy");
            return;
        }
    }
    let cluster = Cluster::start(|_| {});
    let _agent = cluster.agent("cgroups/mem", &[]);
    let mut fw = Framework::subscribe(
        cluster.master.addr(),
        json!({"user": "root", "name": "hog"}),
    );
    let offers = fw.offers();
    fw.launch(
        &[&offers[0]],
        &[("hog", "tail /dev/zero", "cpus:0.5;mem:32")],
        5.0,
    );
    let failed = fw.wait_state("hog", "TASK_FAILED");
    assert_eq!(
        failed["reason"], "REASON_CONTAINER_LIMITATION_MEMORY",
        "{failed}"
    );
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .contains("Memory limit exceeded"),
        "{failed}"
    );
    let state = cluster.state();
    let task = &state["frameworks"][0]["completed_tasks"][0];
    assert_eq!(
        task["statuses"].as_array().unwrap().last().unwrap()["reason"],
        "REASON_CONTAINER_LIMITATION_MEMORY"
    );
}
