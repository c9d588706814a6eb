//! What can go wrong talking to a master's v1 scheduler API.

use crate::recordio::RecordIoError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SchedulerError {
    /// The master could not be reached at all (connection refused, DNS, timeout).
    #[error("master {master} is unreachable for {call}: {reason}")]
    Unreachable {
        master: String,
        call: &'static str,
        reason: String,
    },
    /// The master answered a call with an unexpected HTTP status.
    #[error("{call} answered HTTP {status}: {body}")]
    Status {
        call: &'static str,
        status: u16,
        body: String,
    },
    /// SUBSCRIBE answered 200 without the header every later call needs.
    #[error("SUBSCRIBE answered without a Mesos-Stream-Id header")]
    MissingStreamId,
    /// A call other than SUBSCRIBE before the SUBSCRIBED event.
    #[error("{call}: not subscribed yet (no framework id)")]
    NotSubscribed { call: &'static str },
    /// The event stream was not RecordIO or an event was not JSON.
    #[error("event stream from {master}: {reason}")]
    Stream { master: String, reason: String },
    /// The master sent ERROR (or closed the stream) instead of SUBSCRIBED.
    #[error("SUBSCRIBE: {0}")]
    Refused(String),
    /// No SUBSCRIBED event within the wait.
    #[error("SUBSCRIBE: no SUBSCRIBED event within {0:?}")]
    SubscribeTimeout(std::time::Duration),
    /// A malformed event field.
    #[error("{event} event: {reason}")]
    Event { event: &'static str, reason: String },
}

impl SchedulerError {
    pub(crate) fn stream(master: &str, e: RecordIoError) -> SchedulerError {
        SchedulerError::Stream {
            master: master.to_string(),
            reason: e.to_string(),
        }
    }
}
