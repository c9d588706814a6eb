//! The OOM watcher thread of one container and the limitation it raises.

use super::NAME;
use crate::bytes::format_bytes;
use crate::cgroups::Subsystem;
use crate::IsolatorError;
use modkit_cgroups::{Cgroups, OomEvent, OomWatch};
use modkit_ffi::resources::Resources;
use modkit_ffi::sdk::LimitationSink;
use modkit_ffi::types::{ContainerLimitation, Reason};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// What a container asked for: the hard limit set and the `mem` resources behind it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Requested {
    pub limit: u64,
    pub resources: Resources,
}

/// Mesos's OOM message: the limit, the peak usage, and `memory.stat` as read.
pub fn oom_message(limit: u64, max_used: Option<u64>, memory_stat: &str) -> String {
    let used = max_used.map_or_else(|| "unknown".to_string(), format_bytes);
    format!(
        "Memory limit exceeded: Requested: {}, Maximum Used: {used}\n\nMEMORY STATISTICS: \n{memory_stat}",
        format_bytes(limit)
    )
}

/// The limitation for an OOM in `cgroup`, with the figures read now.
fn limitation(cgroups: &Cgroups, cgroup: &str, requested: &Requested) -> ContainerLimitation {
    let memory = cgroups.memory(cgroup);
    let max_used = match memory.max_usage() {
        Ok(Some(peak)) => Some(peak),
        // v2 before memory.peak: the usage now is the best figure left.
        Ok(None) => memory.usage().ok(),
        Err(_) => None,
    };
    let stat = memory
        .stat_text()
        .unwrap_or_else(|e| format!("(unavailable: {e})\n"));
    ContainerLimitation::new(
        requested.resources.clone(),
        oom_message(requested.limit, max_used, &stat),
        Reason::ContainerLimitationMemory,
    )
}

/// Whether the kernel's OOM killer has killed a process of `cgroup` (v1 `memory.oom_control`
/// or v2 `memory.events`, `oom_kill`); false when the counter cannot be read.
fn oom_killed(cgroups: &Cgroups, cgroup: &str) -> bool {
    let memory = cgroups.memory(cgroup);
    let count = match memory.oom_control() {
        Ok(control) => control.oom_kill,
        Err(_) => memory
            .events()
            .ok()
            .and_then(|events| events.get("oom_kill").copied()),
    };
    count.is_some_and(|n| n > 0)
}

/// A thread blocked on the container's OOM watch; stopped by [`Watcher::stop`].
pub(super) struct Watcher {
    watch: Arc<OomWatch>,
    thread: Option<JoinHandle<()>>,
    oom: Arc<Oom>,
}

/// Raises the container's OOM limitation, from the watch thread or, for a kill the thread
/// missed, from `stop`.
struct Oom {
    cgroups: Cgroups,
    cgroup: String,
    requested: Arc<Mutex<Requested>>,
    sink: LimitationSink,
    /// Set once the limitation was raised.
    raised: AtomicBool,
}

impl Oom {
    fn raise(&self) {
        let requested = self
            .requested
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        self.raised.store(true, Ordering::SeqCst);
        self.sink
            .raise(limitation(&self.cgroups, &self.cgroup, &requested));
    }
}

impl Watcher {
    pub fn start(
        sys: &Subsystem,
        container_id: &str,
        cgroup: &str,
        requested: Arc<Mutex<Requested>>,
        sink: LimitationSink,
    ) -> Result<Watcher, IsolatorError> {
        let watch = Arc::new(
            sys.cgroups
                .watch_oom(cgroup)
                .map_err(|e| sys.error(container_id, e))?,
        );
        let oom = Arc::new(Oom {
            cgroups: sys.cgroups.clone(),
            cgroup: cgroup.to_string(),
            requested,
            sink,
            raised: AtomicBool::new(false),
        });
        let thread = {
            let watch = Arc::clone(&watch);
            let oom = Arc::clone(&oom);
            let id = container_id.to_string();
            std::thread::Builder::new()
                .name("modkit-oom".into())
                .spawn(move || match watch.wait() {
                    Ok(OomEvent::Oom) => {
                        tracing::info!(container = %id, "{NAME}: OOM in {}", oom.cgroup);
                        oom.raise();
                    }
                    Ok(OomEvent::Removed | OomEvent::Cancelled) => {}
                    Err(e) => {
                        tracing::warn!(container = %id, "{NAME}: OOM watch failed: {e}")
                    }
                })
                .map_err(|source| IsolatorError::Thread {
                    isolator: NAME,
                    container_id: container_id.to_string(),
                    source,
                })?
        };
        Ok(Watcher {
            watch,
            thread: Some(thread),
            oom,
        })
    }

    /// Cancels the watch and joins the thread, unless called from that thread (a sink that
    /// cleans up the container synchronously), which is ending anyway. An OOM kill the thread
    /// has not reported yet (the notification loses the race with the reaper on a busy
    /// machine) is raised here, from the kernel's counter, so it is never lost.
    pub fn stop(mut self) {
        self.watch.cancel();
        if let Some(thread) = self.thread.take() {
            if thread.thread().id() != std::thread::current().id() {
                let _ = thread.join();
            }
        }
        let oom = &self.oom;
        if !oom.raised.load(Ordering::SeqCst) && oom_killed(&oom.cgroups, &oom.cgroup) {
            tracing::info!("{NAME}: OOM kill counted in {} at cleanup", oom.cgroup);
            oom.raise();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_like_mesos() {
        let stat = "cache 0\nrss 33554432\n";
        assert_eq!(
            oom_message(64 << 20, Some(64 << 20), stat),
            "Memory limit exceeded: Requested: 64MB, Maximum Used: 64MB\n\n\
             MEMORY STATISTICS: \ncache 0\nrss 33554432\n"
        );
        assert_eq!(
            oom_message(1 << 30, None, ""),
            "Memory limit exceeded: Requested: 1GB, Maximum Used: unknown\n\nMEMORY STATISTICS: \n"
        );
        assert!(oom_message(32 << 20, Some(33_550_336), "").contains("Maximum Used: 32764KB"));
    }
}
