//! Small process facts the containerizer needs from the kernel: start times (to tell a live
//! supervisor from a recycled pid) and waiting for a process that is not our child.

use std::time::Duration;

/// Field 22 of `/proc/<pid>/stat` (start time in clock ticks since boot); `None` when the
/// process is gone or the file is unreadable.
pub fn start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_start_time(&stat)
}

/// The command name (field 2) may hold spaces and parentheses, so fields are counted after
/// the last ')'.
fn parse_start_time(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    // After ')': field 3 (state) is the first; start time is field 22.
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Whether `pid` is still the process that started at `start_time` (and not a zombie).
pub fn is_alive(pid: i32, start_time_ticks: u64) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let zombie = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next())
        .is_some_and(|state| state == "Z" || state == "X");
    !zombie && parse_start_time(&stat) == Some(start_time_ticks)
}

/// Blocks until our child `pid` ends; returns its raw wait status.
pub fn wait_child(pid: i32) -> std::io::Result<i32> {
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes only to `status`, a valid local.
        let rc = unsafe { libc::waitpid(pid, &mut status, 0) };
        if rc == pid {
            return Ok(status);
        }
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINTR) {
            return Err(err);
        }
    }
}

/// Blocks until a process that is not our child (one adopted after a restart) ends. Uses a
/// pidfd where the kernel has them (5.3+), else polls.
pub fn wait_foreign(pid: i32, start_time_ticks: u64) {
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
    if fd >= 0 {
        if is_alive(pid, start_time_ticks) {
            let mut pfd = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            loop {
                // SAFETY: one valid pollfd, count 1.
                let rc = unsafe { libc::poll(&mut pfd, 1, -1) };
                if rc >= 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                    break;
                }
            }
        }
        // SAFETY: fd is ours and closed once.
        unsafe { libc::close(fd) };
        return;
    }
    while is_alive(pid, start_time_ticks) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_start_time_after_odd_command_names() {
        let stat =
            "123 (a b) c)) S 1 123 123 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";
        assert_eq!(parse_start_time(stat), Some(987654));
        assert_eq!(parse_start_time("garbage"), None);
        assert_eq!(parse_start_time("1 (x) S 1"), None);
    }

    #[test]
    fn own_process_is_alive_and_recycled_pid_is_not() {
        let me = std::process::id() as i32;
        let start = start_time(me).expect("own stat");
        assert!(is_alive(me, start));
        assert!(!is_alive(me, start + 1));
        assert!(!is_alive(i32::MAX, 0));
    }

    #[test]
    fn waits_for_a_foreign_process() {
        let mut child = std::process::Command::new("sleep")
            .arg("0.2")
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let start = start_time(pid).unwrap();
        let waiter = std::thread::spawn(move || wait_foreign(pid, start));
        let _ = child.wait();
        waiter.join().unwrap();
    }
}
