//! The kernel's cgroupfs.

use super::{notify, CgroupFs, OomNotifier};
use std::io::{self, Write};
use std::path::Path;

/// cgroupfs through std::fs and libc.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealFs;

impl CgroupFs for RealFs {
    fn read(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn write(&self, path: &Path, value: &str) -> io::Result<()> {
        // No O_CREAT: a missing control file must fail as such, not be created.
        let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
        file.write_all(value.as_bytes())
    }

    fn mkdir(&self, path: &Path) -> io::Result<()> {
        std::fs::create_dir(path)
    }

    fn rmdir(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_dir(path)
    }

    fn list_dirs(&self, path: &Path) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn kill(&self, pid: i32) -> io::Result<()> {
        if pid <= 0 {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        // SAFETY: kill(2) has no memory effects; pid > 0 targets exactly one process.
        if unsafe { libc::kill(pid, libc::SIGKILL) } == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::ESRCH) => Ok(()),
            _ => Err(e),
        }
    }

    fn oom_notifier(&self, dir: &Path, unified: bool) -> io::Result<Box<dyn OomNotifier>> {
        if unified {
            Ok(Box::new(notify::Inotify::watch(
                &dir.join("memory.events"),
            )?))
        } else {
            Ok(Box::new(notify::OomEventfd::register(dir)?))
        }
    }
}
