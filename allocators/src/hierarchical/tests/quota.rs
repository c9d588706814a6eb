//! Quota: guarantees served first, limits never exceeded, headroom held back, reservations
//! counted toward the guarantee.

use super::{lines, Sim};

#[test]
fn the_guarantee_is_served_before_fair_sharing() {
    // Four ⟨1, 1024⟩ agents; q is guaranteed ⟨2, 2048⟩, o has no quota. Without quota o would
    // come first on s1 (tie, by name). Stage 1: s1 and s2 to q (its guarantee). Stage 2: s3
    // o (0 < .5), s4 o (.25 < .5).
    let mut s = Sim::new();
    for agent in ["s1", "s2", "s3", "s4"] {
        s.agent(agent, "cpus:1;mem:1024");
    }
    s.quota("q", "cpus:2;mem:2048", None);
    s.framework("fo", &["o"]);
    s.framework("fq", &["q"]);
    assert_eq!(
        s.allocate(),
        lines(&[
            "fq s1 q cpus:1;mem:1024",
            "fq s2 q cpus:1;mem:1024",
            "fo s3 o cpus:1;mem:1024",
            "fo s4 o cpus:1;mem:1024",
        ])
    );
}

#[test]
fn stage_1_gives_only_what_the_guarantee_needs_and_one_offer_per_framework() {
    // q guaranteed ⟨1 cpu, 512 MB⟩ on a ⟨2, 1024⟩ agent: stage 1 offers exactly ⟨1, 512⟩;
    // stage 2 has only q, which takes the rest; both make one offer.
    let mut s = Sim::new();
    s.agent("s1", "cpus:2;mem:1024");
    s.quota("q", "cpus:1;mem:512", None);
    s.framework("fq", &["q"]);
    assert_eq!(s.allocate(), lines(&["fq s1 q cpus:2;mem:1024"]));

    // With o present, o wins stage 2 (0 < q's .5) and takes the rest.
    let mut s = Sim::new();
    s.agent("s1", "cpus:2;mem:1024");
    s.quota("q", "cpus:1;mem:512", None);
    s.framework("fq", &["q"]);
    s.framework("fo", &["o"]);
    assert_eq!(
        s.allocate(),
        lines(&["fo s1 o cpus:1;mem:512", "fq s1 q cpus:1;mem:512"])
    );
}

#[test]
fn a_limit_is_never_exceeded() {
    // l may hold at most ⟨1.5, 1536⟩: all of s1, then half of s2, then nothing more.
    let mut s = Sim::new();
    s.agent("s1", "cpus:1;mem:1024");
    s.agent("s2", "cpus:1;mem:1024");
    s.quota("l", "", Some("cpus:1.5;mem:1536"));
    s.framework("f", &["l"]);
    let o = s.allocate();
    assert_eq!(
        o,
        lines(&["f s1 l cpus:1;mem:1024", "f s2 l cpus:0.5;mem:512"])
    );
    assert!(s.allocate().is_empty());
    // What comes back may be offered again, still within the limit.
    s.recover("f", "s1", "l", "cpus:1;mem:1024", 0.0);
    assert_eq!(s.allocate(), lines(&["f s1 l cpus:1;mem:1024"]));
    // Raising the limit lets the rest of s2 go.
    s.quota("l", "", None);
    assert_eq!(s.allocate(), lines(&["f s2 l cpus:0.5;mem:512"]));
}

#[test]
fn a_limit_on_some_resources_leaves_the_others_unlimited() {
    // Guarantee = limit = 1 cpu, memory unnamed: stage 1 gives 1 cpu and all the memory (no
    // one needs headroom); the other cpu goes to o in stage 2.
    let mut s = Sim::new();
    s.agent("s1", "cpus:2;mem:2048");
    s.quota("q", "cpus:1", Some("cpus:1"));
    s.framework("fq", &["q"]);
    s.framework("fo", &["o"]);
    assert_eq!(
        s.allocate(),
        lines(&["fo s1 o cpus:1", "fq s1 q cpus:1;mem:2048"])
    );
}

#[test]
fn headroom_for_unmet_guarantees_is_held_back() {
    // h is guaranteed ⟨1, 1024⟩ but has no framework yet; o may not eat into that: s1 and s2
    // go to o (3 then 2 cpus unallocated, 1 needed), s3 is held back.
    let mut s = Sim::new();
    for agent in ["s1", "s2", "s3"] {
        s.agent(agent, "cpus:1;mem:1024");
    }
    s.quota("h", "cpus:1;mem:1024", None);
    s.framework("fo", &["o"]);
    assert_eq!(
        s.allocate(),
        lines(&["fo s1 o cpus:1;mem:1024", "fo s2 o cpus:1;mem:1024"])
    );
    assert!(s.allocate().is_empty());
    // h's framework arrives: stage 1 gives it s3.
    s.framework("fh", &["h"]);
    assert_eq!(s.allocate(), lines(&["fh s3 h cpus:1;mem:1024"]));
}

#[test]
fn reservations_count_toward_the_guarantee() {
    // q is guaranteed ⟨2, 2048⟩ and has exactly that reserved on s1, so stage 1 has nothing to
    // do: on s1 o cannot use q's reservation and q takes it; on s2 o (0) wins over q (.5).
    let mut s = Sim::new();
    s.agent("s1", "cpus(q):2;mem(q):2048");
    s.agent("s2", "cpus:2;mem:2048");
    s.quota("q", "cpus:2;mem:2048", None);
    s.framework("fo", &["o"]);
    s.framework("fq", &["q"]);
    assert_eq!(
        s.allocate(),
        lines(&["fq s1 q cpus(q):2;mem(q):2048", "fo s2 o cpus:2;mem:2048"])
    );
}

#[test]
fn a_parent_limit_bounds_its_sub_roles_together() {
    // p may hold 1 cpu in all; p/a takes s1 whole, then p/b may take only s2's memory.
    let mut s = Sim::new();
    s.agent("s1", "cpus:1;mem:1024");
    s.agent("s2", "cpus:1;mem:1024");
    s.quota("p", "", Some("cpus:1"));
    s.framework("fa", &["p/a"]);
    s.framework("fb", &["p/b"]);
    assert_eq!(
        s.allocate(),
        lines(&["fa s1 p/a cpus:1;mem:1024", "fb s2 p/b mem:1024"])
    );
}

#[test]
fn a_guarantee_larger_than_the_cluster_takes_what_there_is() {
    // Stage 1 is not held back by headroom: q gets both agents; o nothing.
    let mut s = Sim::new();
    s.agent("s1", "cpus:1;mem:1024");
    s.agent("s2", "cpus:1;mem:1024");
    s.quota("q", "cpus:10;mem:10240", None);
    s.framework("fo", &["o"]);
    s.framework("fq", &["q"]);
    assert_eq!(
        s.allocate(),
        lines(&["fq s1 q cpus:1;mem:1024", "fq s2 q cpus:1;mem:1024"])
    );
}

#[test]
fn guarantees_are_served_in_fair_order_and_met_roles_drop_out_of_stage_1() {
    // Four ⟨1, 1024⟩ agents; q1 guaranteed one agent's worth, q2 two, o none. Stage 1: s1 q1
    // (tie with q2, by name; now met), s2 q2, s3 q2 (met). Stage 2: s4 o (0 < .25 < .5).
    let mut s = Sim::new();
    for agent in ["s1", "s2", "s3", "s4"] {
        s.agent(agent, "cpus:1;mem:1024");
    }
    s.quota("q1", "cpus:1;mem:1024", None);
    s.quota("q2", "cpus:2;mem:2048", None);
    for (f, role) in [("fo", "o"), ("f1", "q1"), ("f2", "q2")] {
        s.framework(f, &[role]);
    }
    assert_eq!(
        s.allocate(),
        lines(&[
            "f1 s1 q1 cpus:1;mem:1024",
            "f2 s2 q2 cpus:1;mem:1024",
            "f2 s3 q2 cpus:1;mem:1024",
            "fo s4 o cpus:1;mem:1024",
        ])
    );
    // Every role is listed again afterwards: o, q1 and q2 share the next agent fairly.
    s.agent("s5", "cpus:1;mem:1024");
    assert_eq!(s.allocate(), lines(&["fo s5 o cpus:1;mem:1024"]));
    s.recover("f2", "s2", "q2", "cpus:1;mem:1024", 0.0);
    s.recover("f2", "s3", "q2", "cpus:1;mem:1024", 0.0);
    s.quota("q2", "", None);
    // q2 holds nothing now (0) and is offered first on s2; s3 goes to q1 (.2 < o's .4).
    assert_eq!(
        s.allocate(),
        lines(&["f2 s2 q2 cpus:1;mem:1024", "f1 s3 q1 cpus:1;mem:1024"])
    );
}
