//! Flag value formats shared by the hosts, as Mesos spells them.

pub mod allocation;

pub use allocation::{list, AllocatorArgs, SharingArgs};
/// Durations live in the SDK so that modules (isolators) parse them as the hosts do.
pub use modkit_ffi::sdk::{parse_duration, DurationError};
