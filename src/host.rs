//! What the long-running hosts (`modkit agent`, `modkit master`, `modkit local`) take from the
//! system alike: the machine's hostname, and serving until SIGINT or SIGTERM.

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header::CONTENT_LENGTH, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::signal::unix::{signal, SignalKind};

/// Limits request bodies to `max` bytes (413). A body that announces a larger Content-Length
/// is refused before any of it is read, so the client reads the answer instead of a reset
/// while it is still sending; one without a length is cut off at `max` as it streams.
pub fn limit_bodies<S>(router: Router<S>, max: usize) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router
        .layer(DefaultBodyLimit::max(max))
        .layer(axum::middleware::from_fn(
            move |request: Request, next: Next| async move {
                let declared = request
                    .headers()
                    .get(CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok());
                match declared {
                    Some(length) if length > max as u64 => refuse(length, max),
                    _ => next.run(request).await,
                }
            },
        ))
}

fn refuse(length: u64, max: usize) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body of {length} bytes exceeds the limit of {max} bytes\n"),
    )
        .into_response()
}

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
