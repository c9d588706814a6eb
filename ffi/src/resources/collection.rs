//! The normalized resource collection and its queries.

use std::cmp::Ordering;

use super::role::{is_in_subtree, UNRESERVED_ROLE};
use super::{Ranges, Resource, ResourcesError, Scalar, Set, Value, ValueType};

/// A normalized collection of resources.
///
/// At most one entry per (name, role), sorted by name then role (unreserved first), one
/// value type per name, and no empty entries; so equality and printing are canonical.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Resources {
    entries: Vec<Resource>,
}

/// The sort key of an entry.
fn key(resource: &Resource) -> (&str, Option<&str>) {
    (resource.name.as_str(), resource.role.as_deref())
}

impl Resources {
    /// No resources.
    pub fn new() -> Resources {
        Resources::default()
    }

    /// Collects resources, adding up repeated (name, role) pairs.
    pub fn from_resources(
        resources: impl IntoIterator<Item = Resource>,
    ) -> Result<Resources, ResourcesError> {
        let mut collected = Resources::new();
        for resource in resources {
            collected.insert(resource)?;
        }
        Ok(collected)
    }

    /// Adds one resource after validating it; an empty value is accepted and ignored.
    pub fn insert(&mut self, resource: Resource) -> Result<(), ResourcesError> {
        let name = resource.name.clone();
        self.merge(resource)
            .map_err(|reason| ResourcesError::Resource { name, reason })
    }

    /// Validates and adds one resource; the error is a reason for a message.
    pub(crate) fn merge(&mut self, mut resource: Resource) -> Result<(), String> {
        if resource.role.as_deref() == Some(UNRESERVED_ROLE) {
            resource.role = None;
        }
        if let Some(reason) = resource.problem() {
            return Err(reason);
        }
        self.check_type(&resource.name, resource.value.value_type())?;
        if resource.value.is_empty() {
            return Ok(());
        }
        match self.position(key(&resource)) {
            Ok(index) => {
                // check_type made the types equal, so add cannot refuse.
                self.entries[index].value.add(&resource.value);
            }
            Err(index) => self.entries.insert(index, resource),
        }
        Ok(())
    }

    /// Removes as much of `resource` as is here; other types under that name are left alone.
    pub(crate) fn take(&mut self, resource: &Resource) {
        if let Ok(index) = self.position(key(resource)) {
            let entry = &mut self.entries[index];
            if entry.value.subtract(&resource.value) && entry.value.is_empty() {
                self.entries.remove(index);
            }
        }
    }

    /// Fails when `name` is already held with a different type.
    pub(crate) fn check_type(&self, name: &str, kind: ValueType) -> Result<(), String> {
        match self.value_type(name) {
            Some(existing) if existing != kind => {
                Err(format!("'{name}' has two types ({existing} and {kind})"))
            }
            _ => Ok(()),
        }
    }

    fn position(&self, wanted: (&str, Option<&str>)) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|entry| -> Ordering { key(entry).cmp(&wanted) })
    }

    /// The entries with this name, whatever their role.
    fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        let start = self
            .entries
            .partition_point(|entry| entry.name.as_str() < name);
        self.entries[start..]
            .iter()
            .take_while(move |entry| entry.name == name)
    }

    /// Whether there is nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The number of (name, role) entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entries, sorted by name then role (unreserved first).
    pub fn iter(&self) -> std::slice::Iter<'_, Resource> {
        self.entries.iter()
    }

    /// The value held for `name` under `role` (`None` or `Some("*")` for unreserved).
    pub fn get(&self, name: &str, role: Option<&str>) -> Option<&Value> {
        let role = role.filter(|role| *role != UNRESERVED_ROLE);
        self.position((name, role))
            .ok()
            .map(|index| &self.entries[index].value)
    }

    /// The value type held under `name`, if any.
    pub fn value_type(&self, name: &str) -> Option<ValueType> {
        self.named(name)
            .next()
            .map(|entry| entry.value.value_type())
    }

    /// The total of scalar `name` over all roles; `None` when there is no such scalar.
    pub fn scalar(&self, name: &str) -> Option<Scalar> {
        let mut values = self.named(name).filter_map(|entry| entry.value.as_scalar());
        let first = values.next()?;
        Some(values.fold(first, |total, value| total + value))
    }

    /// The union of ranges `name` over all roles; `None` when there are no such ranges.
    pub fn ranges(&self, name: &str) -> Option<Ranges> {
        let mut values = self.named(name).filter_map(|entry| entry.value.as_ranges());
        let mut union = values.next()?.clone();
        values.for_each(|ranges| union.add_all(ranges));
        Some(union)
    }

    /// The union of set `name` over all roles; `None` when there is no such set.
    pub fn set(&self, name: &str) -> Option<Set> {
        let mut values = self.named(name).filter_map(|entry| entry.value.as_set());
        let mut union = values.next()?.clone();
        values.for_each(|set| union.add_all(set));
        Some(union)
    }

    /// The distinct names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        let mut previous: Option<&str> = None;
        self.entries.iter().filter_map(move |entry| {
            let name = entry.name.as_str();
            let fresh = previous != Some(name);
            previous = Some(name);
            fresh.then_some(name)
        })
    }

    /// Every scalar name with its total over all roles, sorted by name; what sorters share on.
    pub fn scalars(&self) -> impl Iterator<Item = (&str, Scalar)> + '_ {
        self.names()
            .filter_map(|name| Some((name, self.scalar(name)?)))
    }

    /// The entries for which `keep` is true.
    pub fn filter(&self, mut keep: impl FnMut(&Resource) -> bool) -> Resources {
        Resources {
            entries: self
                .entries
                .iter()
                .filter(|entry| keep(entry))
                .cloned()
                .collect(),
        }
    }

    /// The unreserved entries.
    pub fn unreserved(&self) -> Resources {
        self.filter(|entry| entry.role.is_none())
    }

    /// The entries reserved to exactly `role` (`*` gives the unreserved ones).
    pub fn reserved(&self, role: &str) -> Resources {
        if role == UNRESERVED_ROLE {
            return self.unreserved();
        }
        self.filter(|entry| entry.role.as_deref() == Some(role))
    }

    /// The entries reserved to `role` or to a role below it (`role/...`).
    pub fn reserved_to_subtree(&self, role: &str) -> Resources {
        self.filter(|entry| {
            entry
                .role
                .as_deref()
                .is_some_and(|held| is_in_subtree(held, role))
        })
    }

    /// The same resources with every reservation dropped.
    pub fn unreserve_all(&self) -> Resources {
        let mut flat = Resources::new();
        for entry in &self.entries {
            let mut entry = entry.clone();
            entry.role = None;
            // One type per name holds across roles, so this cannot fail.
            let _ = flat.merge(entry);
        }
        flat
    }
}

impl<'a> IntoIterator for &'a Resources {
    type Item = &'a Resource;
    type IntoIter = std::slice::Iter<'a, Resource>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl IntoIterator for Resources {
    type Item = Resource;
    type IntoIter = std::vec::IntoIter<Resource>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Resources {
        Resources::from_resources([
            Resource::scalar("cpus", 4.0),
            Resource::scalar("cpus", 8.0).reserved_to("ads"),
            Resource::scalar("cpus", 1.0).reserved_to("ads/web"),
            Resource::scalar("cpus", 2.0).reserved_to("adsx"),
            Resource::scalar("mem", 1024.0),
            Resource::ranges("ports", Ranges::from(31000..=31005)),
            Resource::ranges("ports", Ranges::from(40000..=40000)).reserved_to("ads"),
            Resource::set("bugs", ["a", "b"].into_iter().collect()),
        ])
        .expect("valid sample")
    }

    #[test]
    fn entries_are_sorted_unreserved_first() {
        let order: Vec<String> = sample().iter().map(ToString::to_string).collect();
        assert_eq!(
            order,
            vec![
                "bugs:{a,b}",
                "cpus:4",
                "cpus(ads):8",
                "cpus(ads/web):1",
                "cpus(adsx):2",
                "mem:1024",
                "ports:[31000-31005]",
                "ports(ads):[40000-40000]",
            ]
        );
    }

    #[test]
    fn queries() {
        let resources = sample();
        assert_eq!(resources.scalar("cpus"), Some(Scalar::from_units(15)));
        assert_eq!(resources.scalar("ports"), None);
        assert_eq!(resources.scalar("gpus"), None);
        assert_eq!(
            resources.get("cpus", Some("ads")),
            Some(&Value::Scalar(Scalar::from_units(8)))
        );
        assert_eq!(
            resources.get("cpus", Some("*")),
            Some(&Value::Scalar(Scalar::from_units(4)))
        );
        assert_eq!(
            resources.ranges("ports").map(|r| r.to_string()),
            Some("[31000-31005,40000-40000]".to_string())
        );
        assert_eq!(resources.set("bugs").map(|s| s.len()), Some(2));
        assert_eq!(
            resources.names().collect::<Vec<_>>(),
            vec!["bugs", "cpus", "mem", "ports"]
        );
        assert_eq!(resources.value_type("ports"), Some(ValueType::Ranges));
    }

    #[test]
    fn scalars_sum_over_roles_and_skip_other_types() {
        let totals: Vec<(String, String)> = sample()
            .scalars()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        assert_eq!(
            totals,
            vec![
                ("cpus".to_string(), "15".to_string()),
                ("mem".to_string(), "1024".to_string())
            ]
        );
    }

    #[test]
    fn role_views() {
        let resources = sample();
        assert_eq!(
            resources.unreserved().scalar("cpus"),
            Some(Scalar::from_units(4))
        );
        assert_eq!(
            resources.reserved("ads").scalar("cpus"),
            Some(Scalar::from_units(8))
        );
        assert_eq!(resources.reserved("*"), resources.unreserved());
        let subtree = resources.reserved_to_subtree("ads");
        assert_eq!(subtree.scalar("cpus"), Some(Scalar::from_units(9)));
        assert!(subtree.iter().all(|r| r.role.as_deref() != Some("adsx")));
        assert_eq!(subtree.len(), 3);
        let flat = resources.unreserve_all();
        assert_eq!(flat.scalar("cpus"), Some(Scalar::from_units(15)));
        assert!(flat.iter().all(|r| r.role.is_none()));
    }

    #[test]
    fn insert_rejects_mixed_types_and_drops_empty() {
        let mut resources = Resources::new();
        assert!(resources.insert(Resource::scalar("cpus", 0.0)).is_ok());
        assert!(resources.is_empty());
        assert!(resources.insert(Resource::scalar("cpus", 1.0)).is_ok());
        let error = resources
            .insert(Resource::ranges("cpus", Ranges::from(1..=2)).reserved_to("ads"))
            .map_err(|e| e.to_string());
        assert_eq!(
            error,
            Err("invalid resource 'cpus': 'cpus' has two types (SCALAR and RANGES)".to_string())
        );
        assert_eq!(resources.len(), 1);
    }
}
