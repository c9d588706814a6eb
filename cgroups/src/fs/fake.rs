//! An in-memory cgroupfs for unit tests, here and in the crates above: directories, control
//! files created with each new cgroup (a template, as the kernel does), `cgroup.procs`,
//! `cgroup.kill`, busy directories, processes that ignore SIGKILL and OOM signals. Every
//! mutation is logged so tests can check the order of operations.

use super::{CgroupFs, OomNotifier, Wake};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

#[derive(Debug, Default)]
struct State {
    dirs: BTreeSet<PathBuf>,
    files: BTreeMap<PathBuf, String>,
    templates: Vec<(PathBuf, Vec<(String, String)>)>,
    log: Vec<String>,
    unkillable: BTreeSet<i32>,
    busy: BTreeMap<PathBuf, u32>,
    notifiers: Vec<(PathBuf, Arc<FakeNotifier>)>,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct FakeFs {
    state: Mutex<State>,
}

fn os_error(code: i32) -> io::Error {
    io::Error::from_raw_os_error(code)
}

impl State {
    fn add_dir(&mut self, path: &Path) {
        if !self.dirs.insert(path.to_path_buf()) {
            return;
        }
        let files: Vec<(String, String)> = self
            .templates
            .iter()
            .filter(|(root, _)| path.starts_with(root) && path != root)
            .flat_map(|(_, files)| files.iter().cloned())
            .collect();
        for (name, content) in files {
            self.files.insert(path.join(name), content);
        }
    }

    fn kill(&mut self, pid: i32) {
        if self.unkillable.contains(&pid) {
            return;
        }
        let gone = pid.to_string();
        for (path, content) in self.files.iter_mut() {
            if path.file_name().is_some_and(|n| n == "cgroup.procs") {
                *content = content
                    .lines()
                    .filter(|line| line.trim() != gone)
                    .map(|line| format!("{line}\n"))
                    .collect();
            }
        }
    }

    fn pids_under(&self, dir: &Path) -> Vec<i32> {
        self.files
            .iter()
            .filter(|(path, _)| {
                path.starts_with(dir) && path.file_name().is_some_and(|n| n == "cgroup.procs")
            })
            .flat_map(|(_, content)| content.lines().filter_map(|l| l.trim().parse().ok()))
            .collect()
    }
}

impl FakeFs {
    pub fn new() -> Arc<FakeFs> {
        Arc::new(FakeFs::default())
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not hide the state from the others.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every directory created below `root` (not `root` itself) gets these files, as the
    /// kernel gives each new cgroup its control files.
    pub fn template(&self, root: impl AsRef<Path>, files: &[(&str, &str)]) -> &Self {
        let files = files
            .iter()
            .map(|(n, c)| (n.to_string(), c.to_string()))
            .collect();
        self.state()
            .templates
            .push((root.as_ref().to_path_buf(), files));
        self
    }

    /// Creates `path` and its missing parents (templates apply), without logging.
    pub fn dir(&self, path: impl AsRef<Path>) -> &Self {
        let mut state = self.state();
        for ancestor in path
            .as_ref()
            .ancestors()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
        {
            state.add_dir(ancestor);
        }
        self
    }

    /// Sets a file's content, creating its directory if needed, without logging.
    pub fn file(&self, path: impl AsRef<Path>, content: &str) -> &Self {
        let path = path.as_ref();
        if let Some(parent) = path.parent() {
            self.dir(parent);
        }
        self.state()
            .files
            .insert(path.to_path_buf(), content.to_string());
        self
    }

    pub fn contents(&self, path: impl AsRef<Path>) -> Option<String> {
        self.state().files.get(path.as_ref()).cloned()
    }

    pub fn has_dir(&self, path: impl AsRef<Path>) -> bool {
        self.state().dirs.contains(path.as_ref())
    }

    /// Puts processes into the cgroup at `dir`, without logging.
    pub fn add_procs(&self, dir: impl AsRef<Path>, pids: &[i32]) -> &Self {
        let path = dir.as_ref().join("cgroup.procs");
        let mut state = self.state();
        let content = state.files.entry(path).or_default();
        for pid in pids {
            content.push_str(&format!("{pid}\n"));
        }
        self
    }

    /// `pid` survives SIGKILL (a process stuck in the kernel).
    pub fn unkillable(&self, pid: i32) -> &Self {
        self.state().unkillable.insert(pid);
        self
    }

    /// The next `times` rmdirs of `dir` fail with EBUSY.
    pub fn busy(&self, dir: impl AsRef<Path>, times: u32) -> &Self {
        self.state().busy.insert(dir.as_ref().to_path_buf(), times);
        self
    }

    /// Wakes the OOM notifiers armed for `dir`.
    pub fn signal_oom(&self, dir: impl AsRef<Path>) {
        let state = self.state();
        for (path, notifier) in &state.notifiers {
            if path == dir.as_ref() {
                notifier.signal();
            }
        }
    }

    /// The mutations so far: `mkdir P`, `rmdir P`, `write P VALUE`, `kill PID`.
    pub fn log(&self) -> Vec<String> {
        self.state().log.clone()
    }

    pub fn clear_log(&self) {
        self.state().log.clear();
    }
}

impl CgroupFs for FakeFs {
    fn read(&self, path: &Path) -> io::Result<String> {
        let state = self.state();
        if state.dirs.contains(path) {
            return Err(os_error(libc::EISDIR));
        }
        state
            .files
            .get(path)
            .cloned()
            .ok_or_else(|| os_error(libc::ENOENT))
    }

    fn write(&self, path: &Path, value: &str) -> io::Result<()> {
        let mut state = self.state();
        if !state.files.contains_key(path) {
            return Err(os_error(libc::ENOENT));
        }
        state.log.push(format!("write {} {value}", path.display()));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        match name {
            "cgroup.procs" => {
                let content = state.files.entry(path.to_path_buf()).or_default();
                content.push_str(value.trim());
                content.push('\n');
            }
            "cgroup.kill" if value.trim() == "1" => {
                let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
                for pid in state.pids_under(&dir) {
                    state.kill(pid);
                }
            }
            "cgroup.freeze" => {
                // The kernel reports the completed freeze in cgroup.events.
                state.files.insert(path.to_path_buf(), value.to_string());
                let events = path.with_file_name("cgroup.events");
                if let Some(content) = state.files.get_mut(&events) {
                    *content = content
                        .lines()
                        .map(|line| {
                            if line.starts_with("frozen ") {
                                format!("frozen {}\n", value.trim())
                            } else {
                                format!("{line}\n")
                            }
                        })
                        .collect();
                }
            }
            _ => {
                state.files.insert(path.to_path_buf(), value.to_string());
            }
        }
        Ok(())
    }

    fn mkdir(&self, path: &Path) -> io::Result<()> {
        let mut state = self.state();
        if state.dirs.contains(path) || state.files.contains_key(path) {
            return Err(os_error(libc::EEXIST));
        }
        match path.parent() {
            Some(parent) if state.dirs.contains(parent) => {}
            _ => return Err(os_error(libc::ENOENT)),
        }
        state.log.push(format!("mkdir {}", path.display()));
        state.add_dir(path);
        Ok(())
    }

    fn rmdir(&self, path: &Path) -> io::Result<()> {
        let mut state = self.state();
        if !state.dirs.contains(path) {
            return Err(os_error(libc::ENOENT));
        }
        if state
            .dirs
            .iter()
            .any(|d| d.parent() == Some(path) && d != path)
        {
            return Err(os_error(libc::ENOTEMPTY));
        }
        if let Some(times) = state.busy.get_mut(path).filter(|t| **t > 0) {
            *times -= 1;
            return Err(os_error(libc::EBUSY));
        }
        if !state.pids_under(path).is_empty() {
            return Err(os_error(libc::EBUSY));
        }
        state.log.push(format!("rmdir {}", path.display()));
        state.dirs.remove(path);
        state.files.retain(|f, _| f.parent() != Some(path));
        for (dir, notifier) in &state.notifiers {
            if dir == path {
                notifier.signal();
            }
        }
        Ok(())
    }

    fn list_dirs(&self, path: &Path) -> io::Result<Vec<String>> {
        let state = self.state();
        if !state.dirs.contains(path) {
            return Err(os_error(libc::ENOENT));
        }
        Ok(state
            .dirs
            .iter()
            .filter(|d| d.parent() == Some(path) && *d != path)
            .filter_map(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect())
    }

    fn exists(&self, path: &Path) -> bool {
        let state = self.state();
        state.dirs.contains(path) || state.files.contains_key(path)
    }

    fn kill(&self, pid: i32) -> io::Result<()> {
        let mut state = self.state();
        state.log.push(format!("kill {pid}"));
        state.kill(pid);
        Ok(())
    }

    fn oom_notifier(&self, dir: &Path, _unified: bool) -> io::Result<Box<dyn OomNotifier>> {
        let mut state = self.state();
        if !state.dirs.contains(dir) {
            return Err(os_error(libc::ENOENT));
        }
        let notifier = Arc::new(FakeNotifier::default());
        state
            .notifiers
            .push((dir.to_path_buf(), Arc::clone(&notifier)));
        Ok(Box::new(SharedNotifier(notifier)))
    }

    fn pause(&self, duration: Duration) {
        std::thread::sleep(duration.min(Duration::from_millis(1)));
    }
}

#[derive(Debug, Default)]
struct FakeNotifier {
    /// (pending signals, cancelled)
    state: Mutex<(u32, bool)>,
    changed: Condvar,
}

impl FakeNotifier {
    fn signal(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.0 += 1;
        self.changed.notify_all();
    }
}

struct SharedNotifier(Arc<FakeNotifier>);

impl OomNotifier for SharedNotifier {
    fn wait(&self, timeout: Duration) -> io::Result<Wake> {
        let guard = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        let (mut state, _) = self
            .0
            .changed
            .wait_timeout_while(guard, timeout, |(signals, cancelled)| {
                *signals == 0 && !*cancelled
            })
            .unwrap_or_else(|e| e.into_inner());
        Ok(if state.1 {
            Wake::Cancelled
        } else if state.0 > 0 {
            state.0 -= 1;
            Wake::Signalled
        } else {
            Wake::TimedOut
        })
    }

    fn cancel(&self) {
        let mut state = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        state.1 = true;
        self.0.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_cgroupfs() {
        let fs = FakeFs::new();
        fs.template("/cg", &[("cgroup.procs", ""), ("cpu.shares", "1024\n")])
            .dir("/cg");
        assert_eq!(fs.read(Path::new("/cg/cgroup.procs")).ok(), None);
        fs.mkdir(Path::new("/cg/a")).unwrap();
        assert_eq!(fs.contents("/cg/a/cpu.shares").as_deref(), Some("1024\n"));
        assert_eq!(
            fs.mkdir(Path::new("/cg/a")).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert_eq!(
            fs.mkdir(Path::new("/cg/x/y")).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        fs.mkdir(Path::new("/cg/a/b")).unwrap();
        assert_eq!(fs.list_dirs(Path::new("/cg")).unwrap(), vec!["a"]);
        assert_eq!(
            fs.write(Path::new("/cg/a/nope"), "1").unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        fs.write(Path::new("/cg/a/b/cgroup.procs"), "42").unwrap();
        assert_eq!(
            fs.rmdir(Path::new("/cg/a")).unwrap_err().raw_os_error(),
            Some(libc::ENOTEMPTY)
        );
        assert_eq!(
            fs.rmdir(Path::new("/cg/a/b")).unwrap_err().raw_os_error(),
            Some(libc::EBUSY)
        );
        fs.kill(42).unwrap();
        fs.rmdir(Path::new("/cg/a/b")).unwrap();
        assert!(!fs.exists(Path::new("/cg/a/b/cgroup.procs")));
        assert_eq!(
            fs.log(),
            vec![
                "mkdir /cg/a",
                "mkdir /cg/a/b",
                "write /cg/a/b/cgroup.procs 42",
                "kill 42",
                "rmdir /cg/a/b"
            ]
        );
    }

    #[test]
    fn notifiers_wake_on_signal_and_removal_and_cancel() {
        let fs = FakeFs::new();
        fs.dir("/cg/m");
        let n = fs.oom_notifier(Path::new("/cg/m"), false).unwrap();
        assert_eq!(n.wait(Duration::from_millis(1)).unwrap(), Wake::TimedOut);
        fs.signal_oom("/cg/m");
        assert_eq!(n.wait(Duration::from_secs(5)).unwrap(), Wake::Signalled);
        fs.rmdir(Path::new("/cg/m")).unwrap();
        assert_eq!(n.wait(Duration::from_secs(5)).unwrap(), Wake::Signalled);
        n.cancel();
        assert_eq!(n.wait(Duration::from_secs(5)).unwrap(), Wake::Cancelled);
    }
}
