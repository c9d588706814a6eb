//! Per-container state of an isolator, behind a mutex: calls for different containers overlap.

use crate::IsolatorError;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

pub(crate) struct Containers<T> {
    isolator: &'static str,
    map: Mutex<HashMap<String, T>>,
}

impl<T> Containers<T> {
    pub fn new(isolator: &'static str) -> Self {
        Containers {
            isolator,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// A panic in one call must not make every later call fail: the map stays usable.
    pub fn lock(&self) -> MutexGuard<'_, HashMap<String, T>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn ensure_new(&self, container_id: &str) -> Result<(), IsolatorError> {
        if self.lock().contains_key(container_id) {
            return Err(IsolatorError::AlreadyPrepared {
                isolator: self.isolator,
                container_id: container_id.to_string(),
            });
        }
        Ok(())
    }

    pub fn insert(&self, container_id: &str, value: T) {
        self.lock().insert(container_id.to_string(), value);
    }

    pub fn unknown(&self, container_id: &str) -> IsolatorError {
        IsolatorError::UnknownContainer {
            isolator: self.isolator,
            container_id: container_id.to_string(),
        }
    }

    /// Runs `f` on the container's state, or fails naming the unknown container.
    pub fn with<R>(
        &self,
        container_id: &str,
        f: impl FnOnce(&mut T) -> R,
    ) -> Result<R, IsolatorError> {
        match self.lock().get_mut(container_id) {
            Some(value) => Ok(f(value)),
            None => Err(self.unknown(container_id)),
        }
    }

    pub fn remove(&self, container_id: &str) -> Option<T> {
        self.lock().remove(container_id)
    }
}
