//! The modkit host: the module manager and the command line that drives it.

pub mod agent;
pub mod auth;
pub mod bench;
pub mod cli;
pub mod flags;
pub mod hooks;
pub mod host;
pub mod local;
pub mod master;
pub mod metrics;
pub mod modules;
pub mod recordio;
pub mod scenario;
pub mod scheduler;
pub mod simulate;
