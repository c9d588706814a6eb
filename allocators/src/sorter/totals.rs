//! The pool shares are computed against: one running sum per resource, so a share never looks at
//! agents, plus each agent's own total so removing it subtracts exactly what it added. Agents of
//! one shape (most of a cluster) share one copy of their total.

use super::error::SorterError;
use super::quantity::{Delta, ResId};
use crate::fast_hash::FastMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

#[derive(Debug, Default)]
pub(crate) struct Totals {
    by_agent: FastMap<Box<str>, Arc<[(ResId, i64)]>>,
    /// The last agent's total, handed to the next agent of the same shape.
    last: Option<Arc<[(ResId, i64)]>>,
    sum: Vec<i64>,
}

impl Totals {
    /// Adds an agent's total (already read into `delta`).
    pub(crate) fn add_agent(&mut self, agent: &str, delta: &Delta) -> Result<(), SorterError> {
        let slot = match self.by_agent.entry(agent.into()) {
            Entry::Occupied(_) => return Err(SorterError::AgentExists(agent.to_string())),
            Entry::Vacant(slot) => slot,
        };
        let items = match &self.last {
            Some(last) if last.iter().copied().eq(delta.iter()) => last.clone(),
            _ => {
                let items: Arc<[(ResId, i64)]> = delta.iter().collect();
                self.last = Some(items.clone());
                items
            }
        };
        for &(id, milli) in items.iter() {
            if self.sum.len() <= id {
                self.sum.resize(id + 1, 0);
            }
            self.sum[id] += milli;
        }
        slot.insert(items);
        Ok(())
    }

    pub(crate) fn remove_agent(&mut self, agent: &str) -> Result<(), SorterError> {
        let items = self
            .by_agent
            .remove(agent)
            .ok_or_else(|| SorterError::UnknownAgent(agent.to_string()))?;
        for &(id, milli) in items.iter() {
            self.sum[id] -= milli;
        }
        Ok(())
    }

    /// Total per resource index, in thousandths; shorter than the name table when a resource was
    /// only ever allocated (its total is then 0).
    pub(crate) fn sum(&self) -> &[i64] {
        &self.sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delta(items: &[(ResId, i64)]) -> Delta {
        let mut d = Delta::default();
        items.iter().for_each(|&(id, m)| d.add(id, m));
        d
    }

    #[test]
    fn agents_add_up_and_come_off_exactly() {
        let mut t = Totals::default();
        t.add_agent("s1", &delta(&[(0, 1000), (1, 5000)])).unwrap();
        t.add_agent("s2", &delta(&[(1, 3000), (2, 7)])).unwrap();
        assert_eq!(t.sum(), &[1000, 8000, 7]);
        t.remove_agent("s1").unwrap();
        assert_eq!(t.sum(), &[0, 3000, 7]);
        // Agents of one shape share their total, and each comes off on its own.
        t.add_agent("s3", &delta(&[(1, 3000), (2, 7)])).unwrap();
        assert!(Arc::ptr_eq(&t.by_agent["s2"], &t.by_agent["s3"]));
        t.remove_agent("s2").unwrap();
        assert_eq!(t.sum(), &[0, 3000, 7]);
    }

    #[test]
    fn duplicate_and_unknown_agents_are_errors() {
        let mut t = Totals::default();
        t.add_agent("s1", &delta(&[])).unwrap();
        assert_eq!(
            t.add_agent("s1", &delta(&[])),
            Err(SorterError::AgentExists("s1".into()))
        );
        assert_eq!(
            t.remove_agent("s9"),
            Err(SorterError::UnknownAgent("s9".into()))
        );
    }
}
