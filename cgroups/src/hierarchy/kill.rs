//! `kill_all`: every process of a cgroup tree dies, including those forked while we kill.

use super::{checked_non_root, Cgroups};
use crate::{CgroupError, Result};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long to wait for a v1 freezer to leave FREEZING before killing anyway.
const FREEZE_WAIT: Duration = Duration::from_secs(1);
/// How long to wait for killed processes to leave `cgroup.procs` before another round.
const ROUND_WAIT: Duration = Duration::from_millis(200);
const POLL: Duration = Duration::from_millis(10);

/// How a cgroup can be frozen, so that nothing forks between reading the pids and killing them.
struct Freezer {
    file: PathBuf,
    frozen: &'static str,
    thawed: &'static str,
}

impl Freezer {
    fn of(cgroups: &Cgroups, dir: &Path) -> Option<Freezer> {
        let (name, frozen, thawed) = if cgroups.mode().is_unified() {
            ("cgroup.freeze", "1", "0")
        } else {
            ("freezer.state", "FROZEN", "THAWED")
        };
        let file = dir.join(name);
        cgroups.fs().exists(&file).then_some(Freezer {
            file,
            frozen,
            thawed,
        })
    }
}

impl Cgroups {
    /// Kills every process of the cgroup tree and waits until it is empty, for at most the
    /// kill timeout (10 s), after which the error names the pids left. v2 uses `cgroup.kill`
    /// when present; otherwise rounds of freeze (v1 `freezer.state`, v2 `cgroup.freeze`, when
    /// the cgroup has them), SIGKILL each pid, thaw. A missing cgroup is fine.
    pub fn kill_all(&self, controller: &str, cgroup: &str) -> Result<()> {
        let dir = self.path(controller, checked_non_root(cgroup)?);
        if !self.fs().exists(&dir) {
            return Ok(());
        }
        let start = Instant::now();
        let deadline = start + self.kill_timeout();
        let kill_file = dir.join("cgroup.kill");
        let use_kill_file = self.mode().is_unified() && self.fs().exists(&kill_file);
        let freezer = Freezer::of(self, &dir);
        loop {
            let pids = match self.live_processes(&dir)? {
                None => return Ok(()),
                Some(pids) if pids.is_empty() => return Ok(()),
                Some(pids) => pids,
            };
            if Instant::now() >= deadline {
                return Err(CgroupError::KillTimeout {
                    path: dir,
                    pids,
                    waited: start.elapsed(),
                });
            }
            if use_kill_file {
                match self.fs().write(&kill_file, "1") {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                    Err(e) => return Err(CgroupError::write(&kill_file, "1", e)),
                }
            } else {
                self.kill_round(&dir, freezer.as_ref())?;
            }
            self.wait_empty(
                &dir,
                ROUND_WAIT.min(deadline.saturating_duration_since(Instant::now())),
            )?;
        }
    }

    /// The processes of `dir`'s tree; `None` once the cgroup is gone.
    fn live_processes(&self, dir: &Path) -> Result<Option<Vec<i32>>> {
        match self.processes_at(dir) {
            Ok(mut pids) => {
                pids.sort_unstable();
                pids.dedup();
                Ok(Some(pids))
            }
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Freeze, SIGKILL everything, thaw: a frozen process receives the signal on thaw and
    /// cannot fork in between.
    fn kill_round(&self, dir: &Path, freezer: Option<&Freezer>) -> Result<()> {
        if let Some(f) = freezer {
            self.set_freezer(f, f.frozen)?;
            self.wait_frozen(dir, f);
        }
        let pids = self.live_processes(dir)?.unwrap_or_default();
        let mut failure = None;
        for pid in pids {
            if let Err(e) = self.fs().kill(pid) {
                failure.get_or_insert(CgroupError::Signal {
                    pid,
                    path: dir.to_path_buf(),
                    source: e,
                });
            }
        }
        // Always thaw: a cgroup left frozen would hold its processes forever.
        if let Some(f) = freezer {
            self.set_freezer(f, f.thawed)?;
        }
        failure.map_or(Ok(()), Err)
    }

    fn set_freezer(&self, freezer: &Freezer, state: &str) -> Result<()> {
        match self.fs().write(&freezer.file, state) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(CgroupError::write(&freezer.file, state, e)),
        }
    }

    /// Waits briefly for the freeze to complete: v1 reads FREEZING until every task stopped,
    /// v2 says `frozen 1` in `cgroup.events`. Killing proceeds either way.
    fn wait_frozen(&self, dir: &Path, freezer: &Freezer) {
        let deadline = Instant::now() + FREEZE_WAIT;
        loop {
            let done = if self.mode().is_unified() {
                self.fs()
                    .read(&dir.join("cgroup.events"))
                    .map(|t| t.lines().any(|l| l.trim() == "frozen 1"))
                    .unwrap_or(true)
            } else {
                self.fs()
                    .read(&freezer.file)
                    .map(|t| t.trim() == freezer.frozen)
                    .unwrap_or(true)
            };
            if done || Instant::now() >= deadline {
                return;
            }
            self.fs().pause(POLL);
        }
    }

    fn wait_empty(&self, dir: &Path, within: Duration) -> Result<()> {
        let deadline = Instant::now() + within;
        loop {
            match self.live_processes(dir)? {
                None => return Ok(()),
                Some(pids) if pids.is_empty() => return Ok(()),
                Some(_) if Instant::now() >= deadline => return Ok(()),
                Some(_) => self.fs().pause(POLL),
            }
        }
    }
}
