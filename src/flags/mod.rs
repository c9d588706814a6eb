//! Flag value formats shared by the hosts, as Mesos spells them.

mod duration;

pub use duration::{parse_duration, DurationError};
