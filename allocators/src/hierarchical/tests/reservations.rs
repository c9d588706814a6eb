//! Static reservations: offered only to their role and its sub-roles.

use super::{lines, r, Sim};
use modkit_ffi::sdk::{Allocator, ModuleError};

#[test]
fn reserved_resources_go_only_to_their_role_and_sub_roles() {
    // Roles accounting, ads/batch and adsx all at 0: accounting (by name) may take only the
    // unreserved part; ads/batch takes what is reserved to ads; adsx (not below ads) gets
    // nothing on s1, and s2's unreserved resources.
    let mut s = Sim::new();
    s.agent("s1", "cpus:4;mem:1024;cpus(ads):8;mem(ads):2048");
    s.agent("s2", "cpus:1;mem:512");
    s.framework("ledger", &["accounting"]);
    s.framework("batch", &["ads/batch"]);
    s.framework("other", &["adsx"]);
    assert_eq!(
        s.allocate(),
        lines(&[
            "batch s1 ads/batch cpus(ads):8;mem(ads):2048",
            "ledger s1 accounting cpus:4;mem:1024",
            "other s2 adsx cpus:1;mem:512",
        ])
    );
}

#[test]
fn a_role_gets_its_reservations_and_unreserved_resources_together() {
    let mut s = Sim::new();
    s.agent(
        "s1",
        "cpus:1;mem:256;cpus(ads):2;mem(ads):512;ports(ads):[100-200]",
    );
    s.framework("f", &["ads"]);
    assert_eq!(
        s.allocate(),
        lines(&["f s1 ads cpus:1;cpus(ads):2;mem:256;mem(ads):512;ports(ads):[100-200]"])
    );
}

#[test]
fn used_reserved_resources_must_belong_to_the_role() {
    let mut s = Sim::new();
    s.agent("s1", "cpus(ads):2;cpus:2");
    s.framework("f", &["web"]);
    let e =
        s.a.add_used("s1", "f", "web", &r("cpus(ads):1"))
            .unwrap_err();
    assert!(matches!(e, ModuleError::InvalidArgument(_)), "{e}");
    assert!(e.to_string().contains("'cpus(ads):1'"), "{e}");
    s.a.add_used("s1", "f", "ads/x", &r("cpus(ads):1"))
        .expect("a sub-role may use its parent's reservation");
}
