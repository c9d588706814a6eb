//! Allocations and agent totals. Every call is O(depth + resources named): the client's
//! allocation and each ancestor's are small dense vectors, and no call scans agents or clients.

use super::{NodeId, Tree, ROOT};
use crate::sorter::error::SorterError;
use crate::sorter::quantity::from_milli;
use modkit_ffi::sdk::Quantities;

impl Tree {
    pub(crate) fn add_agent(
        &mut self,
        agent: &str,
        total: Quantities<'_>,
    ) -> Result<(), SorterError> {
        self.delta.clear();
        self.names.read(total, 1, &mut self.delta)?;
        self.totals.add_agent(agent, &self.delta)?;
        self.rekey_all = true;
        Ok(())
    }

    pub(crate) fn remove_agent(&mut self, agent: &str) -> Result<(), SorterError> {
        self.totals.remove_agent(agent)?;
        self.rekey_all = true;
        Ok(())
    }

    /// Adds to the client and its ancestors and counts one allocation on each of them. The
    /// agent is not recorded: shares only need per-client sums, which `update` and
    /// `unallocated` adjust by the quantities they are given.
    pub(crate) fn allocated(
        &mut self,
        client: &str,
        resources: Quantities<'_>,
    ) -> Result<(), SorterError> {
        let leaf = self.leaf(client)?;
        self.delta.clear();
        self.names.read(resources, 1, &mut self.delta)?;
        self.check_overflow(leaf, client)?;
        self.apply(leaf, true);
        Ok(())
    }

    /// Replaces `old` (which the client must hold) by `new`; the count is unchanged.
    pub(crate) fn update(
        &mut self,
        client: &str,
        old: Quantities<'_>,
        new: Quantities<'_>,
    ) -> Result<(), SorterError> {
        let leaf = self.leaf(client)?;
        self.delta.clear();
        self.names.read(old, 1, &mut self.delta)?;
        self.check_held(leaf, client)?;
        self.delta.negate();
        self.names.read(new, 1, &mut self.delta)?;
        self.check_overflow(leaf, client)?;
        self.apply(leaf, false);
        Ok(())
    }

    /// Takes back what the client holds; asking for more than it holds changes nothing.
    pub(crate) fn unallocated(
        &mut self,
        client: &str,
        resources: Quantities<'_>,
    ) -> Result<(), SorterError> {
        let leaf = self.leaf(client)?;
        self.delta.clear();
        self.names.read(resources, 1, &mut self.delta)?;
        self.check_held(leaf, client)?;
        self.delta.negate();
        self.apply(leaf, false);
        Ok(())
    }

    /// The client's allocation by resource name (non-zero amounts, sorted by name).
    pub(crate) fn allocation(&self, client: &str) -> Result<Vec<(String, f64)>, SorterError> {
        let leaf = self.leaf(client)?;
        let mut out: Vec<(String, f64)> = self.nodes[leaf]
            .alloc
            .iter()
            .enumerate()
            .filter(|(_, &m)| m != 0)
            .map(|(id, &m)| (self.names.name(id).to_string(), from_milli(m)))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Fails if the client holds less than the (positive) amounts in `delta`.
    fn check_held(&self, leaf: NodeId, client: &str) -> Result<(), SorterError> {
        let alloc = &self.nodes[leaf].alloc;
        for (id, asked) in self.delta.iter() {
            let held = alloc.get(id).copied().unwrap_or(0);
            if asked > held {
                return Err(SorterError::NotHeld {
                    client: client.to_string(),
                    name: self.names.name(id).to_string(),
                    held: from_milli(held),
                    asked: from_milli(asked),
                });
            }
        }
        Ok(())
    }

    /// Fails if adding `delta` would overflow. Amounts are never negative, so the top-most
    /// ancestor holds the largest sums on the path and checking it covers the whole path.
    fn check_overflow(&self, leaf: NodeId, client: &str) -> Result<(), SorterError> {
        let mut top = leaf;
        while self.nodes[top].parent != ROOT {
            top = self.nodes[top].parent;
        }
        let alloc = &self.nodes[top].alloc;
        for (id, milli) in self.delta.iter() {
            let have = alloc.get(id).copied().unwrap_or(0);
            if have.checked_add(milli).is_none() {
                return Err(SorterError::Overflow {
                    client: client.to_string(),
                    name: self.names.name(id).to_string(),
                });
            }
        }
        Ok(())
    }

    /// Adds `delta` to `leaf` and its ancestors (the root holds nothing, as in Mesos).
    fn apply(&mut self, leaf: NodeId, counted: bool) {
        let mut id = leaf;
        while id != ROOT {
            let node = &mut self.nodes[id];
            for (res, milli) in self.delta.iter() {
                if node.alloc.len() <= res {
                    node.alloc.resize(res + 1, 0);
                }
                node.alloc[res] += milli;
            }
            if counted {
                node.count += 1;
            }
            let parent = node.parent;
            self.touch(id);
            id = parent;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sorter::testing::q;

    fn tree() -> Tree {
        let mut t = Tree::new(Default::default());
        t.add_client("a/b").unwrap();
        t.add_client("a/c").unwrap();
        t
    }

    #[test]
    fn inner_nodes_carry_their_subtree_and_count_every_allocation() {
        let mut t = tree();
        t.allocated("a/b", q("cpus:1;mem:10").view()).unwrap();
        t.allocated("a/c", q("cpus:2").view()).unwrap();
        let a = &t.nodes[t.paths["a"]];
        assert_eq!(a.alloc, vec![3000, 10000]);
        assert_eq!(a.count, 2);
        t.unallocated("a/b", q("cpus:1;mem:10").view()).unwrap();
        let a = &t.nodes[t.paths["a"]];
        assert_eq!((a.alloc.clone(), a.count), (vec![2000, 0], 2));
        assert_eq!(t.allocation("a/b").unwrap(), vec![]);
        assert_eq!(
            t.allocation("a/c").unwrap(),
            vec![("cpus".to_string(), 2.0)]
        );
    }

    #[test]
    fn update_swaps_quantities_without_counting() {
        let mut t = tree();
        t.allocated("a/b", q("cpus:10;mem:10").view()).unwrap();
        t.update("a/b", q("cpus:10;mem:10").view(), q("cpus:2;disk:5").view())
            .unwrap();
        assert_eq!(
            t.allocation("a/b").unwrap(),
            vec![("cpus".to_string(), 2.0), ("disk".to_string(), 5.0)]
        );
        assert_eq!(t.nodes[t.leaf("a/b").unwrap()].count, 1);
        assert_eq!(t.nodes[t.paths["a"]].alloc, vec![2000, 0, 5000]);
    }

    #[test]
    fn giving_back_more_than_held_changes_nothing() {
        let mut t = tree();
        t.allocated("a/b", q("cpus:1").view()).unwrap();
        let e = t
            .unallocated("a/b", q("cpus:0.5;mem:1").view())
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "client 'a/b' holds 0 of 'mem' and cannot give back 1"
        );
        assert!(t
            .update("a/b", q("cpus:2").view(), q("cpus:1").view())
            .is_err());
        assert_eq!(
            t.allocation("a/b").unwrap(),
            vec![("cpus".to_string(), 1.0)]
        );
        assert!(matches!(
            t.allocated("zz", q("cpus:1").view()),
            Err(SorterError::UnknownClient(_))
        ));
        assert!(t.allocated("a/b", q("cpus:-1").view()).is_err());
    }

    #[test]
    fn removing_a_client_takes_its_allocation_off_its_ancestors() {
        let mut t = tree();
        t.allocated("a/b", q("cpus:1").view()).unwrap();
        t.allocated("a/c", q("cpus:2").view()).unwrap();
        t.remove_client("a/b").unwrap();
        let a = &t.nodes[t.paths["a"]];
        assert_eq!((a.alloc.clone(), a.count), (vec![2000], 2));
    }

    #[test]
    fn agent_totals_are_summed() {
        let mut t = tree();
        t.add_agent("s1", q("cpus:4;mem:100").view()).unwrap();
        t.add_agent("s2", q("cpus:4").view()).unwrap();
        assert_eq!(t.totals(), &[8000, 100000]);
        assert!(t.take_rekey_all());
        t.remove_agent("s1").unwrap();
        assert_eq!(t.totals(), &[4000, 0]);
        assert!(matches!(
            t.remove_agent("s1"),
            Err(SorterError::UnknownAgent(_))
        ));
    }
}
