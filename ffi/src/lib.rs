//! The modkit contract: `include/modkit.h`, its generated bindings, the resource model and the Rust SDK.
//!
//! This crate depends on no other crate of ours; every kind crate and the host build on it.

pub mod resources;
pub mod types;
