//! Mesos's sorter and allocator test semantics as scenario files run through the CLI, with the
//! expected answers worked out by hand; and the same scenarios with the sorter loaded from its
//! cdylib through the C ABI, which must print exactly the same.

mod common;

use common::{cdylib, modkit, repo};
use serde_json::{json, Value};

fn run(args: &[&str]) -> Vec<Value> {
    let out = modkit()
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run modkit");
    assert!(
        out.status.success(),
        "modkit {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

fn sorter(scenario: &str, extra: &[&str]) -> Vec<Value> {
    let path = format!("examples/scenarios/sorter/{scenario}");
    let mut args = vec!["sorter", "--scenario", path.as_str()];
    args.extend_from_slice(extra);
    run(&args)
}

fn allocate(scenario: &str, extra: &[&str]) -> Vec<Value> {
    let path = format!("examples/scenarios/allocate/{scenario}");
    let mut args = vec!["allocate", "--scenario", path.as_str()];
    args.extend_from_slice(extra);
    run(&args)
}

fn sorts(order: &[&[&str]]) -> Vec<Value> {
    order.iter().map(|o| json!({ "sort": o })).collect()
}

/// A spec loading the DRF sorter from the allocators cdylib.
fn abi_spec() -> String {
    json!({"libraries": [{"file": cdylib("modkit_allocators"),
        "modules": [{"name": "org_modkit_DrfSorter"}, {"name": "org_modkit_AssetSorter"}]}]})
    .to_string()
}

#[test]
fn drf() {
    // Totals cpus:100;mem:100 (s1 + s2). Shares: a .05, b .06 → c .01, d .03; then a removed and
    // b down to .02; then s2 (50 cpus) removed: b .04, c .02, d .06, e max(1/50, 5/100) = .05;
    // then mem:100 more: e max(.02, 5/200) = .025, c max(1/50, 16/200) = .08, f 5/50 = .1.
    let expected = vec![
        json!({"sort": []}),
        json!({"sort": ["a", "b"]}),
        json!({"sort": ["c", "d", "a", "b"]}),
        json!({"shares": {"a": 0.05, "b": 0.06, "c": 0.01, "d": 0.03}}),
        json!({"sort": ["c", "b", "d"]}),
        json!({"sort": ["c", "b", "e", "d"]}),
        json!({"sort": ["e", "b", "d", "c", "f"]}),
        json!({"shares": {"b": 0.04, "c": 0.08, "d": 0.06, "e": 0.025, "f": 0.1}}),
    ];
    assert_eq!(sorter("drf.json", &[]), expected);
}

#[test]
fn hierarchical_roles_sort_level_by_level() {
    // a .06 vs subtree b (.04 + .01) = .05: b first, inside it b/d .01 before b/c .04.
    // With b/d/x (.02) under the client b/d: subtree b = .07 > a; subtree b/d = .03 < b/c .04;
    // inside b/d its virtual leaf (.01) before b/d/x (.02). Deactivated b/d is not listed but
    // still counts. Weight 2 on b: .07 / 2 = .035 < a .06.
    let expected = sorts(&[
        &["b/d", "b/c", "a"],
        &["a", "b/d", "b/d/x", "b/c"],
        &["a", "b/d/x", "b/c"],
        &["b/d/x", "b/c", "a"],
    ]);
    assert_eq!(sorter("hierarchical.json", &[]), expected);
}

#[test]
fn equal_shares_break_on_allocation_count_then_name() {
    // Equal zero shares: by name. a (2 allocations of 5) and b (1 of 10) both at .1: b has fewer
    // allocations. Weight 2 on a: .05 < .1.
    let mut expected = sorts(&[&["a", "b"], &["b", "a"], &["a", "b"]]);
    expected.push(json!({"shares": {"a": 0.05, "b": 0.1}}));
    assert_eq!(sorter("tie-break.json", &[]), expected);
}

#[test]
fn weights_flag_applies_before_the_scenario() {
    // --weights b=4: b .1 / 4 = .025 < a .1 (a still made two allocations).
    let out = sorter("tie-break.json", &["--weights", "b=4"]);
    assert_eq!(out[1], json!({"sort": ["b", "a"]}));
    assert_eq!(out[3], json!({"shares": {"a": 0.05, "b": 0.025}}));
}

#[test]
fn excluded_resources_do_not_count_toward_shares() {
    // a holds the only GPU: share 1 unless gpus are excluded, then cpus 1/10 = .1 < b's .2.
    assert_eq!(
        sorter("fairness-exclusion.json", &[]),
        vec![
            json!({"sort": ["b", "a"]}),
            json!({"shares": {"a": 1.0, "b": 0.2}})
        ]
    );
    assert_eq!(
        sorter(
            "fairness-exclusion.json",
            &["--fair_sharing_excluded_resource_names", "gpus"]
        ),
        vec![
            json!({"sort": ["a", "b"]}),
            json!({"shares": {"a": 0.1, "b": 0.2}})
        ]
    );
}

#[test]
fn asset_fairness_sums_where_drf_takes_the_max() {
    // a ⟨10, 1⟩, b ⟨6, 6⟩ of ⟨100, 100⟩: DRF a .10 vs b .06; asset a .11 vs b .12.
    assert_eq!(sorter("asset-vs-drf.json", &[]), sorts(&[&["b", "a"]]));
    assert_eq!(
        sorter("asset-vs-drf.json", &["--sorter", "asset"]),
        sorts(&[&["a", "b"]])
    );
}

#[test]
fn random_sorter_is_reproducible_for_a_seed() {
    let first = sorter("random.json", &["--sorter", "random", "--sorter_seed", "7"]);
    let again = sorter("random.json", &["--sorter", "random", "--sorter_seed", "7"]);
    assert_eq!(first, again);
    assert_eq!(first.len(), 10);
    let distinct: std::collections::BTreeSet<String> =
        first.iter().map(|v| v.to_string()).collect();
    assert!(
        distinct.len() > 1,
        "ten draws of three clients all alike: {first:?}"
    );
    for line in &first {
        let mut clients: Vec<&str> = line["sort"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        clients.sort_unstable();
        assert_eq!(clients, ["a", "b", "c"]);
    }
}

#[test]
fn sorters_loaded_through_the_abi_print_the_same() {
    let spec = abi_spec();
    for scenario in [
        "drf.json",
        "hierarchical.json",
        "tie-break.json",
        "fairness-exclusion.json",
        "asset-vs-drf.json",
    ] {
        let builtin = sorter(scenario, &[]);
        let loaded = sorter(
            scenario,
            &["--sorter", "org_modkit_DrfSorter", "--modules", &spec],
        );
        assert_eq!(builtin, loaded, "{scenario}");
    }
    let builtin = sorter("asset-vs-drf.json", &["--sorter", "asset"]);
    let loaded = sorter(
        "asset-vs-drf.json",
        &["--sorter", "org_modkit_AssetSorter", "--modules", &spec],
    );
    assert_eq!(builtin, loaded);
}

fn offer(framework: &str, agent: &str, role: &str, resources: &str) -> Value {
    json!({"framework": framework, "agent": agent, "role": role, "resources": resources})
}

fn offers(list: Vec<Value>) -> Value {
    json!({ "offers": list })
}

#[test]
fn drf_paper_example_with_one_task_per_offer() {
    // ⟨9 CPU, 18 GB⟩; A's tasks ⟨1, 4 GB⟩, B's ⟨3, 1 GB⟩. Each offer goes to the role with the
    // lower dominant share: A (tie, by name), B, A (2/9 < 1/3), B (4/9 > 1/3), A (4/9 < 2/3);
    // then both at 2/3 and B has had fewer allocations, but only memory is left: B and A
    // decline, and nothing is offered. A runs 3 tasks, B 2.
    let expected = vec![
        offers(vec![offer("A", "s1", "A", "cpus:9;mem:18432")]),
        offers(vec![offer("B", "s1", "B", "cpus:8;mem:14336")]),
        offers(vec![offer("A", "s1", "A", "cpus:5;mem:13312")]),
        offers(vec![offer("B", "s1", "B", "cpus:4;mem:9216")]),
        offers(vec![offer("A", "s1", "A", "cpus:1;mem:8192")]),
        offers(vec![offer("B", "s1", "B", "mem:4096")]),
        offers(vec![offer("A", "s1", "A", "mem:4096")]),
        offers(vec![]),
    ];
    assert_eq!(allocate("drf-paper.json", &[]), expected);
}

#[test]
fn role_weights_split_agents_in_proportion() {
    // Six equal agents, r2 with weight 2: s1 r1 (tie, by name), s2 r2, s3 r2 (1/12 < 1/6),
    // s4 r1 (tie at 1/6, r1 has fewer allocations), s5 r2, s6 r2: 2 agents to r1, 4 to r2.
    let expected = vec![offers(vec![
        offer("f1", "s1", "r1", "cpus:1;mem:1024"),
        offer("f2", "s2", "r2", "cpus:1;mem:1024"),
        offer("f2", "s3", "r2", "cpus:1;mem:1024"),
        offer("f1", "s4", "r1", "cpus:1;mem:1024"),
        offer("f2", "s5", "r2", "cpus:1;mem:1024"),
        offer("f2", "s6", "r2", "cpus:1;mem:1024"),
    ])];
    assert_eq!(allocate("weights.json", &[]), expected);
}

#[test]
fn nested_roles_share_level_by_level() {
    // a (with a/x and a/y) and b split the agents 2:2, not 1:1:1 across the three leaves:
    // s1 a/x (tie, by name), s2 b (a at 1/4), s3 a/y (tie at 1/4, equal counts, by name; inside
    // a, a/y has nothing), s4 b.
    let expected = vec![offers(vec![
        offer("fa-x", "s1", "a/x", "cpus:1;mem:1024"),
        offer("fb", "s2", "b", "cpus:1;mem:1024"),
        offer("fa-y", "s3", "a/y", "cpus:1;mem:1024"),
        offer("fb", "s4", "b", "cpus:1;mem:1024"),
    ])];
    assert_eq!(allocate("nested-roles.json", &[]), expected);
}

#[test]
fn weights_one_two_three_split_six_agents_one_two_three() {
    // Weighted shares n/6/w: s1 r1, s2 r2, s3 r3 (all at 0, by name); s4 r3 (1/18 lowest);
    // s5 r2 (1/12); s6 r3 (r1 1/6 = r2 1/6 > r3 1/9).
    let expected = vec![offers(vec![
        offer("f1", "s1", "r1", "cpus:1;mem:1024"),
        offer("f2", "s2", "r2", "cpus:1;mem:1024"),
        offer("f3", "s3", "r3", "cpus:1;mem:1024"),
        offer("f3", "s4", "r3", "cpus:1;mem:1024"),
        offer("f2", "s5", "r2", "cpus:1;mem:1024"),
        offer("f3", "s6", "r3", "cpus:1;mem:1024"),
    ])];
    assert_eq!(allocate("weights-1-2-3.json", &[]), expected);
}

#[test]
fn a_quota_limit_is_never_exceeded() {
    // Limit cpus:3;mem:3072 and no guarantee: all of s1, the 1 cpu / 1 GB left under the limit
    // from s2, nothing from s3.
    let expected = vec![offers(vec![
        offer("f-prod", "s1", "prod", "cpus:2;mem:2048"),
        offer("f-prod", "s2", "prod", "cpus:1;mem:1024"),
    ])];
    assert_eq!(allocate("quota-limit.json", &[]), expected);
}

#[test]
fn offer_filters_expire_at_a_batch_allocation_and_revive_clears_them() {
    let all = || offers(vec![offer("f1", "s1", "r1", "cpus:4;mem:4096")]);
    let none = || offers(vec![]);
    // Declined at t=0 for 5 s: nothing at t=0 and t=4, offered again at t=5. Declined for 1000 s
    // and suppressed: nothing; revive clears both.
    assert_eq!(
        allocate("filters.json", &[]),
        vec![all(), none(), none(), all(), none(), all()]
    );
}

#[test]
fn reserved_resources_go_only_to_their_role_and_sub_roles() {
    // `accounting` sorts first but may only take the unreserved part; `ads/batch` gets what is
    // reserved to `ads`.
    let expected = vec![offers(vec![
        offer("batch", "s1", "ads/batch", "cpus(ads):8;mem(ads):2048"),
        offer("ledger", "s1", "accounting", "cpus:4;mem:1024"),
    ])];
    assert_eq!(allocate("reservations.json", &[]), expected);
}

#[test]
fn quota_guarantee_is_served_first_then_fair_sharing() {
    // prod is guaranteed 3 cpus / 3 GB: all of s1 and what it still needs from s2. The rest is
    // shared fairly: dev (0) before prod (.5) on s2 and s3.
    let expected = vec![offers(vec![
        offer("f-prod", "s1", "prod", "cpus:2;mem:2048"),
        offer("f-dev", "s2", "dev", "cpus:1;mem:1024"),
        offer("f-prod", "s2", "prod", "cpus:1;mem:1024"),
        offer("f-dev", "s3", "dev", "cpus:2;mem:2048"),
    ])];
    assert_eq!(allocate("quota.json", &[]), expected);
}

#[test]
fn allocator_scenarios_with_abi_loaded_sorters_print_the_same() {
    let spec = abi_spec();
    for scenario in [
        "drf-paper.json",
        "weights.json",
        "filters.json",
        "reservations.json",
        "quota.json",
    ] {
        let builtin = allocate(scenario, &[]);
        let loaded = allocate(
            scenario,
            &[
                "--role_sorter",
                "org_modkit_DrfSorter",
                "--framework_sorter",
                "org_modkit_DrfSorter",
                "--modules",
                &spec,
            ],
        );
        assert_eq!(builtin, loaded, "{scenario}");
    }
}

#[test]
fn a_bad_operation_names_the_file_the_operation_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.json");
    std::fs::write(
        &file,
        r#"[{"op": "add", "client": "a"}, {"op": "alocated", "client": "a"}]"#,
    )
    .unwrap();
    let out = modkit()
        .args(["sorter", "--scenario"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&file.display().to_string()) && err.contains("operation #2"),
        "{err}"
    );
    assert!(err.contains("unknown variant `alocated`"), "{err}");

    std::fs::write(&file, r#"[{"op": "add", "client": "a"}, {"op": "allocated", "client": "zz", "agent": "s", "resources": "cpus:1"}]"#).unwrap();
    let out = modkit()
        .args(["sorter", "--scenario"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("operation #2") && err.contains("zz"), "{err}");

    std::fs::write(
        &file,
        r#"[{"op": "add_agent", "agent": "s", "resources": "cpus:x"}]"#,
    )
    .unwrap();
    let out = modkit()
        .args(["allocate", "--scenario"])
        .arg(&file)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid resources 'cpus:x': 'x' is not a number"),
        "{err}"
    );

    let out = modkit()
        .args(["sorter", "--sorter", "nope", "--scenario"])
        .arg(&file)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Unknown or unsupported sorter 'nope'") && err.contains("drf"),
        "{err}"
    );
}
