//! Scalar quantities as the allocator's books keep them: resource names interned to dense
//! indices and amounts in thousandths (Mesos's fixed point), so sums are exact and adding back
//! what was taken returns exactly to zero.

use modkit_ffi::resources::{Resources, Scalar, Value};

/// Index of an interned resource name.
pub(super) type ResId = usize;

/// `cpus` is always interned first and `mem` second: the minimum-allocatable and headroom
/// checks ask for them on every role visit.
pub(super) const CPUS: ResId = 0;
pub(super) const MEM: ResId = 1;

/// Resource names seen so far. Clusters name a handful of resources, so a scan beats hashing.
#[derive(Debug)]
pub(super) struct ResNames {
    names: Vec<Box<str>>,
}

impl Default for ResNames {
    fn default() -> Self {
        ResNames {
            names: vec!["cpus".into(), "mem".into()],
        }
    }
}

impl ResNames {
    /// The id of `name`, interning it on first sight.
    pub(super) fn id(&mut self, name: &str) -> ResId {
        match self.find(name) {
            Some(id) => id,
            None => {
                self.names.push(name.into());
                self.names.len() - 1
            }
        }
    }

    /// The id of `name` if it was ever seen.
    pub(super) fn find(&self, name: &str) -> Option<ResId> {
        self.names.iter().position(|n| &**n == name)
    }

    pub(super) fn name(&self, id: ResId) -> &str {
        self.names.get(id).map_or("", |n| n)
    }
}

/// Amounts in thousandths by [`ResId`]; missing ids are zero.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Qty(Vec<i64>);

impl Qty {
    pub(super) fn get(&self, id: ResId) -> i64 {
        self.0.get(id).copied().unwrap_or(0)
    }

    pub(super) fn add(&mut self, id: ResId, milli: i64) {
        if self.0.len() <= id {
            self.0.resize(id + 1, 0);
        }
        self.0[id] += milli;
    }

    pub(super) fn is_zero(&self) -> bool {
        self.0.iter().all(|v| *v == 0)
    }

    /// The non-zero amounts, by id.
    pub(super) fn iter(&self) -> impl Iterator<Item = (ResId, i64)> + '_ {
        self.0
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0)
            .map(|(id, v)| (id, *v))
    }

    /// Adds `sign` times every scalar of `resources` for which `keep(role)` holds (`None` is
    /// unreserved).
    pub(super) fn add_scalars(
        &mut self,
        names: &mut ResNames,
        resources: &Resources,
        sign: i64,
        mut keep: impl FnMut(Option<&str>) -> bool,
    ) {
        for entry in resources {
            if let Value::Scalar(amount) = entry.value {
                if keep(entry.role.as_deref()) {
                    self.add(names.id(&entry.name), sign * amount.milli());
                }
            }
        }
    }
}

/// The scalar entries of a quota: unreserved amounts by id, sorted by id.
pub(super) fn quota_amounts(names: &mut ResNames, resources: &Resources) -> Vec<(ResId, i64)> {
    let mut out: Vec<(ResId, i64)> = resources
        .scalars()
        .map(|(name, amount)| (names.id(name), amount.milli()))
        .collect();
    out.sort_unstable();
    out
}

/// The minimum an offer must hold. Mesos's default `--min_allocatable_resources` is the list
/// `cpus:0.01 | mem:32`: an offer qualifies when it reaches *either* amount.
#[derive(Clone, Copy, Debug)]
pub(super) struct Minimum {
    pub cpus: i64,
    pub mem: i64,
}

impl Minimum {
    pub(super) fn new(cpus: f64, mem: f64) -> Minimum {
        Minimum {
            cpus: Scalar::from_f64(cpus).milli(),
            mem: Scalar::from_f64(mem).milli(),
        }
    }

    /// Whether `resources` (reserved and unreserved together) reach either minimum.
    pub(super) fn allows(&self, resources: &Resources) -> bool {
        let (mut cpus, mut mem) = (0, 0);
        for r in resources {
            if let Value::Scalar(amount) = r.value {
                match r.name.as_str() {
                    "cpus" => cpus += amount.milli(),
                    "mem" => mem += amount.milli(),
                    _ => {}
                }
            }
        }
        !resources.is_empty() && self.allows_amounts(cpus, mem)
    }

    /// The same test on amounts in thousandths.
    pub(super) fn allows_amounts(&self, cpus: i64, mem: i64) -> bool {
        cpus >= self.cpus || mem >= self.mem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> Resources {
        Resources::parse(text).expect("test resources")
    }

    #[test]
    fn cpus_and_mem_have_fixed_ids() {
        let mut names = ResNames::default();
        assert_eq!(names.id("cpus"), CPUS);
        assert_eq!(names.id("mem"), MEM);
        assert_eq!(names.id("disk"), 2);
        assert_eq!(names.find("gpus"), None);
        assert_eq!(names.name(2), "disk");
    }

    #[test]
    fn add_scalars_filters_by_role_and_ignores_ranges() {
        let mut names = ResNames::default();
        let mut q = Qty::default();
        let res = r("cpus:1.5;cpus(ads):2;mem:64;ports:[1-10]");
        q.add_scalars(&mut names, &res, 1, |role| role.is_none());
        assert_eq!(q.get(CPUS), 1500);
        assert_eq!(q.get(MEM), 64_000);
        q.add_scalars(&mut names, &res, -1, |_| true);
        assert_eq!(q.get(CPUS), -2000);
        assert_eq!(q.get(MEM), 0);
        assert!(!q.is_zero());
        assert_eq!(q.iter().collect::<Vec<_>>(), [(CPUS, -2000)]);
    }

    #[test]
    fn minimum_is_cpus_or_mem() {
        let min = Minimum::new(0.01, 32.0);
        assert!(min.allows(&r("cpus:0.01")));
        assert!(min.allows(&r("mem:32")));
        assert!(min.allows(&r("cpus(ads):0.005;cpus:0.005")));
        assert!(!min.allows(&r("cpus:0.009;mem:31;disk:1000;ports:[1-2]")));
        assert!(!min.allows(&Resources::new()));
        assert!(min.allows_amounts(0, 32_000));
        assert!(!min.allows_amounts(9, 31_999));
    }
}
