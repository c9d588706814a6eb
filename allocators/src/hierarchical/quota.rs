//! Quota: a guarantee (served first, in stage 1) and a limit (never exceeded) per role, on
//! unreserved scalar quantities.
//!
//! A role's consumption is what its subtree holds (allocations of the role and its sub-roles)
//! plus the reservations to the subtree that are not allocated: reserved resources count toward
//! the guarantee whether used or not. Headroom: stage 2 keeps back, from unreserved resources,
//! the sum of the unmet guarantees of the other roles (counting each guarantee tree once, at
//! its topmost guaranteed role, since a parent's consumption includes its children's).

use super::ids::{Id, Names};
use super::qty::{quota_amounts, Minimum, Qty, ResId, ResNames, CPUS, MEM};
use super::state::State;
use modkit_ffi::resources::{is_in_subtree, validate_role, Resources, Value, UNRESERVED_ROLE};
use modkit_ffi::sdk::{ModuleError, Result};
use std::collections::BTreeMap;

/// A role's quota, in thousandths; names missing from `limit` are unlimited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Quota {
    pub guarantee: Vec<(ResId, i64)>,
    pub limit: Vec<(ResId, i64)>,
}

/// Checks a quota as Mesos does (scalar, unreserved, guarantee within limit); `None` means
/// the role has no quota any more.
pub(super) fn parse_quota(
    names: &mut ResNames,
    role: &str,
    guarantee: &Resources,
    limit: Option<&Resources>,
) -> Result<Option<Quota>> {
    validate_role(role).map_err(|why| ModuleError::invalid(format!("role '{role}': {why}")))?;
    if role == UNRESERVED_ROLE {
        return Err(ModuleError::invalid("quota cannot be set on role '*'"));
    }
    let empty = Resources::new();
    let limit = limit.unwrap_or(&empty);
    for (what, resources) in [("guarantee", guarantee), ("limit", limit)] {
        if let Some(bad) = resources
            .iter()
            .find(|r| r.is_reserved() || !matches!(r.value, Value::Scalar(_)))
        {
            return Err(ModuleError::invalid(format!(
                "quota {what} of role '{role}' may hold only unreserved scalars, not '{bad}'"
            )));
        }
    }
    let quota = Quota {
        guarantee: quota_amounts(names, guarantee),
        limit: quota_amounts(names, limit),
    };
    for &(id, amount) in &quota.guarantee {
        if let Some(&(_, cap)) = quota.limit.iter().find(|(l, _)| *l == id) {
            if amount > cap {
                return Err(ModuleError::invalid(format!(
                    "quota of role '{role}': guarantee {guarantee} exceeds limit {limit} ('{}')",
                    names.name(id)
                )));
            }
        }
    }
    Ok((!quota.guarantee.is_empty() || !quota.limit.is_empty()).then_some(quota))
}

/// One quota role during a cycle.
struct Entry {
    role: String,
    quota: Quota,
    consumed: Qty,
    /// Guaranteed, with no guaranteed role above it: its unmet guarantee is headroom.
    top: bool,
    /// Some of the guarantee is not met (kept current: stage 1 asks once per role visit).
    wanting: bool,
}

impl Entry {
    fn unmet(&self, id: ResId) -> i64 {
        self.quota
            .guarantee
            .iter()
            .find(|(g, _)| *g == id)
            .map_or(0, |&(_, g)| (g - self.consumed.get(id)).max(0))
    }

    fn any_unmet(&self) -> bool {
        self.quota
            .guarantee
            .iter()
            .any(|&(id, g)| g > self.consumed.get(id))
    }
}

/// How quota bears on one role.
#[derive(Clone, Default)]
struct RoleView {
    /// Entries of the role and its ancestors, outermost first.
    chain: Vec<usize>,
    own: Option<usize>,
    /// The outermost guaranteed entry of the chain.
    top: Option<usize>,
    /// Stage 2 found it cannot be given unreserved resources; caps only shrink during a
    /// cycle, so this stays true.
    blocked: bool,
}

/// Quota state for one cycle: consumption computed at its start and kept current as the
/// cycle allocates.
#[derive(Default)]
pub(super) struct QuotaCycle {
    entries: Vec<Entry>,
    roles: Vec<RoleView>,
    /// Σ unmet guarantees of the top entries.
    required: Qty,
    /// Entries whose guarantee is not met: stage 1 ends when there is none.
    wanting: usize,
}

/// `a/b/c` → `a`, `a/b`, `a/b/c`.
fn prefixes(role: &str) -> impl Iterator<Item = &str> {
    role.match_indices('/')
        .map(move |(i, _)| &role[..i])
        .chain(std::iter::once(role))
}

impl QuotaCycle {
    pub(super) fn new(
        quotas: &BTreeMap<String, Quota>,
        state: &mut State,
        role_ids: &Names,
    ) -> QuotaCycle {
        if quotas.is_empty() {
            return QuotaCycle::default();
        }
        // Unallocated reservations by role.
        let mut reserved: BTreeMap<String, Qty> = BTreeMap::new();
        for (_, agent) in state.agents.iter().filter(|(_, a)| a.reserved) {
            for entry in agent.available.iter() {
                if let (Some(role), Value::Scalar(amount)) = (&entry.role, &entry.value) {
                    let id = state.res.id(&entry.name);
                    reserved
                        .entry(role.clone())
                        .or_default()
                        .add(id, amount.milli());
                }
            }
        }
        let mut entries: Vec<Entry> = quotas
            .iter()
            .map(|(role, quota)| {
                let mut consumed = Qty::default();
                for (_, rid) in role_ids.subtree(role) {
                    if let Some(r) = state.roles.get(rid) {
                        for (id, v) in r.allocated.iter() {
                            consumed.add(id, v);
                        }
                    }
                }
                let below = reserved.range(format!("{role}/")..format!("{role}0"));
                for (_, q) in reserved.get_key_value(role).into_iter().chain(below) {
                    for (id, v) in q.iter() {
                        consumed.add(id, v);
                    }
                }
                let mut entry = Entry {
                    role: role.clone(),
                    quota: quota.clone(),
                    consumed,
                    top: false,
                    wanting: false,
                };
                entry.wanting = entry.any_unmet();
                entry
            })
            .collect();
        let index: BTreeMap<&str, usize> = quotas
            .keys()
            .enumerate()
            .map(|(i, r)| (r.as_str(), i))
            .collect();
        let mut required = Qty::default();
        for i in 0..entries.len() {
            let guaranteed = |e: &Entry| !e.quota.guarantee.is_empty();
            let role = entries[i].role.as_str();
            let covered = prefixes(role)
                .filter(|p| *p != role)
                .any(|p| index.get(p).is_some_and(|&j| guaranteed(&entries[j])));
            if guaranteed(&entries[i]) && !covered {
                entries[i].top = true;
                for &(id, _) in &entries[i].quota.guarantee {
                    required.add(id, entries[i].unmet(id));
                }
            }
        }
        let mut roles = vec![RoleView::default(); state.roles.capacity()];
        for (rid, role) in state.roles.iter() {
            let view = &mut roles[rid as usize];
            view.chain = prefixes(&role.name)
                .filter_map(|p| index.get(p).copied())
                .collect();
            view.own = index.get(role.name.as_str()).copied();
            view.top = view.chain.iter().copied().find(|&j| entries[j].top);
        }
        QuotaCycle {
            wanting: entries.iter().filter(|e| e.wanting).count(),
            entries,
            roles,
            required,
        }
    }

    pub(super) fn is_active(&self) -> bool {
        !self.entries.is_empty()
    }

    fn view(&self, rid: Id) -> Option<&RoleView> {
        self.roles.get(rid as usize)
    }

    /// Whether some role's guarantee is not met yet.
    pub(super) fn anyone_wanting(&self) -> bool {
        self.wanting > 0
    }

    /// Whether the role's own guarantee is not met yet (it takes part in stage 1).
    pub(super) fn wants_guarantee(&self, rid: Id) -> bool {
        self.view(rid)
            .and_then(|v| v.own)
            .is_some_and(|e| self.entries[e].wanting)
    }

    /// Whether the role's own guarantee names `id` and still needs some of it.
    pub(super) fn unmet(&self, rid: Id, id: ResId) -> i64 {
        self.view(rid)
            .and_then(|v| v.own)
            .map_or(0, |e| self.entries[e].unmet(id))
    }

    pub(super) fn guarantees(&self, rid: Id, id: ResId) -> bool {
        self.view(rid).and_then(|v| v.own).is_some_and(|e| {
            self.entries[e]
                .quota
                .guarantee
                .iter()
                .any(|(g, _)| *g == id)
        })
    }

    /// The most of unreserved `id` the role may be given now; `i64::MAX` when nothing bounds
    /// it. Stage 1 serves a guaranteed name up to its unmet guarantee, without headroom;
    /// everything else is bounded by the limits up the role's chain and by the headroom the
    /// other roles' unmet guarantees need out of `headroom` (unallocated unreserved).
    pub(super) fn cap(&self, rid: Id, id: ResId, stage1: bool, headroom: &Qty) -> i64 {
        let Some(view) = self.view(rid) else {
            return i64::MAX;
        };
        let mut cap = i64::MAX;
        for &e in &view.chain {
            let entry = &self.entries[e];
            if let Some(&(_, limit)) = entry.quota.limit.iter().find(|(l, _)| *l == id) {
                cap = cap.min((limit - entry.consumed.get(id)).max(0));
            }
        }
        if stage1 && self.guarantees(rid, id) {
            return cap.min(self.unmet(rid, id));
        }
        let own = view.top.map_or(0, |e| self.entries[e].unmet(id));
        let others = self.required.get(id) - own;
        if others > 0 {
            cap = cap.min((headroom.get(id) - others).max(0));
        }
        cap
    }

    /// Whether stage 2 can give the role no allocatable unreserved offer any more (neither
    /// the minimum cpus nor the minimum memory fits under its caps).
    pub(super) fn blocked(&mut self, rid: Id, headroom: &Qty, min: Minimum) -> bool {
        if !self.is_active() {
            return false;
        }
        match self.view(rid) {
            None => return false,
            Some(view) if view.blocked => return true,
            Some(view) if view.chain.is_empty() && self.required.is_zero() => return false,
            Some(_) => {}
        }
        let blocked = !min.allows_amounts(
            self.cap(rid, CPUS, false, headroom),
            self.cap(rid, MEM, false, headroom),
        );
        if blocked {
            if let Some(view) = self.roles.get_mut(rid as usize) {
                view.blocked = true;
            }
        }
        blocked
    }

    /// Books `resources` just allocated to `rid` (named `role`) against the quotas above it.
    /// A reservation already counted where it is reserved moves nothing for roles at or above
    /// its reservation role.
    pub(super) fn allocated(&mut self, rid: Id, names: &mut ResNames, resources: &Resources) {
        let Some(view) = self.roles.get(rid as usize) else {
            return;
        };
        for &e in &view.chain {
            let entry = &mut self.entries[e];
            let before: Vec<(ResId, i64)> = if entry.top {
                entry
                    .quota
                    .guarantee
                    .iter()
                    .map(|&(id, _)| (id, entry.unmet(id)))
                    .collect()
            } else {
                Vec::new()
            };
            for r in resources {
                let Value::Scalar(amount) = r.value else {
                    continue;
                };
                if r.role
                    .as_deref()
                    .is_some_and(|held| is_in_subtree(held, &entry.role))
                {
                    continue;
                }
                entry.consumed.add(names.id(&r.name), amount.milli());
            }
            for (id, unmet) in before {
                self.required.add(id, entry.unmet(id) - unmet);
            }
            let wanting = entry.any_unmet();
            if entry.wanting && !wanting {
                self.wanting -= 1;
            }
            entry.wanting = wanting;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> Resources {
        Resources::parse(text).expect("test resources")
    }

    #[test]
    fn quota_must_be_unreserved_scalars_within_the_limit() {
        let mut names = ResNames::default();
        let q = parse_quota(&mut names, "a", &r("cpus:2"), Some(&r("cpus:4;mem:10")))
            .expect("valid")
            .expect("some");
        assert_eq!(q.guarantee, [(CPUS, 2000)]);
        assert_eq!(q.limit, [(CPUS, 4000), (MEM, 10_000)]);
        let e = parse_quota(&mut names, "a", &r("cpus:5"), Some(&r("cpus:4"))).unwrap_err();
        assert!(e.to_string().contains("exceeds limit"), "{e}");
        let e = parse_quota(&mut names, "a", &r("cpus(a):1"), None).unwrap_err();
        assert!(e.to_string().contains("only unreserved scalars"), "{e}");
        let e = parse_quota(&mut names, "a", &r("ports:[1-2]"), None).unwrap_err();
        assert!(e.to_string().contains("'ports:[1-2]'"), "{e}");
        let e = parse_quota(&mut names, "*", &r("cpus:1"), None).unwrap_err();
        assert!(e.to_string().contains("'*'"), "{e}");
        assert!(parse_quota(&mut names, "a/", &r("cpus:1"), None).is_err());
        assert_eq!(
            parse_quota(&mut names, "a", &Resources::new(), None),
            Ok(None)
        );
    }

    #[test]
    fn prefixes_walk_down_the_path() {
        assert_eq!(prefixes("a/b/c").collect::<Vec<_>>(), ["a", "a/b", "a/b/c"]);
        assert_eq!(prefixes("x").collect::<Vec<_>>(), ["x"]);
    }
}
