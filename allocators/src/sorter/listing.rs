//! The cached answer of a share-based `sort`: active clients in pre-order. Rebuilt after shape
//! changes; when one sibling moved, only its block of clients is moved, so the common
//! "allocate, then sort" step costs a scan of ids rather than a walk of the tree.

use super::tree::{NodeId, Tree, ROOT};

#[derive(Debug, Default)]
pub(crate) struct Listing {
    ids: Vec<NodeId>,
    /// Scratch for the walk: (node, next child).
    stack: Vec<(NodeId, usize)>,
}

impl Listing {
    pub(crate) fn ids(&self) -> &[NodeId] {
        &self.ids
    }

    /// Pre-order walk listing active clients, skipping subtrees without any.
    pub(crate) fn rebuild(&mut self, tree: &Tree) {
        self.ids.clear();
        self.stack.clear();
        self.stack.push((ROOT, 0));
        while let Some(top) = self.stack.last_mut() {
            let (id, next) = *top;
            let Some(&child) = tree.node(id).children.get(next) else {
                self.stack.pop();
                continue;
            };
            top.1 += 1;
            let node = tree.node(child);
            if node.active_leaves == 0 {
                continue;
            }
            if node.leaf {
                self.ids.push(child);
            } else {
                self.stack.push((child, 0));
            }
        }
    }

    /// `child` changed place among its siblings, the rest of the tree as listed: moves the
    /// contiguous block of its active clients next to its new neighbours.
    pub(crate) fn moved(&mut self, tree: &Tree, child: NodeId) {
        let len = tree.node(child).active_leaves;
        if len == 0 {
            return;
        }
        let siblings = &tree.node(tree.node(child).parent).children;
        let Some(at) = siblings.iter().position(|&c| c == child) else {
            return self.rebuild(tree);
        };
        let active = |&&c: &&NodeId| tree.node(c).active_leaves > 0;
        let Some(start) = self.find(edge_leaf(tree, child, true)) else {
            return self.rebuild(tree);
        };
        if let Some(&next) = siblings[at + 1..].iter().find(active) {
            // Goes right before the next active sibling's first client.
            let Some(to) = self.find(edge_leaf(tree, next, true)) else {
                return self.rebuild(tree);
            };
            if to > start {
                self.ids[start..to].rotate_left(len);
            } else {
                self.ids[to..start + len].rotate_right(len);
            }
        } else if let Some(&prev) = siblings[..at].iter().rev().find(active) {
            // Last active sibling: goes right after the previous one's last client.
            let Some(after) = self.find(edge_leaf(tree, prev, false)) else {
                return self.rebuild(tree);
            };
            if after > start {
                self.ids[start..=after].rotate_left(len);
            } else {
                self.ids[after + 1..start + len].rotate_right(len);
            }
        }
    }

    fn find(&self, id: NodeId) -> Option<usize> {
        self.ids.iter().position(|&x| x == id)
    }
}

/// The first (or last) active client under `id`, which has at least one.
fn edge_leaf(tree: &Tree, mut id: NodeId, first: bool) -> NodeId {
    while !tree.node(id).leaf {
        let kids = &tree.node(id).children;
        let active = |&&c: &&NodeId| tree.node(c).active_leaves > 0;
        let next = if first {
            kids.iter().find(active)
        } else {
            kids.iter().rev().find(active)
        };
        match next {
            Some(&c) => id = c,
            None => break,
        }
    }
    id
}
