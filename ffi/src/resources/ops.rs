//! Arithmetic and containment on resource collections.

use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub, SubAssign};

use super::{Resources, ResourcesError};

impl Resources {
    /// Adds `other`, failing when a name would hold two value types.
    pub fn try_add(&self, other: &Resources) -> Result<Resources, ResourcesError> {
        let mut sum = self.clone();
        for resource in other {
            sum.insert(resource.clone())?;
        }
        Ok(sum)
    }

    /// Whether every entry of `other` fits in the entry of the same name and role here.
    ///
    /// Roles are not interchangeable: `cpus:4` does not contain `cpus(ads):1`.
    pub fn contains(&self, other: &Resources) -> bool {
        other.iter().all(|wanted| {
            self.get(&wanted.name, wanted.role.as_deref())
                .is_some_and(|held| held.contains(&wanted.value))
        })
    }

    /// `self - other` when `other` is contained, else `None`.
    pub fn checked_sub(&self, other: &Resources) -> Option<Resources> {
        self.contains(other).then(|| self - other)
    }
}

impl AddAssign<&Resources> for Resources {
    /// An entry whose name is held here with another type is skipped (and logged); use
    /// [`Resources::try_add`] to get an error instead.
    fn add_assign(&mut self, other: &Resources) {
        for resource in other {
            if let Err(reason) = self.merge(resource.clone()) {
                tracing::warn!(resource = %resource, "not adding resource: {reason}");
            }
        }
    }
}

impl AddAssign for Resources {
    fn add_assign(&mut self, other: Resources) {
        *self += &other;
    }
}

impl Add for Resources {
    type Output = Resources;
    fn add(mut self, other: Resources) -> Resources {
        self += &other;
        self
    }
}

impl Add<&Resources> for Resources {
    type Output = Resources;
    fn add(mut self, other: &Resources) -> Resources {
        self += other;
        self
    }
}

impl Add for &Resources {
    type Output = Resources;
    fn add(self, other: &Resources) -> Resources {
        self.clone() + other
    }
}

impl SubAssign<&Resources> for Resources {
    /// Saturates: an entry that reaches zero or empty is removed, and what is not here
    /// (or is held with another type) is ignored.
    fn sub_assign(&mut self, other: &Resources) {
        for resource in other {
            self.take(resource);
        }
    }
}

impl SubAssign for Resources {
    fn sub_assign(&mut self, other: Resources) {
        *self -= &other;
    }
}

impl Sub for Resources {
    type Output = Resources;
    fn sub(mut self, other: Resources) -> Resources {
        self -= &other;
        self
    }
}

impl Sub<&Resources> for Resources {
    type Output = Resources;
    fn sub(mut self, other: &Resources) -> Resources {
        self -= other;
        self
    }
}

impl Sub for &Resources {
    type Output = Resources;
    fn sub(self, other: &Resources) -> Resources {
        self.clone() - other
    }
}

impl Sum for Resources {
    fn sum<I: Iterator<Item = Resources>>(iter: I) -> Resources {
        iter.fold(Resources::new(), Add::add)
    }
}

impl<'a> Sum<&'a Resources> for Resources {
    fn sum<I: Iterator<Item = &'a Resources>>(iter: I) -> Resources {
        iter.fold(Resources::new(), Add::add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> Resources {
        Resources::parse(text).expect("valid test resources")
    }

    #[test]
    fn add_merges_ranges_and_sums_scalars() {
        let sum = r("cpus:1;ports:[1-10]") + r("cpus:0.5;ports:[11-20,30-31];mem:64");
        assert_eq!(sum, r("cpus:1.5;mem:64;ports:[1-20,30-31]"));
        assert_eq!(sum.to_string(), "cpus:1.5;mem:64;ports:[1-20,30-31]");
    }

    #[test]
    fn subtract_splits_ranges() {
        let left = r("ports:[31000-32000]") - r("ports:[31005-31010]");
        assert_eq!(left.to_string(), "ports:[31000-31004,31011-32000]");
    }

    #[test]
    fn subtract_saturates_and_removes_empty_entries() {
        let left = r("cpus:2;mem:128;bugs:{a,b}") - r("cpus:3;mem:28;bugs:{a,b,c};disk:5");
        assert_eq!(left, r("mem:100"));
        let mut all = r("cpus:1");
        all -= r("cpus:1");
        assert!(all.is_empty());
        assert_eq!(all, Resources::new());
    }

    #[test]
    fn float_tolerance() {
        let sum = r("cpus:0.1") + r("cpus:0.2");
        assert!(sum.contains(&r("cpus:0.3")));
        assert_eq!(sum, r("cpus:0.3"));
        assert!((sum - r("cpus:0.3")).is_empty());
    }

    #[test]
    fn contains_is_per_role() {
        let held = r("cpus:4;cpus(ads):2;ports(ads):[1-100];bugs:{a,b}");
        assert!(held.contains(&r("cpus(ads):2")));
        assert!(!held.contains(&r("cpus(ads):3")));
        assert!(!held.contains(&r("cpus(web):1")));
        assert!(held.contains(&r("cpus:4;ports(ads):[5-6,90-100]")));
        assert!(!held.contains(&r("ports:[5-6]")));
        assert!(!held.contains(&r("ports(ads):[100-101]")));
        assert!(held.contains(&r("bugs:{b}")));
        assert!(!held.contains(&r("bugs:{c}")));
        assert!(held.contains(&Resources::new()));
        assert!(!r("cpus:4").contains(&r("cpus(ads):1")));
    }

    #[test]
    fn checked_sub_needs_containment() {
        let held = r("cpus:4;mem:1024");
        assert_eq!(held.checked_sub(&r("cpus:1")), Some(r("cpus:3;mem:1024")));
        assert_eq!(held.checked_sub(&r("cpus:5")), None);
        assert_eq!(held.checked_sub(&r("gpus:1")), None);
        assert_eq!(held.checked_sub(&held), Some(Resources::new()));
    }

    #[test]
    fn mixed_types_are_refused_by_try_add_and_skipped_by_add() {
        let scalar = r("cpus:1");
        let ranges = r("cpus(ads):[1-2]");
        assert_eq!(
            scalar.try_add(&ranges).map_err(|e| e.to_string()),
            Err("invalid resource 'cpus': 'cpus' has two types (SCALAR and RANGES)".to_string())
        );
        assert_eq!(scalar.clone() + ranges, scalar);
        assert_eq!(scalar.try_add(&r("cpus:2")), Ok(r("cpus:3")));
    }

    #[test]
    fn sum_of_collections() {
        let parts = [r("cpus:1"), r("cpus:2;mem:3"), r("cpus(a):1")];
        let total: Resources = parts.iter().sum();
        assert_eq!(total, r("cpus:3;cpus(a):1;mem:3"));
        let owned: Resources = parts.into_iter().sum();
        assert_eq!(owned, total);
    }
}
