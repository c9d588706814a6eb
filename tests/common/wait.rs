//! Waiting in tests without timing assertions: polling a condition, and reading a child's log
//! until the line that says it is ready.

use std::io::{BufRead, BufReader, Read};
use std::time::{Duration, Instant};

/// Polls `f` until it returns Some or `timeout` passes.
pub fn eventually<T>(timeout: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Reads `log` (a child's stderr) until a line starting with `prefix` and returns the rest of
/// that line, trimmed; later lines are echoed on our stderr as `[tag] line`. When the log ends
/// first, the error is everything read.
pub fn ready_line(
    log: impl Read + Send + 'static,
    prefix: &str,
    tag: &'static str,
) -> Result<String, String> {
    let mut lines = BufReader::new(log).lines();
    let mut read = String::new();
    while let Some(Ok(line)) = lines.next() {
        if let Some(rest) = line.strip_prefix(prefix) {
            let rest = rest.trim().to_string();
            std::thread::spawn(move || {
                for line in lines.map_while(Result::ok) {
                    eprintln!("[{tag}] {line}");
                }
            });
            return Ok(rest);
        }
        read.push_str(&line);
        read.push('\n');
    }
    Err(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ready_line_is_found_and_a_missing_one_returns_the_log() {
        let log = "starting\nready on 1.2.3.4:5 \nmore\n".as_bytes().to_vec();
        assert_eq!(
            ready_line(std::io::Cursor::new(log), "ready on ", "t").as_deref(),
            Ok("1.2.3.4:5")
        );
        let log = b"starting\nfailed\n".to_vec();
        assert_eq!(
            ready_line(std::io::Cursor::new(log), "ready on ", "t"),
            Err("starting\nfailed\n".to_string())
        );
        let mut n = 0;
        assert_eq!(
            eventually(Duration::from_secs(5), || {
                n += 1;
                (n == 3).then_some(n)
            }),
            Some(3)
        );
    }
}
