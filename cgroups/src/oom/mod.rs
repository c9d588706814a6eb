//! OOM notification for a memory cgroup: a blocking [`OomWatch::wait`] for a watcher thread,
//! cancellable from another thread.

use crate::fs::{CgroupFs, OomNotifier, Wake};
use crate::hierarchy::checked_non_root;
use crate::{parse_flat_keyed, CgroupError, Cgroups, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How often a wait re-reads the counters even without a kernel signal, so that a missed or
/// coalesced notification costs at most this delay.
const RECHECK: Duration = Duration::from_secs(1);
/// After a signal that showed nothing yet (v1 signals on entering OOM, before the kill is
/// counted), re-read this often, this many times.
const FOLLOW_UP: Duration = Duration::from_millis(20);
const FOLLOW_UPS: u32 = 50;

/// Why [`OomWatch::wait`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OomEvent {
    /// The OOM killer acted in the cgroup (or it is under OOM now).
    Oom,
    /// The cgroup is gone.
    Removed,
    Cancelled,
}

/// A memory cgroup's OOM watch. `Send + Sync`: share it (`Arc`) between the thread that waits
/// and the one that cancels.
pub struct OomWatch {
    fs: Arc<dyn CgroupFs>,
    dir: PathBuf,
    unified: bool,
    /// The OOM-kill count when the watch started: only kills after it count.
    baseline: u64,
    notifier: Box<dyn OomNotifier>,
}

impl std::fmt::Debug for OomWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OomWatch")
            .field("dir", &self.dir)
            .field("unified", &self.unified)
            .field("baseline", &self.baseline)
            .finish()
    }
}

/// What the counters say now.
struct Counters {
    oom_kill: Option<u64>,
    under_oom: bool,
}

impl Cgroups {
    /// Starts watching the memory cgroup for OOM kills (v1 eventfd on `memory.oom_control`,
    /// v2 `memory.events`).
    pub fn watch_oom(&self, cgroup: &str) -> Result<OomWatch> {
        let dir = self.path("memory", checked_non_root(cgroup)?);
        let unified = self.mode().is_unified();
        let fs = self.fs_arc();
        let notifier = fs.oom_notifier(&dir, unified).map_err(|e| {
            let what = if unified {
                "watch memory.events of"
            } else {
                "register an OOM eventfd for"
            };
            CgroupError::io(what, &dir, e)
        })?;
        let baseline = counters(&*fs, &dir, unified)?.oom_kill.unwrap_or(0);
        Ok(OomWatch {
            fs,
            dir,
            unified,
            baseline,
            notifier,
        })
    }
}

fn counters(fs: &dyn CgroupFs, dir: &Path, unified: bool) -> Result<Counters> {
    let file = dir.join(if unified {
        "memory.events"
    } else {
        "memory.oom_control"
    });
    let text = fs
        .read(&file)
        .map_err(|e| CgroupError::io("read", &file, e))?;
    let map = parse_flat_keyed(&file, &text)?;
    Ok(Counters {
        oom_kill: map.get("oom_kill").copied(),
        under_oom: map.get("under_oom").is_some_and(|v| *v != 0),
    })
}

impl OomWatch {
    /// The memory cgroup watched.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Blocks until an OOM kill, the cgroup's removal, or [`OomWatch::cancel`].
    pub fn wait(&self) -> Result<OomEvent> {
        let mut follow_ups = 0;
        loop {
            let timeout = if follow_ups > 0 { FOLLOW_UP } else { RECHECK };
            let wake = self
                .notifier
                .wait(timeout)
                .map_err(|e| CgroupError::io("wait for an OOM of", &self.dir, e))?;
            if wake == Wake::Cancelled {
                return Ok(OomEvent::Cancelled);
            }
            let signalled = wake == Wake::Signalled;
            if let Some(event) = self.check(signalled)? {
                return Ok(event);
            }
            follow_ups = if signalled {
                FOLLOW_UPS
            } else {
                follow_ups.saturating_sub(1)
            };
        }
    }

    fn check(&self, signalled: bool) -> Result<Option<OomEvent>> {
        if !self.fs.exists(&self.dir) {
            return Ok(Some(OomEvent::Removed));
        }
        let now = match counters(&*self.fs, &self.dir, self.unified) {
            Ok(now) => now,
            Err(e) if e.is_not_found() => return Ok(Some(OomEvent::Removed)),
            Err(e) => return Err(e),
        };
        let oom = match now.oom_kill {
            Some(kills) => kills > self.baseline || now.under_oom,
            // Old v1 kernels count nothing: their eventfd fires only on OOM or removal, and
            // removal was ruled out above.
            None => now.under_oom || (signalled && !self.unified),
        };
        Ok(oom.then_some(OomEvent::Oom))
    }

    /// Makes the current and every later `wait` return [`OomEvent::Cancelled`].
    pub fn cancel(&self) {
        self.notifier.cancel()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FakeFs, Mode};

    fn fake(mode: Mode) -> (Arc<FakeFs>, Cgroups, &'static str) {
        let fs = FakeFs::new();
        let (dir, file, content) = if mode.is_unified() {
            ("/cg/c1", "memory.events", "oom 1\noom_kill 1\n")
        } else {
            (
                "/cg/memory/c1",
                "memory.oom_control",
                "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
            )
        };
        fs.dir(dir).file(format!("{dir}/{file}"), content);
        (
            fs.clone(),
            Cgroups::with_fs(Path::new("/cg"), mode, fs),
            dir,
        )
    }

    #[test]
    fn v1_oom_after_the_baseline() {
        let (fs, cg, dir) = fake(Mode::Legacy);
        let watch = Arc::new(cg.watch_oom("c1").unwrap());
        let waiter = {
            let watch = Arc::clone(&watch);
            std::thread::spawn(move || watch.wait())
        };
        // A signal without a new kill is not an OOM (the baseline was 2).
        fs.signal_oom(dir);
        fs.file(
            format!("{dir}/memory.oom_control"),
            "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n",
        );
        fs.signal_oom(dir);
        assert_eq!(waiter.join().unwrap().unwrap(), OomEvent::Oom);
    }

    #[test]
    fn v2_oom_from_memory_events() {
        let (fs, cg, dir) = fake(Mode::Unified);
        let watch = cg.watch_oom("c1").unwrap();
        fs.file(format!("{dir}/memory.events"), "oom 2\noom_kill 2\n");
        fs.signal_oom(dir);
        assert_eq!(watch.wait().unwrap(), OomEvent::Oom);
    }

    #[test]
    fn removal_and_cancel_end_the_wait() {
        let (fs, cg, dir) = fake(Mode::Legacy);
        let watch = cg.watch_oom("c1").unwrap();
        fs.rmdir(Path::new(dir)).unwrap();
        assert_eq!(watch.wait().unwrap(), OomEvent::Removed);

        let (_, cg, _) = fake(Mode::Unified);
        let watch = Arc::new(cg.watch_oom("c1").unwrap());
        let waiter = {
            let watch = Arc::clone(&watch);
            std::thread::spawn(move || watch.wait())
        };
        watch.cancel();
        assert_eq!(waiter.join().unwrap().unwrap(), OomEvent::Cancelled);
    }

    #[test]
    fn watching_a_missing_cgroup_fails_naming_it() {
        let (_, cg, _) = fake(Mode::Legacy);
        let e = cg.watch_oom("c9").unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot register an OOM eventfd for /cg/memory/c9: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn watch_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<OomWatch>();
        assert_send_sync::<Cgroups>();
    }
}
