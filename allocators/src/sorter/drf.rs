//! `org_modkit_DrfSorter`: dominant resource fairness exactly as Mesos's DRF sorter orders
//! clients, hierarchical role paths included.

use super::engine::tree_sorter;
use super::fair::{fractions, FairOrder, Share};

/// DRF's share: the largest fraction of any counted resource.
pub(crate) struct Dominant;

impl Share for Dominant {
    fn share(alloc: &[i64], totals: &[i64], excluded: &[bool]) -> f64 {
        fractions(alloc, totals, excluded).fold(0.0, f64::max)
    }
}

tree_sorter!(
    /// Orders clients by weighted dominant share, then allocation count, then name; role paths
    /// are sorted level by level (Mesos's DRF sorter).
    DrfSorter = FairOrder<Dominant>
);

modkit_ffi::export_module!(org_modkit_DrfSorter: Sorter = DrfSorter {
    author: "modkit",
    email: "",
    description: "Dominant resource fairness over hierarchical roles (Mesos's DRF sorter)",
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sorter::testing::{add_active, order, q};
    use crate::sorter::SorterConfig;
    use modkit_ffi::sdk::{ModuleError, Sorter};

    fn drf() -> DrfSorter {
        let mut s = DrfSorter::new(SorterConfig::default());
        s.add_agent("s1", q("cpus:100;mem:100").view()).unwrap();
        s
    }

    #[test]
    fn plain_drf() {
        let mut s = drf();
        add_active(&mut s, &["a", "b"]);
        s.allocated("a", "s1", q("cpus:5;mem:5").view()).unwrap(); // a = max(.05, .05) = .05
        s.allocated("b", "s1", q("cpus:2;mem:1").view()).unwrap(); // b = max(.02, .01) = .02
        assert_eq!(order(&mut s), ["b", "a"]);

        add_active(&mut s, &["c"]);
        s.allocated("c", "s1", q("cpus:1;mem:8").view()).unwrap(); // c = .08
        assert_eq!(order(&mut s), ["b", "a", "c"]);

        add_active(&mut s, &["d"]);
        s.allocated("d", "s1", q("cpus:3;mem:1").view()).unwrap(); // d = .03
        assert_eq!(order(&mut s), ["b", "d", "a", "c"]);

        add_active(&mut s, &["e"]); // e = 0
        assert_eq!(order(&mut s), ["e", "b", "d", "a", "c"]);

        s.allocated("b", "s1", q("cpus:4").view()).unwrap(); // b = cpus 6 → .06
        assert_eq!(order(&mut s), ["e", "d", "a", "b", "c"]);

        // a gives everything back: share 0 like e, but one allocation counted → after e.
        s.unallocated("a", "s1", q("cpus:5;mem:5").view()).unwrap();
        assert_eq!(order(&mut s), ["e", "a", "d", "b", "c"]);
        assert_eq!(s.allocation("a").unwrap(), vec![]);

        // A sort with nothing changed gives the same answer.
        assert_eq!(order(&mut s), ["e", "a", "d", "b", "c"]);
        assert_eq!(s.count().unwrap(), 5);
    }

    #[test]
    fn weighted_shares_and_update_weight() {
        let mut s = drf();
        s.update_weight("a", 2.0).unwrap(); // set before the client exists: applies on add
        add_active(&mut s, &["a", "b"]);
        s.allocated("a", "s1", q("cpus:10;mem:10").view()).unwrap(); // .10 / 2 = .05
        s.allocated("b", "s1", q("cpus:6;mem:6").view()).unwrap(); // .06
        assert_eq!(order(&mut s), ["a", "b"]);
        s.update_weight("a", 1.0).unwrap(); // a = .10
        assert_eq!(order(&mut s), ["b", "a"]);
        s.update_weight("b", 0.5).unwrap(); // b = .06 / .5 = .12
        assert_eq!(order(&mut s), ["a", "b"]);
        s.update_weight("b", 3.0).unwrap(); // b = .02
        assert_eq!(order(&mut s), ["b", "a"]);
    }

    #[test]
    fn equal_shares_break_by_allocation_count_then_name() {
        let mut s = drf();
        add_active(&mut s, &["a", "b", "c", "d"]);
        s.allocated("a", "s1", q("cpus:1").view()).unwrap();
        s.allocated("a", "s1", q("cpus:1").view()).unwrap(); // a = .02, count 2
        s.allocated("b", "s1", q("cpus:2").view()).unwrap(); // b = .02, count 1
                                                             // c and d: share 0, count 0 → by name.
        assert_eq!(order(&mut s), ["c", "d", "b", "a"]);
        // The count is never decremented: d takes and gives back, and now trails c.
        s.allocated("d", "s1", q("mem:1").view()).unwrap();
        s.unallocated("d", "s1", q("mem:1").view()).unwrap();
        add_active(&mut s, &["e"]);
        assert_eq!(order(&mut s), ["c", "e", "d", "b", "a"]);
    }

    #[test]
    fn hierarchical_allocation_and_iteration_order() {
        let mut s = drf();
        add_active(&mut s, &["a", "b/c", "b/d", "e"]);
        s.allocated("a", "s1", q("cpus:5").view()).unwrap(); // a = .05
        s.allocated("b/c", "s1", q("cpus:2").view()).unwrap(); // b/c = .02
        s.allocated("b/d", "s1", q("cpus:1").view()).unwrap(); // b/d = .01, b = .03
        s.allocated("e", "s1", q("cpus:4").view()).unwrap(); // e = .04
                                                             // Root level: b .03 < e .04 < a .05; inside b: d .01 < c .02.
        assert_eq!(order(&mut s), ["b/d", "b/c", "e", "a"]);
        assert_eq!(s.allocation("b/d").unwrap(), vec![("cpus".into(), 1.0)]);

        s.allocated("b/d", "s1", q("cpus:3").view()).unwrap(); // b/d = .04, b = .06
                                                               // Root: e .04 < a .05 < b .06; inside b: c .02 < d .04.
        assert_eq!(order(&mut s), ["e", "a", "b/c", "b/d"]);

        // Deeper: b/c/x sits under b/c, which becomes b/c's virtual leaf plus x.
        add_active(&mut s, &["b/c/x"]);
        assert_eq!(order(&mut s), ["e", "a", "b/c/x", "b/c", "b/d"]);
    }

    #[test]
    fn child_added_to_a_leaf_competes_with_the_leaf_as_virtual_leaf() {
        let mut s = drf();
        add_active(&mut s, &["a", "b"]);
        s.allocated("a", "s1", q("cpus:10").view()).unwrap(); // a = .10
        s.allocated("b", "s1", q("cpus:5").view()).unwrap(); // b = .05
        assert_eq!(order(&mut s), ["b", "a"]);

        add_active(&mut s, &["a/x"]);
        s.allocated("a/x", "s1", q("cpus:2").view()).unwrap();
        // Root: b .05 < a .12 (subtree); inside a: a/x .02 < a (virtual leaf) .10.
        assert_eq!(order(&mut s), ["b", "a/x", "a"]);
        assert_eq!(s.allocation("a").unwrap(), vec![("cpus".into(), 10.0)]);

        // A weight on a applies to the inner node only: a = .12 / 4 = .03 < b .05, while
        // inside a the virtual leaf keeps weight 1 (.10 vs a/x .02).
        s.update_weight("a", 4.0).unwrap();
        assert_eq!(order(&mut s), ["a/x", "a", "b"]);

        // Removing a/x makes a a leaf again: .10 / 4 = .025 < b .05.
        s.remove_client("a/x").unwrap();
        assert_eq!(order(&mut s), ["a", "b"]);
        s.update_weight("a", 1.0).unwrap(); // a = .10
        assert_eq!(order(&mut s), ["b", "a"]);
    }

    #[test]
    fn parent_added_after_its_child() {
        let mut s = drf();
        add_active(&mut s, &["a/b", "a", "b"]);
        s.allocated("a/b", "s1", q("cpus:4").view()).unwrap(); // a/b = .04
        s.allocated("a", "s1", q("cpus:1").view()).unwrap(); // a (virtual) = .01, a = .05
        s.allocated("b", "s1", q("cpus:3").view()).unwrap(); // b = .03
        assert_eq!(order(&mut s), ["b", "a", "a/b"]);
        s.remove_client("a").unwrap(); // a = a/b's .04 alone, still after b (.03)
        assert_eq!(order(&mut s), ["b", "a/b"]);
        assert!(!s.contains("a").unwrap() && s.contains("a/b").unwrap());
    }

    #[test]
    fn weight_on_a_subtree_moves_it_as_a_whole() {
        let mut s = drf();
        add_active(&mut s, &["a/b", "a/c", "d"]);
        s.allocated("a/b", "s1", q("cpus:10").view()).unwrap(); // a/b = .10
        s.allocated("a/c", "s1", q("cpus:10").view()).unwrap(); // a/c = .10, a = .20
        s.allocated("d", "s1", q("cpus:15").view()).unwrap(); // d = .15
                                                              // a/b and a/c tie on share and count: by name.
        assert_eq!(order(&mut s), ["d", "a/b", "a/c"]);
        s.update_weight("a", 2.0).unwrap(); // a = .10 < d .15; inside a unchanged
        assert_eq!(order(&mut s), ["a/b", "a/c", "d"]);
        s.update_weight("a/c", 2.0).unwrap(); // a/c = .05 < a/b .10
        assert_eq!(order(&mut s), ["a/c", "a/b", "d"]);
    }

    #[test]
    fn agents_change_every_share() {
        let mut s = DrfSorter::new(SorterConfig::default());
        s.add_agent("s1", q("cpus:10;mem:100").view()).unwrap();
        add_active(&mut s, &["a", "b"]);
        s.allocated("a", "s1", q("cpus:2;mem:60").view()).unwrap(); // max(.2, .6) = .6
        s.allocated("b", "s1", q("cpus:5;mem:10").view()).unwrap(); // max(.5, .1) = .5
        assert_eq!(order(&mut s), ["b", "a"]);
        // Totals cpus 10, mem 200: a = max(.2, .3) = .3, b = max(.5, .05) = .5.
        s.add_agent("s2", q("mem:100").view()).unwrap();
        assert_eq!(order(&mut s), ["a", "b"]);
        s.remove_agent("s2").unwrap();
        assert_eq!(order(&mut s), ["b", "a"]);
        // No totals: every share is 0 (totals ≤ 0 are skipped); counts tie; by name.
        s.remove_agent("s1").unwrap();
        assert_eq!(order(&mut s), ["a", "b"]);
        let e = s.remove_agent("s1").unwrap_err();
        assert_eq!(e, ModuleError::not_found("agent 's1'"));
    }

    #[test]
    fn excluded_resources_do_not_count() {
        let alloc = |s: &mut DrfSorter| {
            s.add_agent("s1", q("cpus:100;mem:100;gpus:1").view())
                .unwrap();
            add_active(s, &["a", "b"]);
            s.allocated("a", "s1", q("cpus:1;gpus:1").view()).unwrap();
            s.allocated("b", "s1", q("cpus:5").view()).unwrap(); // b = .05
        };
        // With gpus counted a = max(.01, 1) = 1.
        let mut plain = DrfSorter::new(SorterConfig::default());
        alloc(&mut plain);
        assert_eq!(order(&mut plain), ["b", "a"]);
        // Without: a = .01.
        let mut excluding = DrfSorter::new(SorterConfig {
            excluded: ["gpus".to_string()].into(),
            seed: 0,
        });
        alloc(&mut excluding);
        assert_eq!(order(&mut excluding), ["a", "b"]);
    }

    #[test]
    fn inactive_clients_are_not_listed_but_count() {
        let mut s = drf();
        add_active(&mut s, &["x/a", "x/b", "y"]);
        s.allocated("x/a", "s1", q("cpus:1").view()).unwrap(); // x/a = .01
        s.allocated("x/b", "s1", q("cpus:30").view()).unwrap(); // x/b = .30, x = .31
        s.allocated("y", "s1", q("cpus:20").view()).unwrap(); // y = .20
        assert_eq!(order(&mut s), ["y", "x/a", "x/b"]);
        s.deactivate("x/b").unwrap();
        // x still carries x/b's .30: y .20 comes first.
        assert_eq!(order(&mut s), ["y", "x/a"]);
        s.deactivate("x/a").unwrap();
        assert_eq!(order(&mut s), ["y"]);
        s.activate("x/b").unwrap();
        assert_eq!(order(&mut s), ["y", "x/b"]);
        // Added clients start inactive.
        s.add_client("z").unwrap();
        assert_eq!(order(&mut s), ["y", "x/b"]);
        assert_eq!(s.count().unwrap(), 4);
    }

    #[test]
    fn removing_clients_takes_allocations_off_and_prunes() {
        let mut s = drf();
        add_active(&mut s, &["x/a", "x/b", "y"]);
        s.allocated("x/a", "s1", q("cpus:30").view()).unwrap(); // x/a = .30
        s.allocated("x/b", "s1", q("cpus:1").view()).unwrap(); // x/b = .01, x = .31
        s.allocated("y", "s1", q("cpus:20").view()).unwrap(); // y = .20
        assert_eq!(order(&mut s), ["y", "x/b", "x/a"]);
        s.remove_client("x/a").unwrap(); // x = .01
        assert_eq!(order(&mut s), ["x/b", "y"]);
        s.remove_client("x/b").unwrap(); // x pruned
        assert_eq!(order(&mut s), ["y"]);
        // x is gone, so x can be a plain leaf now, with nothing left over.
        add_active(&mut s, &["x"]);
        assert_eq!(order(&mut s), ["x", "y"]);
        assert_eq!(s.allocation("x").unwrap(), vec![]);
        assert_eq!(
            s.remove_client("x/a").unwrap_err(),
            ModuleError::not_found("client 'x/a'")
        );
        assert!(s.add_client("y").is_err());
    }

    #[test]
    fn update_changes_the_share_not_the_count() {
        let mut s = drf();
        add_active(&mut s, &["a", "b"]);
        s.allocated("a", "s1", q("cpus:10;mem:10").view()).unwrap(); // a = .10
        s.allocated("b", "s1", q("cpus:5").view()).unwrap(); // b = .05
        assert_eq!(order(&mut s), ["b", "a"]);
        s.update("a", "s1", q("cpus:10;mem:10").view(), q("cpus:2").view())
            .unwrap(); // a = .02
        assert_eq!(order(&mut s), ["a", "b"]);
        assert_eq!(s.allocation("a").unwrap(), vec![("cpus".into(), 2.0)]);
    }

    #[test]
    fn created_from_a_spec() {
        use modkit_ffi::host::HostServices;
        use modkit_ffi::sdk::{Create, Exported, Parameters};
        let host = HostServices::leak("test", "check", "", &Default::default()).host();
        let params = Parameters::new(vec![(
            "fair_sharing_excluded_resource_names".into(),
            "gpus".into(),
        )]);
        let mut s = DrfSorter::create(&host, &params).unwrap();
        s.add_agent("s1", q("cpus:100;gpus:1").view()).unwrap();
        add_active(&mut s, &["a", "b"]);
        s.allocated("a", "s1", q("gpus:1").view()).unwrap();
        s.allocated("b", "s1", q("cpus:1").view()).unwrap();
        assert_eq!(order(&mut s), ["a", "b"]);
        let bad = Parameters::new(vec![("seed".into(), "1".into())]);
        assert!(DrfSorter::create(&host, &bad).is_err());
        assert_eq!(DrfSorter::NAME, "org_modkit_DrfSorter");
    }
}
