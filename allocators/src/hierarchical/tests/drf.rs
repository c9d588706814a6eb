//! Fair sharing: DRF across roles, within a role, nested roles, weights, the DRF paper's
//! example, and the minimum allocatable offer.

use super::{lines, Sim};

#[test]
fn unreserved_drf_across_roles_and_within_a_role() {
    let mut s = Sim::new();
    s.framework("f1", &["r1"]);
    s.agent("s1", "cpus:2;mem:1024");
    // Only r1 has a framework.
    assert_eq!(s.allocate(), lines(&["f1 s1 r1 cpus:2;mem:1024"]));

    s.framework("f2", &["r2"]);
    s.agent("s2", "cpus:1;mem:512");
    // Totals ⟨3, 1536⟩: r1 max(2/3, 1024/1536) = .67, r2 0 → r2.
    assert_eq!(s.allocate(), lines(&["f2 s2 r2 cpus:1;mem:512"]));

    s.agent("s3", "cpus:3;mem:2048");
    // Totals ⟨6, 3584⟩: r1 max(2/6, 1024/3584) = .33, r2 max(1/6, 512/3584) = .17 → r2.
    assert_eq!(s.allocate(), lines(&["f2 s3 r2 cpus:3;mem:2048"]));

    s.framework("f3", &["r1"]);
    s.agent("s4", "cpus:4;mem:4096");
    // Totals ⟨10, 7680⟩: r1 max(.2, .13) = .2 < r2 max(.4, .33) = .4 → r1; inside r1, f3 (0)
    // comes before f1 (.2).
    assert_eq!(s.allocate(), lines(&["f3 s4 r1 cpus:4;mem:4096"]));
    // r1 holds ⟨6, 5120⟩ of ⟨10, 7680⟩: mem dominates.
    assert_eq!(
        s.metric("allocator/dominant_share/r1"),
        Some(5120.0 / 7680.0)
    );
    assert_eq!(s.metric("allocator/dominant_share/r2"), Some(0.4));
}

#[test]
fn nested_roles_share_level_by_level() {
    // Four equal agents; roles a/x, a/y and b. Hierarchical DRF compares a (its subtree) with
    // b first: s1 a (tie, by name) → a/x (tie, by name); s2 b (a .25); s3 a (tie at .25, one
    // allocation each, by name) → a/y (0 < .25); s4 b (.25 < .5). Flat DRF would give a/x two
    // agents and b one.
    let mut s = Sim::new();
    for agent in ["s1", "s2", "s3", "s4"] {
        s.agent(agent, "cpus:1;mem:512");
    }
    s.framework("fx", &["a/x"]);
    s.framework("fy", &["a/y"]);
    s.framework("fb", &["b"]);
    assert_eq!(
        s.allocate(),
        lines(&[
            "fx s1 a/x cpus:1;mem:512",
            "fb s2 b cpus:1;mem:512",
            "fy s3 a/y cpus:1;mem:512",
            "fb s4 b cpus:1;mem:512",
        ])
    );
}

/// Which role got each of the six agents.
fn roles_by_agent(offers: &[String]) -> Vec<String> {
    offers
        .iter()
        .map(|l| l.split(' ').nth(2).unwrap_or("").to_string())
        .collect()
}

#[test]
fn weights_split_agents_in_proportion_3_3_then_2_4_then_1_2_3() {
    let mut s = Sim::new();
    for i in 1..=6 {
        s.agent(&format!("s{i}"), "cpus:2;mem:1024");
    }
    s.framework("f1", &["r1"]);
    s.framework("f2", &["r2"]);
    // Equal weights alternate: r1 (tie, by name), r2, r1 (tie, one allocation each), ...
    let first = s.allocate();
    assert_eq!(roles_by_agent(&first), ["r1", "r2", "r1", "r2", "r1", "r2"]);
    s.decline_all(&first, 0.0);

    // r2 weighs 2. Allocation counts stay (3 each): s1 r1 (tie, by name); s2 r2 (0 < 1/6);
    // s3 r2 (1/12 < 1/6); s4 r1 (tie at 1/6, r1 has 4 allocations, r2 5); s5 r2 (1/6 < 1/3);
    // s6 r2 (1/4 < 1/3): 2 + 4.
    s.weight("r2", 2.0);
    let second = s.allocate();
    assert_eq!(
        roles_by_agent(&second),
        ["r1", "r2", "r2", "r1", "r2", "r2"]
    );
    s.decline_all(&second, 0.0);

    // r3 (weight 3) joins. Counts r1 5, r2 7, r3 0: s1 r3 (all 0, fewest allocations); s2 r1
    // (0, 5 < 7); s3 r2 (0); s4 r3 (1/18 < 1/12 < 1/6); s5 r2 (1/12 < 1/9 < 1/6); s6 r3 (1/9 <
    // 1/6 = 1/6): 1 + 2 + 3.
    s.framework("f3", &["r3"]);
    s.weight("r3", 3.0);
    let third = s.allocate();
    assert_eq!(roles_by_agent(&third), ["r3", "r1", "r2", "r3", "r2", "r3"]);
}

#[test]
fn drf_paper_example_a_runs_three_tasks_and_b_two() {
    // ⟨9 CPU, 18 GB⟩; A's tasks need ⟨1 CPU, 4 GB⟩, B's ⟨3 CPU, 1 GB⟩. Each offer is the whole
    // remainder; the framework launches one task and gives the rest back unfiltered.
    let mut s = Sim::new();
    s.agent("s1", "cpus:9;mem:18432");
    s.framework("A", &["A"]);
    s.framework("B", &["B"]);
    let a_task = "cpus:1;mem:4096";
    let b_task = "cpus:3;mem:1024";
    // A and B at 0: A by name.
    let o = s.allocate();
    assert_eq!(o, lines(&["A s1 A cpus:9;mem:18432"]));
    s.launch(&o, a_task);
    // A max(1/9, 4/18) = .22 > B 0.
    let o = s.allocate();
    assert_eq!(o, lines(&["B s1 B cpus:8;mem:14336"]));
    s.launch(&o, b_task);
    // A .22 < B max(3/9, 1/18) = .33.
    let o = s.allocate();
    assert_eq!(o, lines(&["A s1 A cpus:5;mem:13312"]));
    s.launch(&o, a_task);
    // A max(2/9, 8/18) = .44 > B .33.
    let o = s.allocate();
    assert_eq!(o, lines(&["B s1 B cpus:4;mem:9216"]));
    s.launch(&o, b_task);
    // A .44 < B 6/9 = .67.
    let o = s.allocate();
    assert_eq!(o, lines(&["A s1 A cpus:1;mem:8192"]));
    s.launch(&o, a_task);
    // Both at 2/3; B has had fewer allocations (2 < 3), but ⟨0, 4 GB⟩ fits no task of either.
    let o = s.allocate();
    assert_eq!(o, lines(&["B s1 B mem:4096"]));
    s.decline_all(&o, 5.0);
    let o = s.allocate();
    assert_eq!(o, lines(&["A s1 A mem:4096"]));
    s.decline_all(&o, 5.0);
    assert!(s.allocate().is_empty());
    // A holds 3 tasks ⟨3, 12 GB⟩ (share 2/3), B 2 tasks ⟨6, 2 GB⟩ (share 2/3).
    let share = |s: &mut Sim, role: &str| s.metric(&format!("allocator/dominant_share/{role}"));
    assert_eq!(share(&mut s, "A"), Some(12.0 / 18.0));
    assert_eq!(share(&mut s, "B"), Some(6.0 / 9.0));
}

#[test]
fn a_remainder_below_the_minimum_is_not_offered() {
    let mut s = Sim::new();
    s.agent("s1", "cpus:1;mem:64;disk:100");
    s.framework("f1", &["r1"]);
    s.framework("f2", &["r2"]);
    let o = s.allocate();
    assert_eq!(o, lines(&["f1 s1 r1 cpus:1;disk:100;mem:64"]));
    // f1 keeps ⟨0.995 cpus, 40 MB⟩ and gives back ⟨0.005 cpus, 24 MB, 100 disk⟩: below both
    // 0.01 cpus and 32 MB, so nothing is offered.
    s.recover("f1", "s1", "r1", "cpus:0.005;mem:24;disk:100", 0.0);
    assert!(s.allocate().is_empty());
    // 8 MB more makes 32 MB: allocatable (cpus OR mem reaches its minimum), and f2 (0) gets it.
    s.recover("f1", "s1", "r1", "mem:8", 0.0);
    assert_eq!(
        s.allocate(),
        lines(&["f2 s1 r2 cpus:0.005;disk:100;mem:32"])
    );
}

#[test]
fn the_minimum_is_configurable() {
    let mut s = Sim::with(super::AllocatorConfig {
        min_allocatable_cpus: 2.0,
        min_allocatable_mem: 4096.0,
        ..Default::default()
    });
    s.agent("s1", "cpus:1;mem:1024");
    s.framework("f1", &["r1"]);
    assert!(s.allocate().is_empty());
    s.agent("s2", "cpus:2;mem:1024");
    assert_eq!(s.allocate(), lines(&["f1 s2 r1 cpus:2;mem:1024"]));
}

#[test]
fn offers_come_sorted_by_agent_then_framework_and_repeat_exactly() {
    let run = || {
        let mut s = Sim::new();
        for agent in ["b2", "a1", "c3", "a10"] {
            s.agent(agent, "cpus:1;mem:512");
        }
        s.framework("zed", &["r1"]);
        s.framework("amy", &["r2"]);
        s.allocate()
    };
    let first = run();
    // Agents in name order: a1 r1 (tie, by name), a10 r2, b2 r1 (tie, count 1 each), c3 r2.
    assert_eq!(
        first,
        lines(&[
            "zed a1 r1 cpus:1;mem:512",
            "amy a10 r2 cpus:1;mem:512",
            "zed b2 r1 cpus:1;mem:512",
            "amy c3 r2 cpus:1;mem:512",
        ])
    );
    assert_eq!(run(), first);
}
