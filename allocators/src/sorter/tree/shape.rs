//! Changing the tree's shape: clients in and out (with Mesos's virtual-leaf rule), activity and
//! weights.

use super::{Node, NodeId, Tree, ROOT};
use crate::sorter::error::SorterError;
use crate::sorter::path::{components, VIRTUAL_LEAF};

impl Tree {
    /// Adds an inactive client, creating missing inner nodes like `mkdir -p`. A client that
    /// becomes a parent keeps competing inside its subtree as the virtual leaf `path/.`.
    pub(crate) fn add_client(&mut self, path: &str) -> Result<(), SorterError> {
        let parts = components(path)?;
        if self.clients.contains(path) {
            return Err(SorterError::ClientExists(path.to_string()));
        }
        let mut current = ROOT;
        for (i, &(name, prefix)) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            current = match self.paths.get(prefix) {
                Some(&id) => {
                    if !last && self.nodes[id].leaf {
                        self.split_leaf(id);
                    }
                    id
                }
                None => {
                    let weight = self.weight_of(prefix);
                    let id = self.attach(Node::new(name, prefix, current, last, weight));
                    self.paths.insert(prefix.into(), id);
                    id
                }
            };
        }
        if !self.nodes[current].leaf {
            // The path exists as a parent of other clients: the client is its virtual leaf.
            current = self.attach(Node::new(VIRTUAL_LEAF, path, current, true, 1.0));
        }
        self.clients.insert(path, current as u32);
        Ok(())
    }

    /// Turns leaf `id` into an inner node whose client moves to a new virtual leaf child. Both
    /// keep the allocation and its count, as Mesos copies the node.
    fn split_leaf(&mut self, id: NodeId) {
        let node = &self.nodes[id];
        let mut child = Node::new(VIRTUAL_LEAF, &node.path, id, true, 1.0);
        child.active = node.active;
        child.active_leaves = node.active_leaves;
        child.alloc = node.alloc.clone();
        child.count = node.count;
        let path = node.path.clone();
        self.nodes[id].leaf = false;
        self.nodes[id].active = false;
        let child = self.attach(child);
        self.clients.insert(&path, child as u32);
    }

    /// Removes a client: its allocation leaves every ancestor (counts stay), inner nodes left
    /// without children go, and a parent left with only its virtual leaf becomes a leaf again.
    pub(crate) fn remove_client(&mut self, path: &str) -> Result<(), SorterError> {
        let leaf = self.leaf(path)?;
        self.clients.remove(path);
        let alloc = std::mem::take(&mut self.nodes[leaf].alloc);
        let was_active = self.nodes[leaf].active;
        let mut id = self.nodes[leaf].parent;
        self.forget(leaf);
        while id != ROOT {
            let parent = self.nodes[id].parent;
            let node = &mut self.nodes[id];
            for (have, gone) in node.alloc.iter_mut().zip(&alloc) {
                *have -= gone;
            }
            if was_active {
                node.active_leaves -= 1;
            }
            match node.children[..] {
                [] => self.forget(id),
                [only] => {
                    if self.nodes[only].is_virtual() {
                        self.collapse(id);
                    }
                    self.touch(id);
                }
                _ => self.touch(id),
            }
            id = parent;
        }
        Ok(())
    }

    /// Detaches `id` and drops it from the path index unless it is a virtual leaf.
    fn forget(&mut self, id: NodeId) {
        if !self.nodes[id].is_virtual() {
            let path = self.nodes[id].path.clone();
            self.paths.remove(&path);
        }
        self.detach(id);
    }

    /// Inner node `id` has only its virtual leaf left: it becomes that client's leaf again,
    /// keeping its own allocation count (Mesos keeps the inner node's).
    fn collapse(&mut self, id: NodeId) {
        let child = self.nodes[id].children[0];
        let active = self.nodes[child].active;
        self.detach(child);
        let node = &mut self.nodes[id];
        node.leaf = true;
        node.active = active;
        let path = node.path.clone();
        self.clients.insert(&path, id as u32);
    }

    /// Lists or stops listing a client; its allocation counts either way. Every node on its
    /// path that starts or stops having active clients is touched, so that an ordering lists or
    /// unlists it.
    pub(crate) fn set_active(&mut self, client: &str, active: bool) -> Result<(), SorterError> {
        let leaf = self.leaf(client)?;
        if self.nodes[leaf].active == active {
            return Ok(());
        }
        self.nodes[leaf].active = active;
        let mut id = leaf;
        while id != ROOT {
            let n = &mut self.nodes[id];
            let had = n.active_leaves > 0;
            if active {
                n.active_leaves += 1;
            } else {
                n.active_leaves -= 1;
            }
            let parent = n.parent;
            if had != (n.active_leaves > 0) {
                self.touch(id);
            }
            id = parent;
        }
        Ok(())
    }

    /// Sets how the node at `path` competes with its siblings, now and whenever it is created.
    pub(crate) fn update_weight(&mut self, path: &str, weight: f64) -> Result<(), SorterError> {
        components(path)?;
        if !(weight.is_finite() && weight > 0.0) {
            return Err(SorterError::BadWeight {
                path: path.to_string(),
                weight,
            });
        }
        self.weights.insert(path.into(), weight);
        if let Some(&id) = self.paths.get(path) {
            self.nodes[id].weight = weight;
            self.touch(id);
        }
        Ok(())
    }

    fn weight_of(&self, path: &str) -> f64 {
        self.weights.get(path).copied().unwrap_or(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree as `path(children...)`, children in insertion order, `*` on active leaves.
    fn dump(t: &Tree, id: NodeId) -> String {
        let n = &t.nodes[id];
        let kids: Vec<String> = n.children.iter().map(|&c| dump(t, c)).collect();
        let star = if n.leaf && n.active { "*" } else { "" };
        if kids.is_empty() {
            format!("{}{star}", n.name)
        } else {
            format!("{}({})", n.name, kids.join(" "))
        }
    }

    #[test]
    fn child_of_a_leaf_makes_a_virtual_leaf_and_removal_collapses_it() {
        let mut t = Tree::new(Default::default());
        t.add_client("a").unwrap();
        t.set_active("a", true).unwrap();
        t.add_client("a/b/c").unwrap();
        assert_eq!(dump(&t, ROOT), "(a(.* b(c)))");
        assert_eq!(t.nodes[t.paths["a"]].active_leaves, 1);
        t.remove_client("a/b/c").unwrap();
        assert_eq!(dump(&t, ROOT), "(a*)");
        assert!(!t.paths.contains_key("a/b"));
        assert_eq!(t.leaf("a").unwrap(), t.paths["a"]);
    }

    #[test]
    fn parent_added_after_child_is_a_virtual_leaf() {
        let mut t = Tree::new(Default::default());
        t.add_client("a/b").unwrap();
        t.add_client("a").unwrap();
        assert_eq!(dump(&t, ROOT), "(a(b .))");
        t.remove_client("a").unwrap();
        assert_eq!(dump(&t, ROOT), "(a(b))");
        t.remove_client("a/b").unwrap();
        assert_eq!(dump(&t, ROOT), "");
        assert!(t.paths.is_empty() && t.clients.is_empty());
        // Freed nodes are reused.
        t.add_client("x").unwrap();
        assert!(t.nodes.len() <= 4);
    }

    #[test]
    fn errors_name_the_client() {
        let mut t = Tree::new(Default::default());
        t.add_client("a").unwrap();
        assert_eq!(
            t.add_client("a"),
            Err(SorterError::ClientExists("a".into()))
        );
        assert_eq!(
            t.remove_client("b"),
            Err(SorterError::UnknownClient("b".into()))
        );
        assert_eq!(
            t.set_active("b", true),
            Err(SorterError::UnknownClient("b".into()))
        );
        assert!(t.add_client("a//b").is_err());
        assert!(matches!(
            t.update_weight("a", 0.0),
            Err(SorterError::BadWeight { .. })
        ));
    }

    #[test]
    fn weights_apply_to_existing_and_later_nodes_but_not_virtual_leaves() {
        let mut t = Tree::new(Default::default());
        t.update_weight("a", 2.0).unwrap();
        t.add_client("a").unwrap();
        assert_eq!(t.nodes[t.paths["a"]].weight, 2.0);
        t.add_client("a/b").unwrap();
        assert_eq!(t.nodes[t.leaf("a").unwrap()].weight, 1.0);
        t.update_weight("a", 3.0).unwrap();
        assert_eq!(t.nodes[t.paths["a"]].weight, 3.0);
        assert_eq!(t.nodes[t.leaf("a").unwrap()].weight, 1.0);
    }
}
