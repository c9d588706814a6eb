//! Isolators loaded with `--modules` run in the same pipeline as built-ins: a C isolator built
//! from the header alone, and a built-in isolator loaded from its cdylib through the C ABI.

use crate::common::{c_module, cdylib};
use crate::harness::{require, Agent, Sandbox};
use serde_json::json;

#[test]
fn c_and_cdylib_isolators_run_in_isolation_order() {
    require!("freezer", "pids");
    let sandbox = Sandbox::new();
    let record = sandbox.dir().join("calls.txt");
    let spec = json!({"libraries": [
        {"file": c_module("examples/modules/c/recording_isolator.c"),
         "modules": [{"name": "org_example_RecordingIsolator",
                      "parameters": [{"key": "record_file", "value": record}]}]},
        {"file": cdylib("modkit_isolators"),
         "modules": [{"name": "org_modkit_CgroupsPidsIsolator"}]}
    ]})
    .to_string();
    let agent = Agent::start(
        &sandbox,
        "org_modkit_CgroupsPidsIsolator,org_example_RecordingIsolator",
        &["--modules", &spec],
    );
    let pids_max = format!("/sys/fs/cgroup/pids/{}/c1/pids.max", sandbox.root);
    let (code, body) = agent.launch(
        "c1",
        &format!("echo $MODKIT_RECORDED; cat {pids_max}"),
        "cpus:0.1;mem:32;pids:16",
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(agent.wait("c1")["state"], "TASK_FINISHED");
    let out = std::fs::read_to_string(sandbox.dir().join("containers/c1/stdout")).unwrap();
    assert_eq!(
        out, "c1\n16\n",
        "the C isolator's environment and the cdylib's limit"
    );
    let calls: Vec<String> = std::fs::read_to_string(&record)
        .unwrap()
        .lines()
        .map(|l| l.split(' ').next().unwrap_or_default().to_string())
        .collect();
    let pos = |call: &str| calls.iter().position(|c| c == call);
    assert!(pos("prepare") < pos("isolate"), "{calls:?}");
    assert!(pos("isolate") < pos("cleanup"), "{calls:?}");
    assert_eq!(
        calls.last().map(String::as_str),
        Some("cleanup"),
        "{calls:?}"
    );
    sandbox.assert_clean();
}
