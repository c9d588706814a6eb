//! The modkit host: the module manager and the command line that drives it.

pub mod agent;
pub mod bench;
pub mod cli;
pub mod flags;
pub mod hooks;
pub mod modules;
pub mod recordio;
pub mod scenario;
pub mod simulate;
