//! Sets of named items, such as `{a,b,c}`.

use std::collections::BTreeSet;
use std::fmt;

/// A set of items, kept sorted so equal sets print the same way.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Set(BTreeSet<String>);

impl Set {
    /// No items.
    pub fn new() -> Set {
        Set::default()
    }

    /// Adds an item; `false` when it was already there.
    pub fn insert(&mut self, item: impl Into<String>) -> bool {
        self.0.insert(item.into())
    }

    /// Removes an item; `false` when it was not there.
    pub fn remove(&mut self, item: &str) -> bool {
        self.0.remove(item)
    }

    /// Whether `item` is in the set.
    pub fn contains(&self, item: &str) -> bool {
        self.0.contains(item)
    }

    /// Whether every item of `other` is also here.
    pub fn contains_all(&self, other: &Set) -> bool {
        self.0.is_superset(&other.0)
    }

    /// Adds every item of `other`.
    pub fn add_all(&mut self, other: &Set) {
        self.0.extend(other.0.iter().cloned());
    }

    /// Removes every item of `other`.
    pub fn subtract_all(&mut self, other: &Set) {
        self.0.retain(|item| !other.0.contains(item));
    }

    /// The items in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.iter().map(String::as_str)
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The items as a standard set.
    pub fn as_btree_set(&self) -> &BTreeSet<String> {
        &self.0
    }
}

impl<S: Into<String>> FromIterator<S> for Set {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Set {
        Set(iter.into_iter().map(Into::into).collect())
    }
}

impl fmt::Display for Set {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (index, item) in self.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            f.write_str(item)?;
        }
        f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let mut set: Set = ["c", "a", "b"].into_iter().collect();
        assert_eq!(set.to_string(), "{a,b,c}");
        assert!(set.contains_all(&["a", "c"].into_iter().collect()));
        assert!(!set.contains_all(&["d"].into_iter().collect()));
        set.subtract_all(&["b"].into_iter().collect());
        assert_eq!(set.iter().collect::<Vec<_>>(), vec!["a", "c"]);
        set.add_all(&["z"].into_iter().collect());
        assert!(set.contains("z") && !set.insert("z") && set.remove("z"));
        assert_eq!(set.len(), 2);
        assert_eq!(Set::new().to_string(), "{}");
    }
}
