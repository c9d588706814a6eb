//! The filters kept on one agent, by (framework, role).
//!
//! A cycle asks an agent about many frameworks of one role in a row, and in a long run of
//! declines the agent holds a filter for most of them. The lists sit in a hash map (constant
//! time to add or drop one however many there are), and each role has two bit sets over
//! framework ids in front of it: which frameworks have a filter at all, and which have only one,
//! holding the resources most filters here share. Most questions are then answered from the
//! bits and one containment test per walk, without touching the map.

use super::bits::Bits;
use crate::hierarchical::ids::{FastMap, Id};
use crate::hierarchical::state::LastCopy;
use modkit_ffi::resources::Resources;
use std::sync::Arc;

/// Refuses offers of `resources` or less until `expires` (infinite for never).
#[derive(Clone, Debug)]
pub(in crate::hierarchical) struct Filter {
    pub resources: Arc<Resources>,
    pub expires: f64,
    /// Tells the filter apart in the expiry index.
    pub seq: u64,
}

/// The filters of one (agent, framework, role): nearly always one, kept inline (the rare
/// others in a vector that stays unallocated while empty).
#[derive(Clone, Debug, Default)]
pub(in crate::hierarchical) struct Filters {
    first: Option<Filter>,
    rest: Vec<Filter>,
}

impl Filters {
    pub(in crate::hierarchical) fn iter(&self) -> impl Iterator<Item = &Filter> + '_ {
        self.first.iter().chain(self.rest.iter())
    }

    pub(in crate::hierarchical) fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    pub(in crate::hierarchical) fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    pub(super) fn push(&mut self, filter: Filter) {
        match self.first {
            None => self.first = Some(filter),
            Some(_) => self.rest.push(filter),
        }
    }

    pub(super) fn retain(&mut self, mut keep: impl FnMut(&Filter) -> bool) {
        if self.first.as_ref().is_some_and(|f| !keep(f)) {
            self.first = None;
        }
        self.rest.retain(|f| keep(f));
        if self.first.is_none() && !self.rest.is_empty() {
            self.first = Some(self.rest.remove(0));
        }
    }

    /// The address of the first filter's resources: filters on one agent mostly share one copy.
    fn head(&self) -> Option<usize> {
        self.first
            .as_ref()
            .map(|f| Arc::as_ptr(&f.resources) as usize)
    }

    /// A single filter holding exactly the copy `common`.
    fn only(&self, common: Option<&Arc<Resources>>) -> bool {
        match (&self.first, common) {
            (Some(f), Some(common)) => self.rest.is_empty() && Arc::ptr_eq(&f.resources, common),
            _ => false,
        }
    }
}

/// One role's frameworks with filters on the agent.
#[derive(Debug)]
struct RoleBits {
    role: Id,
    /// Frameworks with a list in the map.
    listed: Bits,
    /// Frameworks whose only filter holds the common copy: never expiring and not in the map
    /// when `listed` is clear, listed (it expires) when set.
    plain: Bits,
}

/// Where the filters of one (framework, role) are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kept {
    Nowhere,
    /// One never-expiring filter of the common copy, in the bits alone.
    Implied,
    /// In the map; `plain` when it is one filter of the common copy.
    Listed {
        plain: bool,
    },
}

/// Stands in for the sequence number of a filter kept only in the bits: it never expires, so
/// it was never in the expiry index, and no filter that is gets this number.
const NO_SEQ: u64 = u64::MAX;

#[derive(Debug, Default)]
pub(in crate::hierarchical) struct AgentFilters {
    lists: FastMap<(Id, Id), Filters>,
    /// Per role that ever had a filter here (one per framework in a cluster where each
    /// framework has its own role), in the order they came.
    roles: Vec<RoleBits>,
    /// Role id → its place in `roles` plus one (0: none): one read finds a role's bits, where
    /// a search would miss the cache once per step on an agent a cycle last saw long ago.
    at: Vec<u32>,
    /// The resources of the last filter installed here, shared by the next equal one:
    /// frameworks that decline the same remainder round after round keep one copy.
    common: LastCopy,
}

impl AgentFilters {
    fn bits(&self, rid: Id) -> Option<&RoleBits> {
        let at = *self.at.get(rid as usize)?;
        self.roles.get((at as usize).checked_sub(1)?)
    }

    fn kept(&self, (fid, rid): (Id, Id)) -> Kept {
        match self.bits(rid) {
            Some(bits) if bits.listed.get(fid) => Kept::Listed {
                plain: bits.plain.get(fid),
            },
            Some(bits) if bits.plain.get(fid) => Kept::Implied,
            _ => Kept::Nowhere,
        }
    }

    /// Whether (framework, role) has a filter here.
    pub(in crate::hierarchical) fn has(&self, key: (Id, Id)) -> bool {
        self.kept(key) != Kept::Nowhere
    }

    /// A copy of the list under `key`, wherever it is kept.
    #[cfg(test)]
    fn list(&self, key: (Id, Id)) -> Option<Filters> {
        match self.kept(key) {
            Kept::Listed { .. } => self.lists.get(&key).cloned(),
            _ => {
                let mut copy = AgentFilters::default();
                copy.common.adopt(self.common.current()?.clone());
                copy.mark(key, self.kept(key));
                copy.take(key)
            }
        }
    }

    #[cfg(test)]
    fn get_listed(&self, key: (Id, Id)) -> Option<&Filters> {
        self.lists.get(&key)
    }

    /// The (framework, role) pairs holding filters, in no particular order.
    pub(in crate::hierarchical) fn keys(&self) -> impl Iterator<Item = (Id, Id)> + '_ {
        let implied = self.roles.iter().flat_map(|bits| {
            bits.plain
                .ones()
                .filter(|&fid| !bits.listed.get(fid))
                .map(move |fid| (fid, bits.role))
        });
        self.lists.keys().copied().chain(implied)
    }

    /// The roles in which framework `fid` has filters here.
    #[cfg(test)]
    fn roles_of(&self, fid: Id) -> impl Iterator<Item = Id> + '_ {
        self.roles
            .iter()
            .filter(move |bits| bits.listed.get(fid) || bits.plain.get(fid))
            .map(|bits| bits.role)
    }

    pub(in crate::hierarchical) fn remove(&mut self, key: (Id, Id)) -> Option<Filters> {
        let list = self.take(key)?;
        self.mark(key, Kept::Nowhere);
        Some(list)
    }

    /// The list under `key` out of where it is kept (its bits unchanged).
    fn take(&mut self, key: (Id, Id)) -> Option<Filters> {
        match self.kept(key) {
            Kept::Nowhere => None,
            Kept::Implied => self.common.current().map(|common| Filters {
                first: Some(Filter {
                    resources: common.clone(),
                    expires: f64::INFINITY,
                    seq: NO_SEQ,
                }),
                rest: Vec::new(),
            }),
            Kept::Listed { .. } => self.lists.remove(&key),
        }
    }

    /// A shared copy of `resources` for a new filter: `copy` when the caller has one, and the
    /// agent's common copy whenever it is equal. A new common copy moves the filters kept in
    /// the bits alone into the map first (each filter moves at most once).
    pub(super) fn share(
        &mut self,
        resources: &Resources,
        copy: Option<Arc<Resources>>,
    ) -> Arc<Resources> {
        let old = self.common.current().cloned();
        let shared = match copy {
            Some(copy) => self.common.adopt(copy),
            None => self.common.share(resources),
        };
        if let Some(old) = old.filter(|old| !Arc::ptr_eq(old, &shared)) {
            for bits in &mut self.roles {
                for fid in bits.plain.ones() {
                    if bits.listed.get(fid) {
                        continue;
                    }
                    let filter = Filter {
                        resources: old.clone(),
                        expires: f64::INFINITY,
                        seq: NO_SEQ,
                    };
                    self.lists.insert(
                        (fid, bits.role),
                        Filters {
                            first: Some(filter),
                            rest: Vec::new(),
                        },
                    );
                    bits.listed.set(fid, true);
                }
                bits.plain.clear();
            }
        }
        shared
    }

    /// Changes the list under `key` (empty if there is none); an emptied list goes.
    pub(super) fn update<T>(&mut self, key: (Id, Id), change: impl FnOnce(&mut Filters) -> T) -> T {
        let mut list = self.take(key).unwrap_or_default();
        let out = change(&mut list);
        let kept = if list.is_empty() {
            Kept::Nowhere
        } else if !list.only(self.common.current()) {
            Kept::Listed { plain: false }
        } else if list.iter().all(|f| f.expires == f64::INFINITY) {
            Kept::Implied
        } else {
            Kept::Listed { plain: true }
        };
        if let Kept::Listed { .. } = kept {
            self.lists.insert(key, list);
        }
        self.mark(key, kept);
        out
    }

    fn mark(&mut self, (fid, rid): (Id, Id), kept: Kept) {
        let at = match self.at.get(rid as usize).copied().unwrap_or(0) {
            0 if kept == Kept::Nowhere => return,
            0 => {
                self.roles.push(RoleBits {
                    role: rid,
                    listed: Bits::default(),
                    plain: Bits::default(),
                });
                if self.at.len() <= rid as usize {
                    self.at.resize(rid as usize + 1, 0);
                }
                self.at[rid as usize] = self.roles.len() as u32;
                self.roles.len() - 1
            }
            at => at as usize - 1,
        };
        let bits = &mut self.roles[at];
        bits.listed.set(fid, matches!(kept, Kept::Listed { .. }));
        bits.plain.set(
            fid,
            matches!(kept, Kept::Implied | Kept::Listed { plain: true }),
        );
    }

    /// What the agent refuses in role `rid`, for a walk over its frameworks.
    pub(in crate::hierarchical) fn role(&self, rid: Id) -> RoleFilters<'_> {
        RoleFilters {
            filters: self,
            role: rid,
            bits: self.bits(rid),
        }
    }

    /// Whether a listed filter under `key` holds all of `offer`.
    fn refuses(&self, key: (Id, Id), offer: &Resources, memo: &mut Memo) -> bool {
        let Some(list) = self.lists.get(&key) else {
            return false;
        };
        // The usual case: one filter, whose resources the memo has already tested.
        if let (Some((seen, holds)), Some(head)) = (memo.0, list.head()) {
            if seen == head && (holds || list.rest.is_empty()) {
                return holds;
            }
        }
        list.iter().any(|f| memo.holds(&f.resources, offer))
    }
}

/// The filters of one agent in one role.
pub(in crate::hierarchical) struct RoleFilters<'a> {
    filters: &'a AgentFilters,
    role: Id,
    bits: Option<&'a RoleBits>,
}

impl RoleFilters<'_> {
    /// Whether framework `fid` refuses `offer` here: some filter holds it all. `memo` must be
    /// used for one `offer` only.
    pub(in crate::hierarchical) fn refuses(
        &self,
        fid: Id,
        offer: &Resources,
        memo: &mut Memo,
    ) -> bool {
        let Some(bits) = self.bits else {
            return false;
        };
        match self.filters.common.current() {
            Some(common) if bits.plain.get(fid) => memo.holds(common, offer),
            _ if bits.listed.get(fid) => self.filters.refuses((fid, self.role), offer, memo),
            _ => false,
        }
    }
}

/// Remembers the last containment test of one offer: filters on an agent mostly share one
/// copy of the resources, so a walk over many filtered frameworks tests it once. The copy is
/// known by its address, only compared while the filters are not changed.
#[derive(Debug, Default)]
pub(in crate::hierarchical) struct Memo(Option<(usize, bool)>);

impl Memo {
    /// Whether `resources` hold all of `offer`, tested once per copy in a row.
    fn holds(&mut self, resources: &Arc<Resources>, offer: &Resources) -> bool {
        let at = Arc::as_ptr(resources) as usize;
        match self.0 {
            Some((seen, holds)) if seen == at => holds,
            _ => {
                let holds = resources.contains(offer);
                self.0 = Some((at, holds));
                holds
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sorter::rng::SplitMix64;

    fn filter(resources: &Arc<Resources>, expires: f64, seq: u64) -> Filter {
        Filter {
            resources: resources.clone(),
            expires,
            seq,
        }
    }

    fn r(text: &str) -> Arc<Resources> {
        Arc::new(Resources::parse(text).expect("test resources"))
    }

    #[test]
    fn filters_keep_one_inline_and_promote_the_rest() {
        let (a, b) = (r("cpus:1"), r("cpus:2"));
        let mut list = Filters::default();
        assert!(list.is_empty());
        list.push(filter(&a, 1.0, 1));
        list.push(filter(&b, 2.0, 2));
        assert_eq!(list.len(), 2);
        list.retain(|f| f.seq != 1);
        assert_eq!(list.iter().map(|f| f.seq).collect::<Vec<_>>(), [2]);
        assert!(list.rest.is_empty());
        list.retain(|_| false);
        assert!(list.is_empty());
    }

    #[test]
    fn agent_filters_answer_from_the_memo_and_drop_emptied_lists() {
        let (big, small) = (r("cpus:4;mem:64"), r("cpus:1"));
        let mut filters = AgentFilters::default();
        filters.update((2, 0), |l| l.push(filter(&big, 1.0, 1)));
        filters.update((1, 0), |l| l.push(filter(&big, 1.0, 2)));
        filters.update((1, 1), |l| l.push(filter(&small, 1.0, 3)));
        let keys = |filters: &AgentFilters| {
            let mut keys: Vec<(Id, Id)> = filters.keys().collect();
            keys.sort();
            keys
        };
        assert_eq!(keys(&filters), [(1, 0), (1, 1), (2, 0)]);
        let offer = Resources::parse("cpus:2").expect("offer");
        let mut memo = Memo::default();
        assert!(filters.role(0).refuses(1, &offer, &mut memo));
        assert_eq!(memo.0, Some((Arc::as_ptr(&big) as usize, true)));
        assert!(filters.role(0).refuses(2, &offer, &mut memo));
        assert!(!filters.role(1).refuses(1, &offer, &mut memo));
        assert!(!filters.role(0).refuses(3, &offer, &mut memo));
        assert!(!filters.role(7).refuses(1, &offer, &mut memo));
        // Emptying a list removes its key, and its bits.
        filters.update((1, 0), |l| l.retain(|_| false));
        assert_eq!(keys(&filters), [(1, 1), (2, 0)]);
        assert!(!filters.role(0).refuses(1, &offer, &mut memo));
        assert_eq!(filters.remove((2, 0)).map(|l| l.len()), Some(1));
        assert!(filters.list((2, 0)).is_none());
        assert!(!filters.role(0).refuses(2, &offer, &mut memo));
        assert!(filters.list((1, 1)).is_some());
    }

    #[test]
    fn a_second_filter_is_consulted_when_the_first_does_not_hold_the_offer() {
        let (small, big) = (r("cpus:1"), r("cpus:8"));
        let mut filters = AgentFilters::default();
        filters.update((1, 0), |l| {
            l.push(filter(&small, 1.0, 1));
            l.push(filter(&big, 1.0, 2));
        });
        let offer = Resources::parse("cpus:4").expect("offer");
        let mut memo = Memo::default();
        assert!(filters.role(0).refuses(1, &offer, &mut memo));
        // Again, with the memo holding the big filter's answer.
        assert!(filters.role(0).refuses(1, &offer, &mut memo));
    }

    #[test]
    fn only_filters_on_the_common_copy_are_answered_from_the_bits() {
        let mut filters = AgentFilters::default();
        let first = filters.share(&r("cpus:2"), None);
        filters.update((1, 0), |l| l.push(filter(&first, 1.0, 1)));
        // Finite: listed for its expiry, answered from the bits.
        assert_eq!(filters.kept((1, 0)), Kept::Listed { plain: true });
        // An equal copy is the same copy.
        let again = filters.share(&r("cpus:2"), Some(r("cpus:2")));
        assert!(Arc::ptr_eq(&first, &again));
        filters.update((2, 0), |l| l.push(filter(&again, f64::INFINITY, 2)));
        assert_eq!(filters.kept((2, 0)), Kept::Implied);
        assert!(!filters.lists.contains_key(&(2, 0)));
        // A different one becomes the common copy: the old holders are asked the slow way.
        let other = filters.share(&r("cpus:3"), None);
        filters.update((3, 0), |l| l.push(filter(&other, 1.0, 3)));
        // The never-expiring one moved to the map, with the old copy.
        assert_eq!(filters.kept((1, 0)), Kept::Listed { plain: false });
        assert_eq!(filters.kept((2, 0)), Kept::Listed { plain: false });
        assert!(filters
            .get_listed((2, 0))
            .is_some_and(|l| Arc::ptr_eq(&l.iter().next().expect("one").resources, &first)));
        assert_eq!(filters.kept((3, 0)), Kept::Listed { plain: true });
        let mut memo = Memo::default();
        let offer = Resources::parse("cpus:2").expect("offer");
        assert!((1..=3).all(|f| filters.role(0).refuses(f, &offer, &mut memo)));
        let offer = Resources::parse("cpus:3").expect("offer");
        let mut memo = Memo::default();
        let refused: Vec<Id> = (1..=3)
            .filter(|&f| filters.role(0).refuses(f, &offer, &mut memo))
            .collect();
        assert_eq!(refused, [3]);
    }

    /// The same questions asked of every filter list directly.
    fn simple_refuses(
        lists: &std::collections::BTreeMap<(Id, Id), Vec<Arc<Resources>>>,
        key: (Id, Id),
        offer: &Resources,
    ) -> bool {
        lists
            .get(&key)
            .is_some_and(|l| l.iter().any(|f| f.contains(offer)))
    }

    const FIDS: [Id; 12] = [0, 1, 2, 3, 5, 8, 63, 64, 65, 127, 128, 200];

    #[test]
    fn random_changes_answer_as_the_lists_do() {
        let pool = [
            r("cpus:1"),
            r("cpus:2;mem:10"),
            r("cpus:4;mem:10"),
            r("mem:5"),
        ];
        let offers: Vec<Resources> = ["cpus:1", "cpus:2;mem:5", "mem:5", "cpus:4;mem:10"]
            .iter()
            .map(|t| Resources::parse(t).expect("offer"))
            .collect();
        for seed in 0..20 {
            let mut rng = SplitMix64::new(seed);
            let mut pick = |n: usize| (rng.next_u64() % n as u64) as usize;
            let mut filters = AgentFilters::default();
            let mut simple = std::collections::BTreeMap::<(Id, Id), Vec<Arc<Resources>>>::new();
            let mut seq = 0;
            for step in 0..400 {
                // Ids on both sides of the inline words of the bit sets.
                let key = (FIDS[pick(FIDS.len())], pick(3) as Id);
                match pick(4) {
                    0 => {
                        filters.remove(key);
                        simple.remove(&key);
                    }
                    1 => {
                        // Drop one filter of the list, as expiry does.
                        let gone = filters
                            .list(key)
                            .and_then(|l| l.iter().nth(pick(2)).map(|f| f.seq));
                        if let Some(gone) = gone {
                            let removed = filters.update(key, |l| {
                                let mut removed = None;
                                l.retain(|f| {
                                    let keep = f.seq != gone;
                                    if !keep {
                                        removed = Some(f.resources.clone());
                                    }
                                    keep
                                });
                                removed
                            });
                            let list = simple.entry(key).or_default();
                            let at = list
                                .iter()
                                .position(|x| removed.as_ref().is_some_and(|r| Arc::ptr_eq(x, r)));
                            if let Some(at) = at {
                                list.remove(at);
                            }
                            if list.is_empty() {
                                simple.remove(&key);
                            }
                        }
                    }
                    _ => {
                        let resources = &pool[pick(pool.len())];
                        // Half the time the caller brings its own (unshared) copy.
                        let copy = (pick(2) == 0).then(|| Arc::new((**resources).clone()));
                        let shared = filters.share(resources, copy);
                        seq += 1;
                        // Never-expiring filters may be kept in the bits alone.
                        let expires = [1.0, f64::INFINITY][pick(2)];
                        filters.update(key, |l| l.push(filter(&shared, expires, seq)));
                        simple.entry(key).or_default().push(shared);
                    }
                }
                let mut keys: Vec<(Id, Id)> = filters.keys().collect();
                keys.sort();
                assert!(keys.iter().eq(simple.keys()), "seed {seed} step {step}");
                for fid in FIDS.into_iter().chain([4, 129, 500]) {
                    let mut roles: Vec<Id> = filters.roles_of(fid).collect();
                    roles.sort();
                    let expect: Vec<Id> =
                        simple.keys().filter(|k| k.0 == fid).map(|k| k.1).collect();
                    assert_eq!(roles, expect, "seed {seed} step {step} fid {fid}");
                }
                for offer in &offers {
                    let mut memo = Memo::default();
                    for rid in 0..3 {
                        for fid in FIDS.into_iter().chain([4, 129, 500]) {
                            assert_eq!(
                                filters.role(rid).refuses(fid, offer, &mut memo),
                                simple_refuses(&simple, (fid, rid), offer),
                                "seed {seed} step {step} key {fid},{rid} offer {offer}"
                            );
                        }
                    }
                }
            }
        }
    }
}
