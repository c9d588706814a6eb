//! Offer filters, suppress and revive.

use super::{lines, Sim};
use modkit_ffi::sdk::Allocator;

fn one_agent_one_framework() -> Sim {
    let mut s = Sim::new();
    s.agent("s1", "cpus:4;mem:4096");
    s.framework("f1", &["r1"]);
    s
}

const ALL: &str = "f1 s1 r1 cpus:4;mem:4096";

#[test]
fn a_filter_expires_at_the_first_cycle_at_or_after_its_time() {
    let mut s = one_agent_one_framework();
    let o = s.allocate();
    assert_eq!(o, lines(&[ALL]));
    // Declined at t=0 for 5 s: not offered at t=0 nor t=4, offered again at t=5.
    s.decline_all(&o, 5.0);
    assert_eq!(s.metric("allocator/offer_filters/r1"), Some(1.0));
    assert!(s.allocate().is_empty());
    s.now = 4.0;
    assert!(s.allocate().is_empty());
    s.now = 5.0;
    assert_eq!(s.allocate(), lines(&[ALL]));
    assert_eq!(s.metric("allocator/offer_filters/r1"), Some(0.0));
    assert_eq!(s.metric("allocator/allocation_runs"), Some(4.0));
}

#[test]
fn a_filter_runs_from_the_last_cycle_and_infinite_ones_never_expire() {
    let mut s = one_agent_one_framework();
    s.now = 10.0;
    let o = s.allocate();
    // Installed at t=10 (the last cycle): expires at 12, whenever the next cycle runs.
    s.decline_all(&o, 2.0);
    s.now = 11.9;
    assert!(s.allocate().is_empty());
    s.now = 12.0;
    let o = s.allocate();
    assert_eq!(o, lines(&[ALL]));
    s.decline_all(&o, f64::INFINITY);
    s.now = 1e15;
    assert!(s.allocate().is_empty());
    assert_eq!(s.metric("allocator/offer_filters/r1"), Some(1.0));
}

#[test]
fn a_filter_covers_only_what_was_declined_or_less() {
    let mut s = one_agent_one_framework();
    s.allocate();
    // f1 keeps half and declines half for 10 s: the half is filtered ...
    s.recover("f1", "s1", "r1", "cpus:2;mem:2048", 10.0);
    assert!(s.allocate().is_empty());
    // ... but once the other half comes back unfiltered, the whole agent is more than the
    // filter holds, and is offered.
    s.recover("f1", "s1", "r1", "cpus:2;mem:2048", 0.0);
    assert_eq!(s.allocate(), lines(&[ALL]));
}

#[test]
fn a_filtered_framework_is_passed_over_for_the_next_one() {
    let mut s = one_agent_one_framework();
    s.framework("f2", &["r1"]);
    // f1 and f2 tie; f1 by name, declines for 5 s; f2 gets the agent in the same cycle time.
    let o = s.allocate();
    assert_eq!(o, lines(&[ALL]));
    s.decline_all(&o, 5.0);
    assert_eq!(s.allocate(), lines(&["f2 s1 r1 cpus:4;mem:4096"]));
}

#[test]
fn suppress_stops_offers_and_revive_clears_filters() {
    let mut s = one_agent_one_framework();
    let o = s.allocate();
    s.decline_all(&o, 1000.0);
    s.a.suppress("f1", &[]).expect("suppress");
    assert!(s.allocate().is_empty());
    s.now = 2000.0;
    // The filter expired, but f1 is still suppressed.
    assert!(s.allocate().is_empty());
    s.a.revive("f1", &[]).expect("revive");
    let o = s.allocate();
    assert_eq!(o, lines(&[ALL]));
    // Revive drops filters that have not expired.
    s.decline_all(&o, 1000.0);
    assert!(s.allocate().is_empty());
    s.a.revive("f1", &[]).expect("revive");
    assert_eq!(s.metric("allocator/offer_filters/r1"), Some(0.0));
    assert_eq!(s.allocate(), lines(&[ALL]));
}

#[test]
fn suppress_and_revive_by_role() {
    let mut s = Sim::new();
    s.agent("s1", "cpus:1;mem:512");
    s.agent("s2", "cpus:1;mem:512");
    s.framework("f", &["a", "b"]);
    s.a.suppress("f", &["a"]).expect("suppress a");
    // Only role b asks: both agents go to f in b.
    assert_eq!(
        s.allocate(),
        lines(&["f s1 b cpus:1;mem:512", "f s2 b cpus:1;mem:512"])
    );
    s.recover("f", "s1", "b", "cpus:1;mem:512", 100.0);
    s.recover("f", "s2", "b", "cpus:1;mem:512", 100.0);
    // Reviving a clears no filter in b: only a gets offers.
    s.a.revive("f", &["a"]).expect("revive a");
    assert_eq!(s.metric("allocator/offer_filters/b"), Some(2.0));
    assert_eq!(
        s.allocate(),
        lines(&["f s1 a cpus:1;mem:512", "f s2 a cpus:1;mem:512"])
    );
}

#[test]
fn deactivating_a_framework_stops_offers_and_drops_its_filters() {
    let mut s = one_agent_one_framework();
    let o = s.allocate();
    s.decline_all(&o, 1000.0);
    s.a.deactivate_framework("f1").expect("deactivate");
    assert_eq!(s.metric("allocator/offer_filters/r1"), Some(0.0));
    assert!(s.allocate().is_empty());
    s.a.activate_framework("f1").expect("activate");
    assert_eq!(s.allocate(), lines(&[ALL]));
}

#[test]
fn a_filter_implied_by_a_newer_one_is_dropped() {
    let mut s = one_agent_one_framework();
    let o = s.allocate();
    s.decline_all(&o, 5.0);
    // The same resources declined again for longer: one filter (the longer) is left.
    s.a.add_used("s1", "f1", "r1", &super::r("cpus:4;mem:4096"))
        .expect("add_used");
    s.recover("f1", "s1", "r1", "cpus:4;mem:4096", 50.0);
    assert_eq!(s.metric("allocator/offer_filters/r1"), Some(1.0));
    assert_eq!(s.a.st.pending_expiries(), 1);
    // A shorter one for less is implied by it and not added.
    s.a.add_used("s1", "f1", "r1", &super::r("cpus:1;mem:1024"))
        .expect("add_used");
    s.recover("f1", "s1", "r1", "cpus:1;mem:1024", 10.0);
    assert_eq!(s.metric("allocator/offer_filters/r1"), Some(1.0));
    s.now = 49.0;
    assert!(s.allocate().is_empty());
    s.now = 50.0;
    assert_eq!(s.allocate(), lines(&[ALL]));
    assert_eq!(s.a.st.pending_expiries(), 0);
}

#[test]
fn filters_survive_a_new_agent_total() {
    let mut s = one_agent_one_framework();
    let o = s.allocate();
    s.decline_all(&o, 100.0);
    s.a.update_agent("s1", &super::r("cpus:2;mem:2048"))
        .expect("shrink");
    // The filter (⟨4, 4096⟩) holds the smaller agent: still nothing.
    assert_eq!(s.metric("allocator/offer_filters/r1"), Some(1.0));
    assert!(s.allocate().is_empty());
    s.a.update_agent("s1", &super::r("cpus:8;mem:4096"))
        .expect("grow");
    assert_eq!(s.allocate(), lines(&["f1 s1 r1 cpus:8;mem:4096"]));
}

#[test]
fn a_role_revive_keeps_the_other_roles_filters_for_a_later_revive() {
    let mut s = Sim::new();
    s.agent("s1", "cpus:1;mem:512");
    s.agent("s2", "cpus:1;mem:512");
    s.framework("f", &["a", "b"]);
    s.a.suppress("f", &["a"]).expect("suppress a");
    s.allocate();
    s.recover("f", "s1", "b", "cpus:1;mem:512", 100.0);
    s.recover("f", "s2", "b", "cpus:1;mem:512", 100.0);
    // Reviving a visits the agents f has filters on and keeps those of b ...
    s.a.revive("f", &["a"]).expect("revive a");
    s.a.revive("f", &["a"]).expect("revive a again");
    assert_eq!(s.metric("allocator/offer_filters/b"), Some(2.0));
    // ... so that reviving b later still finds and drops them.
    s.a.revive("f", &["b"]).expect("revive b");
    assert_eq!(s.metric("allocator/offer_filters/b"), Some(0.0));
    s.a.suppress("f", &["a"]).expect("suppress a");
    assert_eq!(
        s.allocate(),
        lines(&["f s1 b cpus:1;mem:512", "f s2 b cpus:1;mem:512"])
    );
}

#[test]
fn a_role_whose_frameworks_are_all_suppressed_is_skipped_and_comes_back_in_order() {
    let mut s = Sim::new();
    s.agent("s1", "cpus:1;mem:512");
    s.agent("s2", "cpus:1;mem:512");
    s.agent("s3", "cpus:1;mem:512");
    s.framework("f1", &["r1"]);
    s.framework("f2", &["r2"]);
    s.framework("f3", &["r3"]);
    // r2 leaves the role sorter's order while f2 is suppressed: r1 and r3 share the agents.
    s.a.suppress("f2", &[]).expect("suppress");
    assert_eq!(
        s.allocate(),
        lines(&[
            "f1 s1 r1 cpus:1;mem:512",
            "f3 s2 r3 cpus:1;mem:512",
            "f1 s3 r1 cpus:1;mem:512"
        ])
    );
    for (f, a, r) in [("f1", "s1", "r1"), ("f1", "s3", "r1"), ("f3", "s2", "r3")] {
        s.recover(f, a, r, "cpus:1;mem:512", 0.0);
    }
    // Revived, r2 is in the order again, and first: with equal shares, the role given the
    // fewest allocations so far goes first (r2 none, r3 one, r1 two), as in Mesos's DRF.
    s.a.revive("f2", &[]).expect("revive");
    assert_eq!(
        s.allocate(),
        lines(&[
            "f2 s1 r2 cpus:1;mem:512",
            "f3 s2 r3 cpus:1;mem:512",
            "f1 s3 r1 cpus:1;mem:512"
        ])
    );
}
