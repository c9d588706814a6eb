//! The modkit host: the module manager and the command line that drives it.

pub mod bench;
pub mod cli;
pub mod modules;
pub mod scenario;
