//! Frameworks and agents coming, changing and going.

use super::{lines, r, Sim};
use modkit_ffi::sdk::Allocator;

#[test]
fn removing_a_framework_frees_what_it_held() {
    let mut s = Sim::new();
    s.agent("s1", "cpus:2;mem:1024");
    s.framework("f1", &["r1"]);
    assert_eq!(s.allocate(), lines(&["f1 s1 r1 cpus:2;mem:1024"]));
    s.framework("f2", &["r2"]);
    assert!(s.allocate().is_empty());
    s.a.remove_framework("f1").expect("remove");
    assert_eq!(s.metric("allocator/dominant_share/r1"), None);
    assert_eq!(s.allocate(), lines(&["f2 s1 r2 cpus:2;mem:1024"]));
    // The name is free again.
    s.framework("f1", &["r1"]);
}

#[test]
fn removing_an_agent_takes_its_allocations_and_filters() {
    let mut s = Sim::new();
    s.agent("s1", "cpus:2;mem:1024");
    s.agent("s2", "cpus:2;mem:1024");
    s.framework("f1", &["r1"]);
    let o = s.allocate();
    assert_eq!(o.len(), 2);
    s.recover("f1", "s2", "r1", "cpus:2;mem:1024", 100.0);
    assert_eq!(s.metric("allocator/dominant_share/r1"), Some(0.5));
    s.a.remove_agent("s2").expect("remove s2");
    assert_eq!(s.metric("allocator/offer_filters/r1"), Some(0.0));
    // r1 holds all of s1, which is now the whole cluster.
    assert_eq!(s.metric("allocator/dominant_share/r1"), Some(1.0));
    s.a.remove_agent("s1").expect("remove s1");
    assert_eq!(s.metric("allocator/dominant_share/r1"), Some(0.0));
    // Coming back, s2 is offered with no filter left over.
    s.agent("s2", "cpus:2;mem:1024");
    assert_eq!(s.allocate(), lines(&["f1 s2 r1 cpus:2;mem:1024"]));
}

#[test]
fn a_role_left_keeps_its_allocation_until_it_comes_back() {
    let mut s = Sim::new();
    s.agent("s1", "cpus:2;mem:1024");
    s.framework("f", &["a"]);
    assert_eq!(s.allocate(), lines(&["f s1 a cpus:2;mem:1024"]));
    s.a.update_framework("f", &["b"]).expect("update");
    // Still held in a (and counted there), nothing left to offer in b.
    assert_eq!(s.metric("allocator/dominant_share/a"), Some(1.0));
    assert!(s.allocate().is_empty());
    s.recover("f", "s1", "a", "cpus:2;mem:1024", 10.0);
    // Role a is gone with its last resources; no filter was installed for a role f left.
    assert_eq!(s.metric("allocator/dominant_share/a"), None);
    assert_eq!(s.allocate(), lines(&["f s1 b cpus:2;mem:1024"]));
}

#[test]
fn a_framework_added_inactive_gets_nothing_until_activated() {
    let mut s = Sim::new();
    s.agent("s1", "cpus:1;mem:512");
    s.a.add_framework("f", &["r"], false).expect("add");
    assert!(s.allocate().is_empty());
    s.a.activate_framework("f").expect("activate");
    assert_eq!(s.allocate(), lines(&["f s1 r cpus:1;mem:512"]));
}

#[test]
fn used_resources_count_toward_shares() {
    // f1 already runs ⟨3, 768⟩ of s1: r1 .75 vs r2 0, so the rest of s1 and all of s2 go to r2.
    let mut s = Sim::new();
    s.agent("s1", "cpus:4;mem:1024");
    s.framework("f1", &["r1"]);
    s.framework("f2", &["r2"]);
    s.a.add_used("s1", "f1", "r1", &r("cpus:3;mem:768"))
        .expect("add_used");
    assert_eq!(s.allocate(), lines(&["f2 s1 r2 cpus:1;mem:256"]));
    s.agent("s2", "cpus:4;mem:1024");
    // Totals ⟨8, 2048⟩: r1 .375 > r2 max(1/8, 256/2048) = .125.
    assert_eq!(s.allocate(), lines(&["f2 s2 r2 cpus:4;mem:1024"]));
}

#[test]
fn a_multi_role_framework_is_offered_in_each_role_separately() {
    // f is in a and b; g in b. Roles a and b tie at 0 on s1: a (by name) → f. On s2 b (0) → f
    // before g (tie in b's sorter, by name).
    let mut s = Sim::new();
    s.agent("s1", "cpus:1;mem:512");
    s.agent("s2", "cpus:1;mem:512");
    s.framework("f", &["a", "b"]);
    s.framework("g", &["b"]);
    assert_eq!(
        s.allocate(),
        lines(&["f s1 a cpus:1;mem:512", "f s2 b cpus:1;mem:512"])
    );
}

#[test]
fn metrics_count_runs_and_report_every_role() {
    let mut s = Sim::new();
    s.framework("f", &["r", "q/x"]);
    let m = s.a.metrics().expect("metrics");
    let keys: Vec<&str> = m.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "allocator/allocation_runs",
            "allocator/dominant_share/q/x",
            "allocator/dominant_share/r",
            "allocator/offer_filters/q/x",
            "allocator/offer_filters/r",
        ]
    );
    assert_eq!(m["allocator/allocation_runs"], 0.0);
}

#[test]
fn excluded_resources_do_not_count_toward_the_reported_share() {
    let mut s = Sim::with(super::super::AllocatorConfig {
        fair_sharing_excluded: ["gpus".to_string()].into(),
        ..Default::default()
    });
    s.agent("s1", "cpus:4;mem:1024;gpus:1");
    s.framework("f", &["r"]);
    s.a.add_used("s1", "f", "r", &r("cpus:1;gpus:1"))
        .expect("used");
    assert_eq!(s.metric("allocator/dominant_share/r"), Some(0.25));
}
