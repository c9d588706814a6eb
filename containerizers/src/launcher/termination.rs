//! How a task ended, and how that survives the supervisor's exit code and the status file.

use std::fs;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::LaunchError;

/// The termination of a process: its exit code, or the signal that killed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Termination {
    Exited(i32),
    Signaled(i32),
}

impl Termination {
    /// Decodes a raw `waitpid(2)` status (stopped/continued statuses are never reported to us;
    /// they read as their exit byte).
    pub fn from_wait_status(raw: i32) -> Termination {
        if libc::WIFSIGNALED(raw) {
            Termination::Signaled(libc::WTERMSIG(raw))
        } else {
            Termination::Exited(libc::WEXITSTATUS(raw))
        }
    }

    /// The raw wait status this termination decodes from (without the core-dump bit).
    pub fn raw(&self) -> i32 {
        match *self {
            Termination::Exited(code) => (code & 0xff) << 8,
            Termination::Signaled(signal) => signal & 0x7f,
        }
    }

    /// For messages: "exited with status 1", "killed by signal 9 (SIGKILL)".
    pub fn describe(&self) -> String {
        match *self {
            Termination::Exited(code) => format!("exited with status {code}"),
            Termination::Signaled(signal) => match signal_name(signal) {
                Some(name) => format!("killed by signal {signal} ({name})"),
                None => format!("killed by signal {signal}"),
            },
        }
    }

    /// Whether the process exited with status 0.
    pub fn success(&self) -> bool {
        *self == Termination::Exited(0)
    }
}

/// Decodes the supervisor's termination into the task's: the supervisor exits with the task's
/// code, or 128 + the signal that killed the task (the shell convention). A task that exits by
/// itself with 129..=192 reads as signaled here; the status file keeps the exact status.
pub fn supervisor_exit_to_task(term: Termination) -> Termination {
    match term {
        Termination::Exited(code) if code > 128 && code <= 128 + MAX_SIGNAL => {
            Termination::Signaled(code - 128)
        }
        other => other,
    }
}

/// The largest Linux signal number (`SIGRTMAX`).
const MAX_SIGNAL: i32 = 64;

/// Reads the task's termination left by the supervisor; `None` when the task has not ended
/// (or the supervisor died before it could write).
pub fn read_status_file(path: &Path) -> Result<Option<Termination>, LaunchError> {
    let content = match fs::read_to_string(path) {
        Ok(content) => content,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(LaunchError::ReadStatus {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    parse_status(&content)
        .map(|raw| Some(Termination::from_wait_status(raw)))
        .ok_or_else(|| LaunchError::MalformedStatus {
            path: path.to_path_buf(),
            content,
        })
}

fn parse_status(content: &str) -> Option<i32> {
    let digits = content.strip_suffix('\n')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Writes `value` as decimal text plus "\n" into `buf` without allocating (the supervisor runs
/// after a fork of a multi-threaded agent); returns the length used.
pub(crate) fn format_status(value: i32, buf: &mut [u8; 16]) -> usize {
    let mut digits = [0u8; 12];
    let mut n = value.unsigned_abs();
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut at = 0;
    if value < 0 {
        buf[0] = b'-';
        at = 1;
    }
    while len > 0 {
        len -= 1;
        buf[at] = digits[len];
        at += 1;
    }
    buf[at] = b'\n';
    at + 1
}

fn signal_name(signal: i32) -> Option<String> {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    match signal {
        1..=31 => NAMES.get(signal as usize - 1).map(|name| name.to_string()),
        34 => Some("SIGRTMIN".to_string()),
        35..=MAX_SIGNAL => Some(format!("SIGRTMIN+{}", signal - 34)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_statuses_decode_and_encode() {
        assert_eq!(Termination::from_wait_status(0), Termination::Exited(0));
        assert_eq!(
            Termination::from_wait_status(3 << 8),
            Termination::Exited(3)
        );
        assert_eq!(Termination::from_wait_status(9), Termination::Signaled(9));
        // SIGSEGV with the core-dump bit.
        assert_eq!(
            Termination::from_wait_status(0x80 | 11),
            Termination::Signaled(11)
        );
        for term in [
            Termination::Exited(0),
            Termination::Exited(255),
            Termination::Signaled(15),
        ] {
            assert_eq!(Termination::from_wait_status(term.raw()), term);
        }
        assert!(Termination::Exited(0).success());
        assert!(!Termination::Signaled(9).success());
    }

    #[test]
    fn descriptions_read_like_mesos_messages() {
        assert_eq!(Termination::Exited(1).describe(), "exited with status 1");
        assert_eq!(
            Termination::Signaled(9).describe(),
            "killed by signal 9 (SIGKILL)"
        );
        assert_eq!(
            Termination::Signaled(15).describe(),
            "killed by signal 15 (SIGTERM)"
        );
        assert_eq!(
            Termination::Signaled(36).describe(),
            "killed by signal 36 (SIGRTMIN+2)"
        );
        assert_eq!(Termination::Signaled(99).describe(), "killed by signal 99");
    }

    #[test]
    fn supervisor_codes_above_128_are_signals() {
        assert_eq!(
            supervisor_exit_to_task(Termination::Exited(137)),
            Termination::Signaled(9)
        );
        assert_eq!(
            supervisor_exit_to_task(Termination::Exited(3)),
            Termination::Exited(3)
        );
        assert_eq!(
            supervisor_exit_to_task(Termination::Exited(128)),
            Termination::Exited(128)
        );
        assert_eq!(
            supervisor_exit_to_task(Termination::Exited(255)),
            Termination::Exited(255)
        );
        // The supervisor itself was killed: that is all we know.
        assert_eq!(
            supervisor_exit_to_task(Termination::Signaled(9)),
            Termination::Signaled(9)
        );
    }

    #[test]
    fn status_text_round_trips() {
        for value in [0, 9, 256, 1280, 65535, i32::MAX, -1, i32::MIN] {
            let mut buf = [0u8; 16];
            let len = format_status(value, &mut buf);
            let text = std::str::from_utf8(&buf[..len]).unwrap();
            assert_eq!(text, format!("{value}\n"));
            if value >= 0 {
                assert_eq!(parse_status(text), Some(value));
            }
        }
        assert_eq!(
            parse_status("12"),
            None,
            "a half-written file has no newline"
        );
        assert_eq!(parse_status("\n"), None);
        assert_eq!(parse_status("1x\n"), None);
        assert_eq!(parse_status("-1\n"), None);
    }

    #[test]
    fn status_files_are_read_or_absent() {
        let dir = std::env::temp_dir().join(format!(
            "modkit-launcher-unit-{}-status",
            std::process::id()
        ));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("status");
        assert!(read_status_file(&path).unwrap().is_none());
        fs::write(&path, "1280\n").unwrap();
        assert_eq!(
            read_status_file(&path).unwrap(),
            Some(Termination::Exited(5))
        );
        fs::write(&path, "garbage").unwrap();
        let err = read_status_file(&path).unwrap_err().to_string();
        assert!(err.contains("holds \"garbage\""), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
