//! Runs the external containerizer program once per command: the message on stdin, the answer
//! on stdout (bounded), stderr appended to a log, and a deadline after which its whole process
//! group is killed. One thread multiplexes the three pipes with poll(2), so a program that
//! fills one pipe while we wait on another cannot deadlock us.

use super::error::{ErrorAnswer, ProgramError};
use serde_json::Value;
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A larger answer is an error (and the program is killed), never an out-of-memory agent.
pub const MAX_STDOUT: usize = 1024 * 1024;
/// How many of the last stderr lines an error quotes.
const STDERR_LINES: usize = 10;
const STDERR_KEPT_BYTES: usize = 8 * 1024;
/// How long the pipes are still read after the program exited, when something it left
/// running holds them open (a program should not; this bounds the cost when it does).
const DRAIN: Duration = Duration::from_millis(500);
/// How often a program that stopped writing is checked for its exit.
const TICK: Duration = Duration::from_millis(100);

/// Where a command's stderr goes.
pub enum StderrSink {
    /// Appended to this file (the container's sandbox `stderr`).
    File(PathBuf),
    /// Logged line by line (agent-level commands).
    Log,
}

pub struct Invocation<'a> {
    pub command: &'static str,
    pub input: Vec<u8>,
    pub env: Vec<(&'static str, String)>,
    /// `None`: no deadline (`wait`).
    pub timeout: Option<Duration>,
    pub stderr: StderrSink,
    /// Told the program's pid (its process group) once it runs, so it can be killed.
    pub on_start: Option<&'a dyn Fn(i32)>,
}

#[derive(Clone, Debug)]
pub struct Program {
    pub path: PathBuf,
    /// Passed as `MODKIT_WORK_DIRECTORY`.
    pub work_dir: PathBuf,
}

impl Program {
    pub fn name(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }

    /// Runs `<program> <command>`; the answer (`Null` for an empty stdout) when it exits 0.
    pub fn run(&self, invocation: Invocation<'_>) -> Result<Value, ProgramError> {
        let mut command = Command::new(&self.path);
        command
            .arg(invocation.command)
            .env("MODKIT_WORK_DIRECTORY", &self.work_dir)
            .envs(invocation.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        // SAFETY: runs in the forked child before exec; prctl is async-signal-safe and touches
        // no memory shared with the parent. A program (e.g. a `wait`) dies with the thread
        // that started it, so a killed agent leaves none of them behind.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = command.spawn().map_err(ProgramError::Spawn)?;
        let pid = child.id() as i32;
        if let Some(on_start) = invocation.on_start {
            on_start(pid);
        }
        let sink = match &invocation.stderr {
            StderrSink::File(path) => match File::options().create(true).append(true).open(path) {
                Ok(file) => Some(file),
                Err(e) => {
                    tracing::warn!("cannot append to '{}': {e}", path.display());
                    None
                }
            },
            StderrSink::Log => None,
        };
        let pipes = Pipes {
            stdin: child.stdin.take(),
            stdout: child.stdout.take(),
            stderr: child.stderr.take(),
            input: invocation.input,
            written: 0,
            out: Vec::new(),
            err: Vec::new(),
            sink,
        };
        let outcome = pump(&mut child, pipes, invocation.timeout)?;
        let stderr = last_lines(&outcome.err);
        if let StderrSink::Log = invocation.stderr {
            for line in String::from_utf8_lossy(&outcome.err).lines() {
                tracing::info!(program = %self.name(), command = invocation.command, "{line}");
            }
        }
        if let Some(after) = outcome.timed_out {
            return Err(ProgramError::TimedOut { after, stderr });
        }
        if outcome.overflow {
            return Err(ProgramError::TooLarge {
                limit: MAX_STDOUT,
                stderr,
            });
        }
        if !outcome.status.success() {
            return Err(ProgramError::Failed {
                how: describe(outcome.status),
                answer: serde_json::from_slice::<ErrorAnswer>(&outcome.out).ok(),
                stderr,
            });
        }
        parse_answer(&outcome.out).map_err(|reason| ProgramError::Malformed {
            reason,
            excerpt: excerpt(&outcome.out),
            stderr,
        })
    }
}

struct Pipes {
    stdin: Option<ChildStdin>,
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
    input: Vec<u8>,
    written: usize,
    out: Vec<u8>,
    /// The last bytes of stderr, for error messages.
    err: Vec<u8>,
    sink: Option<File>,
}

struct Outcome {
    status: ExitStatus,
    out: Vec<u8>,
    err: Vec<u8>,
    timed_out: Option<Duration>,
    overflow: bool,
}

/// Feeds stdin, drains stdout and stderr, and reaps the program, killing its process group at
/// the deadline or when stdout overflows.
fn pump(
    child: &mut Child,
    mut pipes: Pipes,
    timeout: Option<Duration>,
) -> Result<Outcome, ProgramError> {
    let pid = child.id() as i32;
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut exited: Option<(ExitStatus, Instant)> = None;
    let mut timed_out = None;
    let mut overflow = false;
    let mut killed = false;
    if pipes.input.is_empty() {
        pipes.stdin = None;
    } else if let Some(stdin) = &pipes.stdin {
        set_nonblocking(stdin.as_raw_fd());
    }
    loop {
        if exited.is_none() {
            if let Some(status) = child.try_wait().map_err(ProgramError::Io)? {
                exited = Some((status, Instant::now()));
                pipes.stdin = None;
            }
        }
        let open = pipes.stdout.is_some() || pipes.stderr.is_some();
        if let Some((status, at)) = exited {
            if !open || at.elapsed() >= DRAIN {
                return Ok(Outcome {
                    status,
                    out: pipes.out,
                    err: pipes.err,
                    timed_out,
                    overflow,
                });
            }
        }
        if exited.is_none() && !killed && deadline.is_some_and(|d| Instant::now() >= d) {
            timed_out = timeout;
            kill_group(pid);
            killed = true;
        }
        let mut wait = TICK;
        if let (Some(d), false) = (deadline, killed) {
            wait = wait.min(d.saturating_duration_since(Instant::now()));
        }
        if !open && pipes.stdin.is_none() {
            std::thread::sleep(wait.min(Duration::from_millis(20)));
            continue;
        }
        let mut fds = Vec::with_capacity(3);
        let mut roles = Vec::with_capacity(3);
        if let Some(stdin) = &pipes.stdin {
            fds.push(pollfd(stdin.as_raw_fd(), libc::POLLOUT));
            roles.push(Role::Stdin);
        }
        if let Some(stdout) = &pipes.stdout {
            fds.push(pollfd(stdout.as_raw_fd(), libc::POLLIN));
            roles.push(Role::Stdout);
        }
        if let Some(stderr) = &pipes.stderr {
            fds.push(pollfd(stderr.as_raw_fd(), libc::POLLIN));
            roles.push(Role::Stderr);
        }
        // SAFETY: `fds` is a valid array of `fds.len()` pollfd structs for the whole call.
        let ready = unsafe {
            libc::poll(
                fds.as_mut_ptr(),
                fds.len() as libc::nfds_t,
                wait.as_millis().min(i32::MAX as u128) as i32,
            )
        };
        if ready < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            kill_group(pid);
            let _ = child.wait();
            return Err(ProgramError::Io(e));
        }
        for (fd, role) in fds.iter().zip(roles) {
            if fd.revents == 0 {
                continue;
            }
            match role {
                Role::Stdin => pipes.feed(),
                Role::Stdout => {
                    if pipes.read_stdout() {
                        overflow = true;
                        pipes.stdout = None;
                        if !killed {
                            kill_group(pid);
                            killed = true;
                        }
                    }
                }
                Role::Stderr => pipes.read_stderr(),
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Role {
    Stdin,
    Stdout,
    Stderr,
}

impl Pipes {
    fn feed(&mut self) {
        let Some(stdin) = &mut self.stdin else { return };
        match stdin.write(&self.input[self.written..]) {
            Ok(n) => {
                self.written += n;
                if self.written >= self.input.len() {
                    // Closing stdin is the end of the message.
                    self.stdin = None;
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {}
            // It does not read its stdin (EPIPE): its business.
            Err(_) => self.stdin = None,
        }
    }

    /// Returns whether stdout went past the bound.
    fn read_stdout(&mut self) -> bool {
        let Some(stdout) = &mut self.stdout else {
            return false;
        };
        let mut buf = [0u8; 64 * 1024];
        match stdout.read(&mut buf) {
            Ok(0) => self.stdout = None,
            Ok(n) => {
                self.out.extend_from_slice(&buf[..n]);
                if self.out.len() > MAX_STDOUT {
                    return true;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted || e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => self.stdout = None,
        }
        false
    }

    fn read_stderr(&mut self) {
        let Some(stderr) = &mut self.stderr else {
            return;
        };
        let mut buf = [0u8; 16 * 1024];
        match stderr.read(&mut buf) {
            Ok(0) => self.stderr = None,
            Ok(n) => {
                if let Some(sink) = &mut self.sink {
                    if let Err(e) = sink.write_all(&buf[..n]) {
                        tracing::warn!("cannot append the program's stderr: {e}");
                        self.sink = None;
                    }
                }
                self.err.extend_from_slice(&buf[..n]);
                if self.err.len() > STDERR_KEPT_BYTES {
                    let cut = self.err.len() - STDERR_KEPT_BYTES;
                    self.err.drain(..cut);
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted || e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => self.stderr = None,
        }
    }
}

fn pollfd(fd: i32, events: libc::c_short) -> libc::pollfd {
    libc::pollfd {
        fd,
        events,
        revents: 0,
    }
}

fn set_nonblocking(fd: i32) {
    // SAFETY: fcntl on a pipe fd we own; F_GETFL/F_SETFL touch no memory.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
    }
}

/// Kills the program and everything it started in its process group.
pub fn kill_group(pgid: i32) {
    if pgid > 0 {
        // SAFETY: kill(2) has no memory effects; a negative pid names the process group.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
    }
}

fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        (None, None) => format!("ended ({status})"),
    }
}

/// An empty (or blank) stdout is an empty answer.
pub fn parse_answer(out: &[u8]) -> Result<Value, String> {
    if out.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(out).map_err(|e| e.to_string())
}

/// The first bytes of a bad answer, for the message.
fn excerpt(out: &[u8]) -> String {
    let text = String::from_utf8_lossy(&out[..out.len().min(120)]).into_owned();
    if out.len() > 120 {
        format!("{text}...")
    } else {
        text
    }
}

fn last_lines(err: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(err);
    let lines: Vec<String> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let skip = lines.len().saturating_sub(STDERR_LINES);
    lines.into_iter().skip(skip).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &std::path::Path, body: &str) -> Program {
        let path = dir.join("prog");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        Program {
            path,
            work_dir: dir.to_path_buf(),
        }
    }

    fn invocation(input: &str, timeout: Option<Duration>) -> Invocation<'static> {
        Invocation {
            command: "launch",
            input: input.as_bytes().to_vec(),
            env: vec![("EXTRA", "x".into())],
            timeout,
            stderr: StderrSink::Log,
            on_start: None,
        }
    }

    #[test]
    fn echoes_stdin_and_sees_its_command_and_env() {
        let dir = tempfile::tempdir().unwrap();
        let p = script(
            dir.path(),
            r#"read line; printf '{"cmd":"%s","in":%s,"env":"%s","wd":"%s"}' "$1" "$line" "$EXTRA" "$MODKIT_WORK_DIRECTORY""#,
        );
        let v = p.run(invocation("{\"a\":1}\n", None)).unwrap();
        assert_eq!(v["cmd"], "launch");
        assert_eq!(v["in"]["a"], 1);
        assert_eq!(v["env"], "x");
        assert_eq!(v["wd"], dir.path().to_string_lossy().as_ref());
    }

    #[test]
    fn a_large_message_and_a_chatty_stderr_do_not_deadlock() {
        let dir = tempfile::tempdir().unwrap();
        // Writes 200 KB to stderr before reading its 300 KB of stdin.
        let p = script(
            dir.path(),
            "head -c 200000 /dev/zero >&2; wc -c | tr -d ' '; ",
        );
        let big = "x".repeat(300_000);
        let v = p
            .run(invocation(&big, Some(Duration::from_secs(60))))
            .unwrap();
        assert_eq!(v, 300_000);
    }

    #[test]
    fn empty_stdout_is_an_empty_answer() {
        let dir = tempfile::tempdir().unwrap();
        let p = script(dir.path(), "exit 0");
        assert_eq!(p.run(invocation("", None)).unwrap(), Value::Null);
    }

    #[test]
    fn failure_carries_status_error_answer_and_stderr_tail() {
        let dir = tempfile::tempdir().unwrap();
        let p = script(
            dir.path(),
            r#"for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "line $i" >&2; done
echo '{"code": 7, "msg": "no network", "details": "cni0"}'; exit 3"#,
        );
        let e = p.run(invocation("", None)).unwrap_err().to_string();
        assert!(
            e.starts_with("exited with status 3: error 7: no network (cni0); stderr: line 3 |"),
            "{e}"
        );
        assert!(e.ends_with("line 12"), "{e}");
        assert!(!e.contains("line 2 "), "{e}");
    }

    #[test]
    fn garbage_is_malformed() {
        let dir = tempfile::tempdir().unwrap();
        let p = script(dir.path(), "echo 'hello, I am not JSON'");
        let e = p.run(invocation("", None)).unwrap_err().to_string();
        assert!(e.contains("malformed JSON"), "{e}");
        assert!(e.contains("hello, I am not JSON"), "{e}");
    }

    #[test]
    fn deadline_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("grandchild");
        let p = script(
            dir.path(),
            &format!("sleep 1000 & echo $! > {}; wait", marker.display()),
        );
        let e = p
            .run(invocation("", Some(Duration::from_millis(300))))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("timed out after 300ms"), "{e}");
        let pid: i32 = std::fs::read_to_string(&marker)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let alive = || {
            // SAFETY: kill with signal 0 only checks for existence.
            let exists = unsafe { libc::kill(pid, 0) } == 0;
            exists
                && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .unwrap_or_default()
                    .contains(") Z ")
        };
        // SIGKILL is sent; the exit itself may take the kernel a moment.
        for _ in 0..100 {
            if !alive() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let alive = alive();
        assert!(!alive, "the program's child {pid} survived");
    }

    #[test]
    fn stdout_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let p = script(dir.path(), "yes '0123456789abcdef'");
        let e = p.run(invocation("", None)).unwrap_err().to_string();
        assert!(e.contains("more than 1048576 bytes"), "{e}");
    }

    #[test]
    fn stderr_goes_to_the_sink_file() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("stderr");
        std::fs::write(&log, "before\n").unwrap();
        let p = script(dir.path(), "echo from-the-program >&2");
        let mut inv = invocation("", None);
        inv.stderr = StderrSink::File(log.clone());
        p.run(inv).unwrap();
        assert_eq!(
            std::fs::read_to_string(&log).unwrap(),
            "before\nfrom-the-program\n"
        );
    }

    #[test]
    fn a_missing_program_cannot_start() {
        let p = Program {
            path: PathBuf::from("/nonexistent/prog"),
            work_dir: PathBuf::from("/"),
        };
        let e = p.run(invocation("", None)).unwrap_err().to_string();
        assert!(e.starts_with("could not be started"), "{e}");
    }
}
