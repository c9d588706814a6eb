//! Mesos's allocator test semantics, with the expected answers worked out by hand in comments.
//! Both sorters are the built-in DRF sorter.

mod bench;
mod drf;
mod errors;
mod filters;
mod lifecycle;
mod quota;
mod reservations;

use super::{AllocatorConfig, HierarchicalAllocator};
use crate::sorter::{DrfSorter, SorterConfig};
use modkit_ffi::resources::{Attributes, Resources};
use modkit_ffi::sdk::{Allocator, QuantityBuf, Result};

pub(super) fn r(text: &str) -> Resources {
    Resources::parse(text).expect("test resources")
}

fn drf() -> Box<dyn modkit_ffi::sdk::Sorter> {
    Box::new(DrfSorter::new(SorterConfig::default()))
}

/// An allocator with a virtual clock, speaking in short strings.
pub(super) struct Sim {
    pub a: HierarchicalAllocator,
    pub now: f64,
}

/// One offer as `framework agent role resources`.
pub(super) type Line = String;

impl Sim {
    pub(super) fn new() -> Sim {
        Sim::with(AllocatorConfig::default())
    }

    pub(super) fn with(config: AllocatorConfig) -> Sim {
        let a =
            HierarchicalAllocator::new(config, drf(), Box::new(|| Ok(drf()))).expect("allocator");
        Sim { a, now: 0.0 }
    }

    pub(super) fn agent(&mut self, name: &str, resources: &str) {
        self.a
            .add_agent(name, &r(resources), &Attributes::new())
            .expect("add_agent");
    }

    pub(super) fn framework(&mut self, name: &str, roles: &[&str]) {
        self.a
            .add_framework(name, roles, true)
            .expect("add_framework");
    }

    pub(super) fn weight(&mut self, role: &str, weight: f64) {
        let w = QuantityBuf::from_pairs([(role, weight)]).expect("weight");
        self.a.update_weights(w.view()).expect("update_weights");
    }

    pub(super) fn quota(&mut self, role: &str, guarantee: &str, limit: Option<&str>) {
        let limit = limit.map(r);
        self.a
            .update_quota(role, &r(guarantee), limit.as_ref())
            .expect("update_quota");
    }

    /// One cycle at the current time.
    pub(super) fn try_allocate(&mut self) -> Result<Vec<Line>> {
        let mut lines = Vec::new();
        self.a.allocate(self.now, &mut |o| {
            lines.push(format!(
                "{} {} {} {}",
                o.framework, o.agent, o.role, o.resources
            ));
            Ok(())
        })?;
        Ok(lines)
    }

    pub(super) fn allocate(&mut self) -> Vec<Line> {
        self.try_allocate().expect("allocate")
    }

    pub(super) fn recover(&mut self, fw: &str, agent: &str, role: &str, res: &str, refuse: f64) {
        self.a
            .recover_resources(fw, agent, role, &r(res), refuse)
            .expect("recover_resources");
    }

    /// Gives back every offer in `lines` with `refuse` seconds.
    pub(super) fn decline_all(&mut self, lines: &[Line], refuse: f64) {
        for line in lines {
            let parts: Vec<&str> = line.split(' ').collect();
            self.recover(parts[0], parts[1], parts[2], parts[3], refuse);
        }
    }

    /// Accepts `used` out of the single offer in `lines` and gives the rest back unfiltered.
    pub(super) fn launch(&mut self, lines: &[Line], used: &str) {
        assert_eq!(lines.len(), 1, "{lines:?}");
        let parts: Vec<&str> = lines[0].split(' ').collect();
        let rest = r(parts[3]) - r(used);
        self.a
            .recover_resources(parts[0], parts[1], parts[2], &rest, 0.0)
            .expect("recover the rest");
    }

    pub(super) fn metric(&mut self, name: &str) -> Option<f64> {
        self.a.metrics().expect("metrics").get(name).copied()
    }
}

/// `["f s r res", ...]` as owned lines.
pub(super) fn lines(expected: &[&str]) -> Vec<Line> {
    expected.iter().map(|s| s.to_string()).collect()
}
