//! A client of the Mesos v1 scheduler HTTP API (`POST /api/v1/scheduler`): what `modkit execute
//! --master`, the benchmark and the tests use to act as a framework.
//!
//! ```no_run
//! use modkit::scheduler::{Connection, Event, Scheduler};
//! use std::time::Duration;
//! let framework = serde_json::json!({"user": "root", "name": "demo"});
//! let (scheduler, events) =
//!     Scheduler::subscribe(Connection::new("127.0.0.1:5050"), framework, Duration::from_secs(10))?;
//! while let Ok((event, _raw)) = events.recv() {
//!     if let Event::Offers(offers) = event {
//!         let ids: Vec<&str> = offers.iter().map(|o| o.id.as_str()).collect();
//!         scheduler.decline(&ids, Some(5.0))?;
//!     }
//! }
//! # Ok::<(), modkit::scheduler::SchedulerError>(())
//! ```

mod basic;
mod client;
mod error;
mod event;

pub use basic::authorization;
pub use client::{Connection, Events, Scheduler};
pub use error::SchedulerError;
pub use event::{Event, Offer};
