//! Typed views of the raw ABI: kinds, statuses, flags, borrowed strings, writers, sized reads.
//!
//! bindgen emits every macro as `i32`; these are the types the structs actually use.

mod kind;
mod sized;
mod strings;
mod writer;

pub use kind::{Kind, KindVersions, UnknownKind};
pub use sized::read_sized;
pub use strings::{kv_slice, str_from_ffi, str_from_host, str_slice, to_ffi, FfiStrError};
pub use writer::{write_bytes, ByteSink, Collector, WriterError};

use crate::bindings as b;

/// The ABI this build speaks.
pub const ABI_MAJOR: u16 = b::MODKIT_ABI_MAJOR as u16;
/// Highest minor this build reads; modules with a minor up to this load.
pub const ABI_MINOR: u16 = b::MODKIT_ABI_MINOR as u16;

/// `modkit_status` values.
pub mod status {
    use crate::bindings as b;
    pub const OK: i32 = b::MODKIT_OK;
    pub const ERROR: i32 = b::MODKIT_ERROR;
    pub const INVALID_ARGUMENT: i32 = b::MODKIT_INVALID_ARGUMENT;
    pub const NOT_FOUND: i32 = b::MODKIT_NOT_FOUND;
    pub const UNSUPPORTED: i32 = b::MODKIT_UNSUPPORTED;
    pub const PANIC: i32 = b::MODKIT_PANIC;
    pub const STOP: i32 = b::MODKIT_STOP;
}

/// `modkit_module.flags` bits.
pub mod flags {
    use crate::bindings as b;
    pub const THREAD_SAFE: u64 = b::MODKIT_FLAG_THREAD_SAFE as u64;
    pub const MULTI_INSTANCE: u64 = b::MODKIT_FLAG_MULTI_INSTANCE as u64;
    pub const INDEPENDENT_INSTANCES: u64 = b::MODKIT_FLAG_INDEPENDENT_INSTANCES as u64;
}
