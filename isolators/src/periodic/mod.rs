//! One background thread per isolator that checks every container each watch interval (the
//! disk and ports isolators poll: the kernel tells nobody when a sandbox grows or a socket
//! listens). The thread runs only while there are containers and ends with the isolator.

mod flags;

pub(crate) use flags::{parse_bool, parse_interval};

use crate::IsolatorError;
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Checks the containers that are due, outside any lock.
pub(crate) type Check<T> = dyn Fn(&[(String, Arc<T>)]) + Send + Sync;

struct Entry<T> {
    value: Arc<T>,
    due: Instant,
}

struct State<T> {
    containers: HashMap<String, Entry<T>>,
    running: bool,
    stopping: bool,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    wake: Condvar,
    interval: Duration,
    check: Box<Check<T>>,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Containers of `isolator` checked every `interval` by one thread named `name`.
pub(crate) struct Periodic<T: Send + Sync + 'static> {
    isolator: &'static str,
    name: &'static str,
    shared: Arc<Shared<T>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl<T: Send + Sync + 'static> Periodic<T> {
    pub fn new(
        isolator: &'static str,
        name: &'static str,
        interval: Duration,
        check: impl Fn(&[(String, Arc<T>)]) + Send + Sync + 'static,
    ) -> Self {
        Periodic {
            isolator,
            name,
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    containers: HashMap::new(),
                    running: false,
                    stopping: false,
                }),
                wake: Condvar::new(),
                interval,
                check: Box::new(check),
            }),
            thread: Mutex::new(None),
        }
    }

    pub fn contains(&self, container_id: &str) -> bool {
        self.shared.lock().containers.contains_key(container_id)
    }

    /// Fails naming the isolator and the container when the container is already watched.
    pub fn ensure_new(&self, container_id: &str) -> Result<(), IsolatorError> {
        if self.contains(container_id) {
            return Err(IsolatorError::AlreadyPrepared {
                isolator: self.isolator,
                container_id: container_id.to_string(),
            });
        }
        Ok(())
    }

    /// The container's state, or an error naming the isolator and the unknown container.
    pub fn get(&self, container_id: &str) -> Result<Arc<T>, IsolatorError> {
        let state = self.shared.lock();
        match state.containers.get(container_id) {
            Some(entry) => Ok(entry.value.clone()),
            None => Err(IsolatorError::UnknownContainer {
                isolator: self.isolator,
                container_id: container_id.to_string(),
            }),
        }
    }

    /// Adds a container, first checked one interval from now; starts the thread if needed.
    pub fn insert(&self, container_id: &str, value: Arc<T>) -> std::io::Result<()> {
        let mut state = self.shared.lock();
        state.containers.insert(
            container_id.to_string(),
            Entry {
                value,
                due: Instant::now() + self.shared.interval,
            },
        );
        if state.running {
            return Ok(());
        }
        let mut thread = self.thread.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = thread.take() {
            // It has seen no containers and is returning (it cleared `running` under the
            // lock we hold, and touches nothing after).
            let _ = old.join();
        }
        let shared = Arc::clone(&self.shared);
        match std::thread::Builder::new()
            .name(self.name.into())
            .spawn(move || run(&shared))
        {
            Ok(handle) => {
                state.running = true;
                *thread = Some(handle);
                Ok(())
            }
            Err(e) => {
                state.containers.remove(container_id);
                Err(e)
            }
        }
    }

    /// Checks the container at the next opportunity instead of waiting for its interval.
    pub fn check_soon(&self, container_id: &str) {
        let mut state = self.shared.lock();
        if let Some(entry) = state.containers.get_mut(container_id) {
            entry.due = Instant::now();
            self.shared.wake.notify_all();
        }
    }

    pub fn remove(&self, container_id: &str) -> Option<Arc<T>> {
        let removed = self.shared.lock().containers.remove(container_id);
        self.shared.wake.notify_all();
        removed.map(|e| e.value)
    }

    /// Whether the thread is running (tests check it ends).
    #[cfg(test)]
    pub fn running(&self) -> bool {
        self.shared.lock().running
    }
}

impl<T: Send + Sync + 'static> Drop for Periodic<T> {
    fn drop(&mut self) {
        self.shared.lock().stopping = true;
        self.shared.wake.notify_all();
        let handle = self
            .thread
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(handle) = handle {
            // Dropped from a check (a sink that ends the agent): the thread ends by itself.
            if handle.thread().id() != std::thread::current().id() {
                let _ = handle.join();
            }
        }
    }
}

fn run<T>(shared: &Shared<T>) {
    let mut state = shared.lock();
    loop {
        if state.stopping || state.containers.is_empty() {
            state.running = false;
            return;
        }
        let now = Instant::now();
        let next = state.containers.values().map(|e| e.due).min();
        match next {
            Some(due) if due > now => {
                state = shared
                    .wake
                    .wait_timeout(state, due - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
                continue;
            }
            _ => {}
        }
        let mut batch = Vec::new();
        for (id, entry) in state.containers.iter_mut() {
            if entry.due <= now {
                entry.due = now + shared.interval;
                batch.push((id.clone(), entry.value.clone()));
            }
        }
        drop(state);
        // A panicking check must not end the watch of every container.
        let checked =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (shared.check)(&batch)));
        if checked.is_err() {
            tracing::error!("a periodic container check panicked; checking again next interval");
        }
        state = shared.lock();
    }
}

#[cfg(test)]
mod tests;
