//! `modkit local` end to end: the built binary as a one-node cluster, driven by `modkit execute
//! --master`, by frameworks written with `modkit::scheduler`, by pymesos and by curl. Tests that
//! need cgroups skip, saying why, where the machine lacks them.

mod api;
mod cli;
mod clients;
#[path = "../common/mod.rs"]
mod common;
mod drf;
mod execute;
mod harness;
