//! The containers a containerizer knows, alike in every containerizer: those alive, by id, and
//! the ends of the last [`ENDED_KEPT`] that terminated, for a `wait` that comes after the end.

use crate::container::Container;
use crate::model::ContainerTermination;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

/// Ends remembered at most; older ones are forgotten first.
pub const ENDED_KEPT: usize = 1000;

/// Live containers by id, and recent ends (newest last).
#[derive(Debug)]
pub struct Containers<S> {
    live: Mutex<HashMap<String, Arc<Container<S>>>>,
    ended: Mutex<VecDeque<(String, ContainerTermination)>>,
}

impl<S> Default for Containers<S> {
    fn default() -> Self {
        Containers {
            live: Mutex::new(HashMap::new()),
            ended: Mutex::new(VecDeque::new()),
        }
    }
}

impl<S> Containers<S> {
    pub fn lock_live(&self) -> MutexGuard<'_, HashMap<String, Arc<Container<S>>>> {
        // A panic while holding the lock leaves plain data behind; keep going with it.
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, id: &str) -> Option<Arc<Container<S>>> {
        self.lock_live().get(id).cloned()
    }

    /// The live containers, sorted by id (`GET_CONTAINERS` lists them so).
    pub fn sorted(&self) -> Vec<Arc<Container<S>>> {
        let mut live: Vec<Arc<Container<S>>> = self.lock_live().values().cloned().collect();
        live.sort_by(|a, b| a.id.cmp(&b.id));
        live
    }

    /// The end of the latest container named `id` that terminated, if still remembered.
    pub fn ended(&self, id: &str) -> Option<ContainerTermination> {
        let ended = self.ended.lock().unwrap_or_else(|e| e.into_inner());
        ended
            .iter()
            .rev()
            .find(|(ended_id, _)| ended_id == id)
            .map(|(_, t)| t.clone())
    }

    pub fn remember(&self, id: &str, termination: ContainerTermination) {
        let mut ended = self.ended.lock().unwrap_or_else(|e| e.into_inner());
        ended.push_back((id.to_string(), termination));
        while ended.len() > ENDED_KEPT {
            ended.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(status: i32) -> ContainerTermination {
        ContainerTermination {
            exit_status: Some(status),
            state: Default::default(),
            reason: None,
            message: String::new(),
            limitation: None,
        }
    }

    #[test]
    fn the_latest_end_of_an_id_wins_and_old_ends_are_forgotten() {
        let containers = Containers::<()>::default();
        assert!(containers.ended("a").is_none());
        containers.remember("a", end(1));
        containers.remember("a", end(2));
        assert_eq!(containers.ended("a").and_then(|t| t.exit_status), Some(2));
        for i in 0..ENDED_KEPT {
            containers.remember(&format!("other-{i}"), end(0));
        }
        assert!(containers.ended("a").is_none());
        assert!(containers.get("a").is_none());
    }
}
