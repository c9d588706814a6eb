//! One trait per module kind. Hosts call these; module authors implement them.

pub mod allocator;
pub mod anonymous;
pub mod device_provider;
pub mod hook;
pub mod isolator;
pub mod sorter;
