//! Namespace isolators.

pub mod pid;
