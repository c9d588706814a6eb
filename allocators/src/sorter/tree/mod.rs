//! The client tree all sorters share: role paths as nodes, each inner node carrying the sum of
//! its subtree's allocations. It keeps the facts (structure, allocations, weights, totals) and
//! records which sibling lists changed, so an ordering only re-sorts those.

mod shape;
mod usage;

use super::quantity::{Delta, Names};
use super::totals::Totals;
use crate::fast_hash::FastMap;
use crate::name_index::NameIndex;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Index of a node in the arena.
pub(crate) type NodeId = usize;

/// The root: never a client, never compared, holds no allocation (as in Mesos).
pub(crate) const ROOT: NodeId = 0;

#[derive(Debug)]
pub(crate) struct Node {
    /// Last path component, `.` for a virtual leaf: siblings compare by it, which orders them
    /// exactly as Mesos's comparison of full paths does. Shared with an ordering's sort keys.
    pub(crate) name: Arc<str>,
    /// The node's path; a virtual leaf has its parent's (it is that client).
    pub(crate) path: Box<str>,
    pub(crate) parent: NodeId,
    /// Sibling order is the ordering's business; the tree only appends and removes.
    pub(crate) children: Vec<NodeId>,
    pub(crate) leaf: bool,
    /// Leaves only: listed by `sort`.
    pub(crate) active: bool,
    /// How this node competes with its siblings (1 for a virtual leaf).
    pub(crate) weight: f64,
    /// Thousandths per resource index; the subtree's sum for an inner node.
    pub(crate) alloc: Vec<i64>,
    /// `allocated` calls on this node or below it, never decremented (Mesos's count).
    pub(crate) count: u64,
    /// Active clients in this subtree, so walks skip subtrees that list nothing.
    pub(crate) active_leaves: usize,
    /// The ordering's sort key (a share, or a random draw).
    pub(crate) key: f64,
    /// Whether this node waits in its parent's `pending` list.
    pub(crate) queued: bool,
    /// Children whose sort key may have changed or that are new.
    pub(crate) pending: Vec<NodeId>,
    /// Whether this node waits in the tree's dirty-level list.
    pub(crate) level_dirty: bool,
    pub(crate) live: bool,
}

impl Node {
    fn new(name: &str, path: &str, parent: NodeId, leaf: bool, weight: f64) -> Node {
        Node {
            name: name.into(),
            path: path.into(),
            parent,
            children: Vec::new(),
            leaf,
            active: false,
            weight,
            alloc: Vec::new(),
            count: 0,
            active_leaves: 0,
            key: 0.0,
            queued: false,
            pending: Vec::new(),
            level_dirty: false,
            live: true,
        }
    }

    pub(crate) fn is_virtual(&self) -> bool {
        &*self.name == super::path::VIRTUAL_LEAF
    }
}

#[derive(Debug)]
pub(crate) struct Tree {
    nodes: Vec<Node>,
    free: Vec<NodeId>,
    /// Client path → its leaf (a virtual leaf when the client is also a parent).
    clients: NameIndex,
    /// Path → the node competing at that path among its siblings (never a virtual leaf).
    paths: FastMap<Box<str>, NodeId>,
    /// Weights by path, kept for nodes created later.
    weights: FastMap<Box<str>, f64>,
    names: Names,
    totals: Totals,
    /// Scratch for reading one call's quantities.
    delta: Delta,
    dirty_levels: Vec<NodeId>,
    /// Nodes detached since the ordering last looked, so it can drop them from its order.
    removed: Vec<NodeId>,
    /// Totals changed: every share is stale.
    rekey_all: bool,
}

impl Tree {
    pub(crate) fn new(excluded: BTreeSet<String>) -> Tree {
        Tree {
            nodes: vec![Node::new("", "", ROOT, false, 1.0)],
            free: Vec::new(),
            clients: NameIndex::default(),
            paths: FastMap::default(),
            weights: FastMap::default(),
            names: Names::new(excluded),
            totals: Totals::default(),
            delta: Delta::default(),
            dirty_levels: Vec::new(),
            removed: Vec::new(),
            rekey_all: false,
        }
    }

    pub(crate) fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    pub(crate) fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id]
    }

    /// Every node still in the tree, root included.
    pub(crate) fn live_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes.len()).filter(|&id| self.nodes[id].live)
    }

    /// Pool total per resource index, in thousandths.
    pub(crate) fn totals(&self) -> &[i64] {
        self.totals.sum()
    }

    /// Per resource index: whether fair sharing skips it.
    pub(crate) fn excluded(&self) -> &[bool] {
        self.names.excluded()
    }

    pub(crate) fn contains(&self, client: &str) -> bool {
        self.clients.contains(client)
    }

    pub(crate) fn count(&self) -> usize {
        self.clients.len()
    }

    /// Whether every key must be recomputed (totals changed); resets the flag.
    pub(crate) fn take_rekey_all(&mut self) -> bool {
        std::mem::take(&mut self.rekey_all)
    }

    /// Moves the nodes detached since the last call into `out` (cleared first), oldest first.
    /// An id may have been handed out again since: it is then also pending in its new level.
    pub(crate) fn take_removed(&mut self, out: &mut Vec<NodeId>) {
        out.clear();
        std::mem::swap(out, &mut self.removed);
    }

    /// Moves the list of parents with pending children into `out` (which is cleared first).
    pub(crate) fn take_dirty_levels(&mut self, out: &mut Vec<NodeId>) {
        out.clear();
        std::mem::swap(out, &mut self.dirty_levels);
        for &id in out.iter() {
            self.nodes[id].level_dirty = false;
        }
    }

    /// The children of `level` whose keys changed; they stay marked `queued` until
    /// [`Tree::finish_pending`], so an ordering can tell them apart in the sibling list.
    pub(crate) fn take_pending(&mut self, level: NodeId) -> Vec<NodeId> {
        std::mem::take(&mut self.nodes[level].pending)
    }

    /// Unmarks what [`Tree::take_pending`] returned and hands the buffer back for reuse.
    pub(crate) fn finish_pending(&mut self, level: NodeId, mut pending: Vec<NodeId>) {
        for &id in &pending {
            self.nodes[id].queued = false;
        }
        pending.clear();
        if self.nodes[level].pending.is_empty() {
            self.nodes[level].pending = pending;
        }
    }

    /// Drops every recorded change, for orderings that redo everything on each sort.
    pub(crate) fn forget_changes(&mut self) {
        let mut levels = Vec::new();
        self.take_dirty_levels(&mut levels);
        for level in levels {
            let pending = self.take_pending(level);
            self.finish_pending(level, pending);
        }
        self.rekey_all = false;
        self.removed.clear();
    }

    /// Records that `id`'s sort key may have changed, or that it started or stopped having
    /// active clients.
    fn touch(&mut self, id: NodeId) {
        if self.nodes[id].queued {
            return;
        }
        self.nodes[id].queued = true;
        let parent = self.nodes[id].parent;
        self.nodes[parent].pending.push(id);
        if !self.nodes[parent].level_dirty {
            self.nodes[parent].level_dirty = true;
            self.dirty_levels.push(parent);
        }
    }

    /// Adds `node` under its parent and queues it to be placed among its siblings.
    fn attach(&mut self, node: Node) -> NodeId {
        let parent = node.parent;
        let id = match self.free.pop() {
            Some(id) => {
                self.nodes[id] = node;
                id
            }
            None => {
                self.nodes.push(node);
                self.nodes.len() - 1
            }
        };
        self.nodes[parent].children.push(id);
        self.touch(id);
        id
    }

    /// Unlinks `id` from its parent and frees it. Stale entries of it in the dirty-level list
    /// are harmless: a level with nothing pending changes nothing.
    fn detach(&mut self, id: NodeId) {
        let parent = self.nodes[id].parent;
        let siblings = &mut self.nodes[parent].children;
        if let Some(at) = siblings.iter().position(|&c| c == id) {
            siblings.remove(at);
        }
        if self.nodes[id].queued {
            self.nodes[parent].pending.retain(|&c| c != id);
        }
        let node = &mut self.nodes[id];
        node.live = false;
        node.children = Vec::new();
        node.pending = Vec::new();
        node.alloc = Vec::new();
        self.free.push(id);
        self.removed.push(id);
    }

    /// The leaf of `client`.
    fn leaf(&self, client: &str) -> Result<NodeId, super::error::SorterError> {
        self.clients
            .get(client)
            .map(|id| id as NodeId)
            .ok_or_else(|| super::error::SorterError::UnknownClient(client.to_string()))
    }
}
