//! What the long-running hosts (`modkit agent`, `modkit master`, `modkit local`) take from the
//! system alike: the machine's hostname, and serving until SIGINT or SIGTERM.

use tokio::signal::unix::{signal, SignalKind};

/// The kernel's hostname (`localhost` if unreadable), as the master and agent advertise it.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".to_string())
}

/// Installs the SIGTERM and SIGINT handlers, then calls `ready` (which prints the line tests
/// and scripts wait for, so a signal sent right after it stops us cleanly), then blocks until
/// either signal arrives. Errs only when the runtime for the wait cannot be built.
pub fn serve_until_signal(ready: impl FnOnce()) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        ready();
        match (term, int) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            // Without handlers the default action (termination) still stops the process.
            _ => std::future::pending::<()>().await,
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_is_one_trimmed_word() {
        let h = hostname();
        assert!(!h.is_empty() && !h.contains(char::is_whitespace), "{h:?}");
    }

    #[test]
    fn a_sigterm_after_ready_ends_the_wait() {
        let mut announced = false;
        serve_until_signal(|| {
            announced = true;
            // SAFETY: kill(2) on our own pid with a signal whose handler is installed (above);
            // it only queues the signal.
            unsafe {
                libc::kill(libc::getpid(), libc::SIGTERM);
            }
        })
        .expect("signal runtime");
        assert!(announced);
    }
}
