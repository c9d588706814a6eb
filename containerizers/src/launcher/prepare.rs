//! Everything the supervisor and the task need, computed in the agent before the fork: between
//! fork and exec of a multi-threaded process nothing may allocate or take a lock.

use std::ffi::{CString, OsString};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::cgroup;
use super::error::LaunchError;
use super::spec::LaunchSpec;
use super::user::{self, Credentials};

/// The search path when `env` has no `PATH` (what Mesos gives tasks).
pub(crate) const DEFAULT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Strings for `execve`: owned C strings and the NULL-terminated pointer array into them.
pub(crate) struct CStringArray {
    _strings: Vec<CString>,
    ptrs: Vec<*const libc::c_char>,
}

impl CStringArray {
    fn new(strings: Vec<CString>) -> Self {
        let mut ptrs: Vec<*const libc::c_char> = strings.iter().map(|s| s.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        // Moving `strings` into the struct moves the Vec, not the heap buffers `ptrs` points at.
        CStringArray {
            _strings: strings,
            ptrs,
        }
    }

    pub(crate) fn as_ptr(&self) -> *const *const libc::c_char {
        self.ptrs.as_ptr()
    }
}

/// `struct rlimit64` of `prlimit64(2)`, the same on every architecture.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rlimit64 {
    pub cur: u64,
    pub max: u64,
}

/// The pre-opened temp file of the status and the two names `rename(2)` needs.
pub(crate) struct StatusTarget {
    pub fd: OwnedFd,
    pub tmp: CString,
    pub path: CString,
    pub tmp_path: PathBuf,
}

pub(crate) struct Prepared {
    pub argv: CStringArray,
    pub envp: CStringArray,
    /// Where the program may be: one path, or one per `PATH` entry, tried in order.
    pub programs: Vec<CString>,
    pub working_dir: CString,
    pub credentials: Option<Credentials>,
    pub rlimits: Vec<(libc::c_int, Rlimit64)>,
    pub stdin: OwnedFd,
    pub stdout: OwnedFd,
    pub stderr: OwnedFd,
    pub status: Option<StatusTarget>,
    /// The cgroup v2 directory the supervisor is born in.
    pub cgroup: Option<OwnedFd>,
    pub clone_flags: libc::c_int,
    pub make_private: bool,
    pub mount_proc: bool,
    /// (effective, bounding) as masks of capability numbers.
    pub capabilities: Option<(u64, u64)>,
}

impl Prepared {
    pub(crate) fn new(spec: &LaunchSpec) -> Result<Prepared, LaunchError> {
        let program = spec
            .argv
            .first()
            .filter(|p| !p.is_empty())
            .ok_or_else(|| LaunchError::invalid("argv is empty: no program to run"))?;
        let argv = spec
            .argv
            .iter()
            .map(|arg| cstring(arg.as_bytes(), "argv"))
            .collect::<Result<Vec<_>, _>>()?;
        let envp = spec
            .env
            .iter()
            .map(|(key, value)| {
                if key.is_empty() || key.contains('=') {
                    return Err(LaunchError::invalid(format!(
                        "environment variable name {key:?} is empty or contains '='"
                    )));
                }
                cstring(format!("{key}={value}").as_bytes(), "env")
            })
            .collect::<Result<Vec<_>, _>>()?;
        let programs = program_candidates(program, &spec.env)
            .iter()
            .map(|p| cstring(p.as_bytes(), "program path"))
            .collect::<Result<Vec<_>, _>>()?;
        let working_dir = cstring(spec.working_dir.as_os_str().as_bytes(), "working_dir")?;
        let rlimits = spec
            .rlimits
            .iter()
            .map(|limit| {
                let value = |v: Option<u64>| v.unwrap_or(libc::RLIM_INFINITY);
                let (cur, max) = (value(limit.soft), value(limit.hard));
                if cur > max {
                    return Err(LaunchError::invalid(format!(
                        "{}: soft limit {cur} is above hard limit {max}",
                        limit.resource.name()
                    )));
                }
                Ok((limit.resource.resource(), Rlimit64 { cur, max }))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let credentials = spec.user.as_deref().map(user::resolve).transpose()?;

        let stdin = open_fd(File::open("/dev/null"), "stdin", Path::new("/dev/null"))?;
        let stdout = open_fd(open_output(&spec.stdout), "stdout", &spec.stdout)?;
        let stderr = open_fd(open_output(&spec.stderr), "stderr", &spec.stderr)?;
        let status = spec.status_file.as_deref().map(open_status).transpose()?;
        let cgroup = spec.cgroup.as_deref().map(cgroup::open).transpose()?;

        let ns = spec.namespaces;
        Ok(Prepared {
            argv: CStringArray::new(argv),
            envp: CStringArray::new(envp),
            programs,
            working_dir,
            credentials,
            rlimits,
            stdin,
            stdout,
            stderr,
            status,
            cgroup,
            clone_flags: ns.clone_flags(),
            make_private: ns.mount,
            mount_proc: ns.mount && ns.pid,
            capabilities: spec
                .capabilities
                .as_ref()
                .map(capability_masks)
                .transpose()?,
        })
    }
}

fn capability_masks(caps: &super::spec::Capabilities) -> Result<(u64, u64), LaunchError> {
    let mask = |list: &[u32], what: &str| {
        list.iter().try_fold(0u64, |mask, cap| {
            if *cap > super::caps::MAX_CAP {
                return Err(LaunchError::invalid(format!(
                    "{what} capability number {cap} is above {}",
                    super::caps::MAX_CAP
                )));
            }
            Ok(mask | (1 << cap))
        })
    };
    let effective = mask(&caps.effective, "effective")?;
    let bounding = mask(&caps.bounding, "bounding")?;
    if effective & !bounding != 0 {
        return Err(LaunchError::invalid(
            "the effective capabilities are not all in the bounding set",
        ));
    }
    Ok((effective, bounding))
}

fn cstring(bytes: &[u8], what: &str) -> Result<CString, LaunchError> {
    CString::new(bytes).map_err(|_| {
        LaunchError::invalid(format!(
            "{what} {:?} contains a NUL byte",
            String::from_utf8_lossy(bytes)
        ))
    })
}

/// Where `execve` should look for `program`, like `execvp` with the task's (not the agent's)
/// `PATH`. An empty `PATH` entry is the working directory.
pub(crate) fn program_candidates(program: &str, env: &[(String, String)]) -> Vec<String> {
    if program.contains('/') {
        return vec![program.to_string()];
    }
    // The first one wins, as for getenv(3) in the task.
    let path = env
        .iter()
        .find(|(key, _)| key == "PATH")
        .map(|(_, value)| value.as_str())
        .unwrap_or(DEFAULT_PATH);
    path.split(':')
        .map(|dir| match dir.trim_end_matches('/') {
            "" if dir.is_empty() => program.to_string(),
            "" => format!("/{program}"),
            dir => format!("{dir}/{program}"),
        })
        .collect()
}

fn open_output(path: &Path) -> io::Result<File> {
    // std opens with O_CLOEXEC: only the dup2'd copies reach the task.
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .open(path)
}

/// Opens `<status_file>.tmp` and removes a stale status file, so a reader never mistakes an
/// earlier run's status for this one's.
fn open_status(path: &Path) -> Result<StatusTarget, LaunchError> {
    let mut tmp_name = OsString::from(path.as_os_str());
    tmp_name.push(".tmp");
    let tmp_path = PathBuf::from(tmp_name);
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => {
            return Err(LaunchError::Open {
                what: "status file (removing the stale one)",
                path: path.to_path_buf(),
                source: err,
            })
        }
        _ => {}
    }
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .open(&tmp_path);
    Ok(StatusTarget {
        fd: open_fd(file, "status file", &tmp_path)?,
        tmp: cstring(tmp_path.as_os_str().as_bytes(), "status file")?,
        path: cstring(path.as_os_str().as_bytes(), "status file")?,
        tmp_path,
    })
}

/// Keeps an fd out of 0..=2 (an agent started with closed stdio gets them from open or pipe),
/// so the supervisor's dup2 onto 0, 1 and 2 never overwrites a descriptor it still needs.
pub(crate) fn above_stdio(fd: OwnedFd) -> io::Result<OwnedFd> {
    if fd.as_raw_fd() > 2 {
        return Ok(fd);
    }
    // try_clone is F_DUPFD_CLOEXEC from 3.
    fd.try_clone()
}

fn open_fd(
    file: io::Result<File>,
    what: &'static str,
    path: &Path,
) -> Result<OwnedFd, LaunchError> {
    file.and_then(|file| above_stdio(file.into()))
        .map_err(|source| LaunchError::Open {
            what,
            path: path.to_path_buf(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::launcher::spec::{Rlimit, RlimitKind};

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn programs_with_a_slash_are_taken_as_they_are() {
        assert_eq!(program_candidates("/bin/sh", &[]), vec!["/bin/sh"]);
        assert_eq!(program_candidates("./run", &[]), vec!["./run"]);
    }

    #[test]
    fn names_are_looked_up_in_the_tasks_path() {
        let env = env(&[("PATH", "/opt/bin/:/usr/bin::/"), ("PATH", "/ignored")]);
        assert_eq!(
            program_candidates("sh", &env),
            vec!["/opt/bin/sh", "/usr/bin/sh", "sh", "/sh"]
        );
        let defaults = program_candidates("sh", &[]);
        assert_eq!(
            defaults.first().map(String::as_str),
            Some("/usr/local/sbin/sh")
        );
        assert_eq!(defaults.len(), DEFAULT_PATH.split(':').count());
    }

    fn spec(dir: &Path) -> LaunchSpec {
        LaunchSpec {
            argv: vec!["/bin/true".into()],
            working_dir: dir.to_path_buf(),
            stdout: dir.join("stdout"),
            stderr: dir.join("stderr"),
            ..LaunchSpec::default()
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "modkit-launcher-unit-{}-{name}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn invalid_specs_are_refused_before_anything_runs() {
        let dir = temp_dir("invalid");
        let mut bad = spec(&dir);
        bad.argv.clear();
        let err = Prepared::new(&bad).err().unwrap().to_string();
        assert_eq!(err, "invalid launch spec: argv is empty: no program to run");

        let mut bad = spec(&dir);
        bad.argv.push("a\0b".into());
        let err = Prepared::new(&bad).err().unwrap().to_string();
        assert!(err.contains("argv \"a\\0b\" contains a NUL byte"), "{err}");

        let mut bad = spec(&dir);
        bad.env = env(&[("A=B", "c")]);
        let err = Prepared::new(&bad).err().unwrap().to_string();
        assert!(err.contains("\"A=B\""), "{err}");

        let mut bad = spec(&dir);
        bad.rlimits = vec![Rlimit {
            resource: RlimitKind::Nofile,
            soft: Some(10),
            hard: Some(5),
        }];
        let err = Prepared::new(&bad).err().unwrap().to_string();
        assert!(
            err.contains("RLIMIT_NOFILE: soft limit 10 is above hard limit 5"),
            "{err}"
        );

        let mut bad = spec(&dir);
        bad.stdout = dir.join("no/such/dir/stdout");
        let err = Prepared::new(&bad).err().unwrap().to_string();
        assert!(err.starts_with("open stdout '"), "{err}");
        assert!(
            err.ends_with("No such file or directory (os error 2)"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_valid_spec_prepares_null_terminated_arrays_and_unlimited_rlimits() {
        let dir = temp_dir("valid");
        let status = dir.join("status");
        std::fs::write(&status, "0\n").unwrap();
        let mut good = spec(&dir);
        good.env = env(&[("A", "1")]);
        good.status_file = Some(status.clone());
        good.rlimits = vec![Rlimit {
            resource: RlimitKind::Core,
            soft: Some(0),
            hard: None,
        }];
        let prepared = Prepared::new(&good).unwrap();
        // SAFETY: the arrays hold one string pointer each and then NULL.
        unsafe {
            assert!(!(*prepared.argv.as_ptr()).is_null());
            assert!((*prepared.argv.as_ptr().add(1)).is_null());
            assert!((*prepared.envp.as_ptr().add(1)).is_null());
        }
        assert_eq!(
            prepared.rlimits,
            vec![(
                libc::RLIMIT_CORE as libc::c_int,
                Rlimit64 {
                    cur: 0,
                    max: libc::RLIM_INFINITY
                }
            )]
        );
        assert!(prepared.stdout.as_raw_fd() > 2 && prepared.stdin.as_raw_fd() > 2);
        assert!(!status.exists(), "the stale status file is removed");
        assert!(dir.join("status.tmp").exists());
        assert!(dir.join("stdout").exists() && dir.join("stderr").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
