//! The modkit contract: `include/modkit.h`, its generated bindings, the resource model and the Rust SDK.
//!
//! This crate depends on no other crate of ours; every kind crate and the host build on it.

/// Generated from `include/modkit.h` by `scripts/check-bindings`; never edited by hand.
#[allow(non_camel_case_types, non_upper_case_globals, dead_code, clippy::all)]
pub mod bindings;

pub mod abi;
pub mod host;
pub mod resources;
pub mod sdk;
pub mod types;
