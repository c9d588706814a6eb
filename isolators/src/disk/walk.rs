//! An in-process `du -s`: allocated blocks of a tree, walked with `openat`/`fstatat` relative
//! to directory descriptors so a task cannot redirect the walk through symlinks or renames.
//!
//! As `du`: symlinks are counted, never followed; a file with several hard links is counted
//! once (by device and inode); the root directory itself counts. Entries that vanish during
//! the walk are skipped silently (a task deleting files is normal); other unreadable entries
//! are counted in [`DiskUsage::unreadable`].
//!
//! The walk runs on up to [`DEFAULT_THREADS`] threads: a directory found while the shared
//! queue has room is queued for whichever thread is idle, otherwise walked where it was found.
//! Hard links are remembered in one set for all threads, so each is still counted once.

use std::collections::HashSet;
use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard};

#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("cannot measure {}: {source}", path.display())]
    Root {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// What a walk found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiskUsage {
    /// Allocated bytes (`st_blocks` × 512), which is what `du` reports.
    pub bytes: u64,
    /// Entries counted (files, directories, links, ...).
    pub entries: u64,
    /// Entries or directories that could not be read (not those that vanished).
    pub unreadable: u64,
}

/// How many directory descriptors one walk keeps open at most before it climbs back through
/// `..` instead: a deep tree must not exhaust the agent's descriptors.
pub const DEFAULT_MAX_OPEN: usize = 64;

/// Threads one walk uses at most (fewer on a machine with fewer cores): the walk is bound by
/// `fstatat`, which scales with cores.
pub const DEFAULT_THREADS: usize = 4;

/// The allocated size of `path` and everything below it.
pub fn disk_usage(path: &Path) -> Result<DiskUsage, WalkError> {
    Walker::default().measure(path)
}

/// A walker with a descriptor budget (tests use a tiny one).
#[derive(Clone, Copy, Debug)]
pub struct Walker {
    max_open: usize,
    threads: usize,
}

impl Default for Walker {
    fn default() -> Self {
        Walker {
            max_open: DEFAULT_MAX_OPEN,
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .min(DEFAULT_THREADS),
        }
    }
}

type Key = (u64, u64);

/// Files with more than one link already counted, for all threads of a walk.
type Linked = Mutex<HashSet<Key>>;

struct Walk<'a> {
    usage: DiskUsage,
    linked: &'a Linked,
    max_open: usize,
    /// The queue of a walk on several threads.
    queue: Option<&'a Queue>,
}

/// Directories waiting for a thread, each open (at most `max_open` of them).
struct Queue {
    state: Mutex<Pending>,
    changed: Condvar,
    max_open: usize,
}

struct Pending {
    dirs: Vec<(OwnedFd, Key)>,
    /// Threads walking a directory (which may queue more).
    busy: usize,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `dir` if there is room; gives it back otherwise.
    fn offer(&self, dir: OwnedFd, key: Key) -> Option<OwnedFd> {
        let mut pending = self.lock();
        if pending.dirs.len() >= self.max_open {
            return Some(dir);
        }
        pending.dirs.push((dir, key));
        drop(pending);
        self.changed.notify_one();
        None
    }

    /// The next directory, waiting while other threads may still queue one; none when all
    /// is walked.
    fn take(&self) -> Option<(OwnedFd, Key)> {
        let mut pending = self.lock();
        loop {
            if let Some(next) = pending.dirs.pop() {
                pending.busy += 1;
                return Some(next);
            }
            if pending.busy == 0 {
                return None;
            }
            pending = self
                .changed
                .wait(pending)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    fn done(&self) {
        let mut pending = self.lock();
        pending.busy -= 1;
        if pending.busy == 0 && pending.dirs.is_empty() {
            drop(pending);
            self.changed.notify_all();
        }
    }
}

impl Walker {
    pub fn with_max_open(max_open: usize) -> Walker {
        Walker {
            max_open: max_open.max(1),
            ..Walker::default()
        }
    }

    /// The same walker on `threads` threads (1: all on the caller's).
    pub fn with_threads(self, threads: usize) -> Walker {
        Walker {
            threads: threads.max(1),
            ..self
        }
    }

    pub fn measure(&self, path: &Path) -> Result<DiskUsage, WalkError> {
        let root_error = |source| WalkError::Root {
            path: path.to_path_buf(),
            source,
        };
        let c_path = CString::new(path.as_os_str().as_bytes())
            .map_err(|_| root_error(io::Error::from(io::ErrorKind::InvalidInput)))?;
        let stat = stat_at(libc::AT_FDCWD, &c_path).map_err(root_error)?;
        let linked = Linked::default();
        let mut walk = Walk {
            usage: DiskUsage::default(),
            linked: &linked,
            max_open: self.max_open,
            queue: None,
        };
        walk.count(&stat);
        if is_dir(&stat) {
            let dir = open_dir_at(libc::AT_FDCWD, &c_path).map_err(root_error)?;
            if self.threads <= 1 {
                walk.walk_dir(dir, key(&stat), 1);
            } else {
                let below = self.walk_parallel(dir, key(&stat), &linked);
                walk.usage.bytes = walk.usage.bytes.saturating_add(below.bytes);
                walk.usage.entries += below.entries;
                walk.usage.unreadable += below.unreadable;
            }
        }
        Ok(walk.usage)
    }

    /// Walks `dir` on `threads` threads sharing one queue of directories.
    fn walk_parallel(&self, dir: OwnedFd, key: Key, linked: &Linked) -> DiskUsage {
        let queue = Queue {
            state: Mutex::new(Pending {
                dirs: vec![(dir, key)],
                busy: 0,
            }),
            changed: Condvar::new(),
            max_open: self.max_open,
        };
        let work = || {
            let mut walk = Walk {
                usage: DiskUsage::default(),
                linked,
                max_open: self.max_open,
                queue: Some(&queue),
            };
            while let Some((dir, key)) = queue.take() {
                walk.walk_dir(dir, key, 1);
                queue.done();
            }
            walk.usage
        };
        std::thread::scope(|s| {
            let helpers: Vec<_> = (1..self.threads).map(|_| s.spawn(work)).collect();
            let mut total = work();
            for helper in helpers {
                // A helper that panicked lost its part: count it as unreadable.
                let part = helper.join().unwrap_or(DiskUsage {
                    unreadable: 1,
                    ..DiskUsage::default()
                });
                total.bytes = total.bytes.saturating_add(part.bytes);
                total.entries += part.entries;
                total.unreadable += part.unreadable;
            }
            total
        })
    }
}

impl Walk<'_> {
    // `st_nlink` is not u64 on every architecture.
    #[allow(clippy::unnecessary_cast)]
    fn count(&mut self, stat: &libc::stat) {
        let links = stat.st_nlink as u64;
        if links > 1 && !is_dir(stat) {
            let mut linked = self.linked.lock().unwrap_or_else(|e| e.into_inner());
            if !linked.insert(key(stat)) {
                return;
            }
        }
        self.usage.entries += 1;
        self.usage.bytes = self
            .usage
            .bytes
            .saturating_add((stat.st_blocks.max(0) as u64).saturating_mul(512));
    }

    /// Counts what is in `dir` and below; gives `dir` back (possibly reopened through a
    /// child's `..`), or `None` once it could not be found again.
    fn walk_dir(&mut self, dir: OwnedFd, own: Key, depth: usize) -> Option<OwnedFd> {
        let subdirs = self.read_entries(&dir);
        let mut dir = Some(dir);
        let mut pending = subdirs.into_iter();
        for (name, child_key) in pending.by_ref() {
            let Some(parent) = dir.take() else {
                break;
            };
            let child = match open_dir_at(parent.as_raw_fd(), &name) {
                Ok(child) => child,
                Err(e) => {
                    if !vanished(&e) {
                        self.usage.unreadable += 1;
                    }
                    dir = Some(parent);
                    continue;
                }
            };
            // Another thread may take it.
            let child = match self.queue {
                Some(queue) => match queue.offer(child, child_key) {
                    Some(child) => child,
                    None => {
                        dir = Some(parent);
                        continue;
                    }
                },
                None => child,
            };
            if depth < self.max_open {
                self.walk_dir(child, child_key, depth + 1);
                dir = Some(parent);
            } else {
                // Out of budget: close this level, come back through the child's `..` and
                // check it is still the same directory.
                drop(parent);
                dir = self
                    .walk_dir(child, child_key, depth + 1)
                    .and_then(|child| reopen_parent(&child, own));
            }
        }
        if dir.is_none() {
            // Lost the way back (the tree was moved): what was not walked is unreadable.
            self.usage.unreadable += 1 + pending.count() as u64;
        }
        dir
    }

    /// Counts every entry of `dir`; returns its subdirectories to walk.
    fn read_entries(&mut self, dir: &OwnedFd) -> Vec<(CString, Key)> {
        let mut subdirs = Vec::new();
        let mut stream = match DirStream::open(dir) {
            Ok(stream) => stream,
            Err(e) => {
                if !vanished(&e) {
                    self.usage.unreadable += 1;
                }
                return subdirs;
            }
        };
        while let Some(name) = stream.next_name() {
            let bytes = name.to_bytes();
            if bytes == b"." || bytes == b".." {
                continue;
            }
            match stat_at(dir.as_raw_fd(), name) {
                Ok(stat) => {
                    self.count(&stat);
                    if is_dir(&stat) {
                        subdirs.push((name.to_owned(), key(&stat)));
                    }
                }
                Err(e) if vanished(&e) => {}
                Err(_) => self.usage.unreadable += 1,
            }
        }
        subdirs
    }
}

// `st_dev` and `st_ino` are not u64 on every architecture.
#[allow(clippy::unnecessary_cast)]
fn key(stat: &libc::stat) -> Key {
    (stat.st_dev as u64, stat.st_ino as u64)
}

fn is_dir(stat: &libc::stat) -> bool {
    stat.st_mode & libc::S_IFMT == libc::S_IFDIR
}

/// Gone between listing and reading, or replaced by a non-directory.
fn vanished(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOENT) | Some(libc::ENOTDIR))
}

fn stat_at(dir: RawFd, name: &CStr) -> io::Result<libc::stat> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: `name` is NUL-terminated and `stat` is writable for one `struct stat`.
    let rc = unsafe {
        libc::fstatat(
            dir,
            name.as_ptr(),
            stat.as_mut_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fstatat succeeded, so it filled the whole struct.
    Ok(unsafe { stat.assume_init() })
}

fn open_dir_at(dir: RawFd, name: &CStr) -> io::Result<OwnedFd> {
    let flags = libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC;
    // SAFETY: `name` is NUL-terminated; openat has no other memory effects.
    let fd = unsafe { libc::openat(dir, name.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: openat returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `child/..`, if it is still the directory `expected`.
fn reopen_parent(child: &OwnedFd, expected: Key) -> Option<OwnedFd> {
    let parent = open_dir_at(child.as_raw_fd(), c"..").ok()?;
    let stat = stat_at(parent.as_raw_fd(), c".").ok()?;
    (key(&stat) == expected).then_some(parent)
}

/// A `readdir` stream over a duplicate of a directory descriptor, so the original stays
/// usable for `openat`.
struct DirStream(*mut libc::DIR);

impl DirStream {
    fn open(dir: &OwnedFd) -> io::Result<DirStream> {
        // SAFETY: dup has no memory effects; the copy is owned here until fdopendir takes it.
        let copy = unsafe { libc::fcntl(dir.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
        if copy < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `copy` is a directory descriptor we own; on success the stream owns it.
        let stream = unsafe { libc::fdopendir(copy) };
        if stream.is_null() {
            let e = io::Error::last_os_error();
            // SAFETY: fdopendir failed, so `copy` is still ours to close.
            unsafe { libc::close(copy) };
            return Err(e);
        }
        // The copy shares the offset with `dir`: start from the beginning.
        // SAFETY: `stream` is a valid, open directory stream.
        unsafe { libc::rewinddir(stream) };
        Ok(DirStream(stream))
    }

    /// The next name; borrowed mutably because the next readdir reuses its buffer.
    fn next_name(&mut self) -> Option<&CStr> {
        // SAFETY: the stream is open until drop.
        let entry = unsafe { libc::readdir(self.0) };
        if entry.is_null() {
            return None;
        }
        // SAFETY: readdir returned a valid entry whose d_name is NUL-terminated and lives
        // until the next readdir on this stream, which needs `&mut self` again.
        Some(unsafe { CStr::from_ptr((*entry).d_name.as_ptr()) })
    }
}

impl Drop for DirStream {
    fn drop(&mut self) {
        // SAFETY: the stream is open and closed exactly once, here.
        unsafe { libc::closedir(self.0) };
    }
}

#[cfg(test)]
mod tests;
