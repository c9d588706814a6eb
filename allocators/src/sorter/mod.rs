//! Built-in sorters (kind `sorter`): `drf`, `asset` and `random`, each a module
//! (`org_modkit_DrfSorter`, `org_modkit_AssetSorter`, `org_modkit_RandomSorter`) and a plain Rust
//! type. All three share one client tree (role paths, subtree sums, Mesos's virtual leaves);
//! they differ only in how siblings are ordered.
//!
//! Decisions worth knowing:
//! - Tie-break count of an inner node: as in Mesos, every node on a client's path counts each
//!   `allocated` call made at or below it and never forgets one (not even a removed client's);
//!   a leaf that becomes a parent passes its count to its virtual leaf and keeps it, and a parent
//!   left with only its virtual leaf keeps its own count when it becomes a leaf again.
//! - Quantities are kept in thousandths, as Mesos's scalar arithmetic does, so sums are exact.
//! - No per-agent allocation is recorded (the `agent` argument of `allocated`, `update` and
//!   `unallocated` is not used): shares need only per-client sums, and giving back more than
//!   the client holds in total is refused.
//!
//! Costs, with n clients, d the depth of a path and r the resources named in a call:
//! `allocated`/`update`/`unallocated` O(d + r) (no agent or client is scanned); `sort` for DRF
//! and asset re-places only the nodes whose share or activity changed, each in O(log n) of its
//! siblings (an ordered set per level), then walks the sets for as long as the caller wants
//! clients; adding or removing an agent makes the next sort recompute every share
//! (O(n log n)); random redraws every sort (O(n log n)).

mod asset;
mod config;
mod drf;
mod engine;
mod error;
mod fair;
mod path;
mod quantity;
mod random;
pub mod rng;
mod totals;
mod tree;

#[cfg(test)]
mod model;
#[cfg(test)]
mod testing;

pub use asset::AssetSorter;
pub use config::{SorterConfig, EXCLUDED_PARAM, SEED_FLAG, SEED_PARAM};
pub use drf::DrfSorter;
pub use random::RandomSorter;

#[cfg(test)]
mod tests {
    use super::testing::{add_active, order, q};
    use super::*;
    use modkit_ffi::abi::Kind;
    use modkit_ffi::host::HostServices;
    use modkit_ffi::sdk::{native, Instance, ModuleFactory, Parameters};

    #[test]
    fn built_ins_describe_and_create_themselves_as_sorters() {
        let host = HostServices::leak("test", "check", "", &Default::default()).host();
        let factories: [(Box<dyn ModuleFactory>, &str); 3] = [
            (native::<DrfSorter>(), "org_modkit_DrfSorter"),
            (native::<AssetSorter>(), "org_modkit_AssetSorter"),
            (native::<RandomSorter>(), "org_modkit_RandomSorter"),
        ];
        for (factory, name) in factories {
            assert_eq!(factory.name(), name);
            let info = factory.describe().unwrap();
            assert_eq!(info.kind, Kind::Sorter);
            assert!(info.multi_instance());
            let Ok(Instance::Sorter(mut s)) = factory.create(&host, &Parameters::default()) else {
                panic!("{name} did not create a sorter");
            };
            s.add_agent("s1", q("cpus:10").view()).unwrap();
            add_active(s.as_mut(), &["a"]);
            s.allocated("a", "s1", q("cpus:1").view()).unwrap();
            assert_eq!(order(s.as_mut()), ["a"], "{name}");
        }
    }
}
