//! What callers get wrong, and what happens to a cycle whose offers cannot be delivered.

use super::{lines, r, Sim};
use modkit_ffi::sdk::{Allocator, ModuleError, QuantityBuf};

#[test]
fn unknown_names_are_not_found() {
    let mut s = Sim::new();
    s.agent("s1", "cpus:1");
    s.framework("f", &["r"]);
    let nf = |what: &str| ModuleError::not_found(what);
    assert_eq!(s.a.remove_framework("x"), Err(nf("framework 'x'")));
    assert_eq!(s.a.remove_agent("x"), Err(nf("agent 'x'")));
    assert_eq!(s.a.activate_framework("x"), Err(nf("framework 'x'")));
    assert_eq!(s.a.update_agent("x", &r("cpus:1")), Err(nf("agent 'x'")));
    assert_eq!(
        s.a.add_used("s1", "x", "r", &r("cpus:1")),
        Err(nf("framework 'x'"))
    );
    assert_eq!(
        s.a.recover_resources("f", "x", "r", &r("cpus:1"), 0.0),
        Err(nf("agent 'x'"))
    );
    assert_eq!(s.a.suppress("x", &[]), Err(nf("framework 'x'")));
}

#[test]
fn duplicates_and_bad_names_are_invalid() {
    let mut s = Sim::new();
    s.agent("s1", "cpus:1");
    s.framework("f", &["r"]);
    assert_eq!(
        s.a.add_framework("f", &["r"], true),
        Err(ModuleError::invalid("framework 'f' is already added"))
    );
    assert_eq!(
        s.a.add_agent("s1", &r("cpus:1"), &Default::default()),
        Err(ModuleError::invalid("agent 's1' is already added"))
    );
    let e = s.a.add_framework("g", &["a//b"], true).unwrap_err();
    assert!(e.to_string().contains("role 'a//b'"), "{e}");
    assert_eq!(
        s.a.suppress("f", &["other"]),
        Err(ModuleError::invalid(
            "framework 'f' is not subscribed to role 'other'"
        ))
    );
    let w = QuantityBuf::from_pairs([("r", 0.0)]).expect("weights");
    let e = s.a.update_weights(w.view()).unwrap_err();
    assert!(e.to_string().contains("weight of role 'r' is 0"), "{e}");
    let e = s.a.allocate(f64::NAN, &mut |_| Ok(())).unwrap_err();
    assert!(matches!(e, ModuleError::InvalidArgument(_)), "{e}");
}

#[test]
fn recovering_what_is_not_held_names_both_sets() {
    let mut s = Sim::new();
    s.agent("s1", "cpus:4;mem:1024");
    s.framework("f", &["r"]);
    assert_eq!(s.allocate(), lines(&["f s1 r cpus:4;mem:1024"]));
    assert_eq!(
        s.a.recover_resources("f", "s1", "r", &r("cpus:5"), 0.0),
        Err(ModuleError::invalid(
            "cannot recover 'cpus:5' from framework 'f' in role 'r' on agent 's1': it holds \
             'cpus:4;mem:1024' there"
        ))
    );
    assert_eq!(
        s.a.recover_resources("f", "s1", "other", &r("cpus:1"), 0.0),
        Err(ModuleError::invalid(
            "cannot recover 'cpus:1' from framework 'f' in role 'other' on agent 's1': it \
             holds nothing there"
        ))
    );
    let e =
        s.a.recover_resources("f", "s1", "r", &r("cpus:1"), f64::NAN)
            .unwrap_err();
    assert!(matches!(e, ModuleError::InvalidArgument(_)), "{e}");
    // Nothing moved: all of it can still be recovered.
    s.recover("f", "s1", "r", "cpus:4;mem:1024", 0.0);
}

#[test]
fn used_resources_must_be_available_and_a_new_total_must_hold_the_allocation() {
    let mut s = Sim::new();
    s.agent("s1", "cpus:4;mem:1024");
    s.framework("f", &["r"]);
    s.a.add_used("s1", "f", "r", &r("cpus:3"))
        .expect("add_used");
    let e = s.a.add_used("s1", "f", "r", &r("cpus:2")).unwrap_err();
    assert_eq!(
        e,
        ModuleError::invalid(
            "'cpus:2' is not available on agent 's1' (available: 'cpus:1;mem:1024')"
        )
    );
    let e = s.a.update_agent("s1", &r("cpus:2;mem:1024")).unwrap_err();
    assert!(e.to_string().contains("('cpus:3')"), "{e}");
    s.a.update_agent("s1", &r("cpus:8;mem:512"))
        .expect("grow cpus, shrink mem");
    assert_eq!(s.allocate(), lines(&["f s1 r cpus:5;mem:512"]));
}

#[test]
fn offers_that_cannot_be_delivered_go_back_to_the_agents() {
    let mut s = Sim::new();
    s.agent("s1", "cpus:1;mem:512");
    s.agent("s2", "cpus:1;mem:512");
    s.framework("f", &["r"]);
    let mut delivered = 0;
    let e =
        s.a.allocate(0.0, &mut |_| {
            delivered += 1;
            if delivered == 2 {
                Err(ModuleError::failed("master gone"))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
    assert_eq!(e, ModuleError::failed("master gone"));
    // s1 was delivered and stays allocated; s2 came back and is offered again.
    assert_eq!(s.allocate(), lines(&["f s2 r cpus:1;mem:512"]));
    s.recover("f", "s1", "r", "cpus:1;mem:512", 0.0);
}
