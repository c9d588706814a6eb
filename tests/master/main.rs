//! The master end to end: an in-process `modkit::master::start`, real `modkit agent --master`
//! processes running real tasks, and a small framework speaking the v1 scheduler API.

mod cluster;
mod framework;

mod agents;
mod auth;
mod cli;
mod errors;
mod failover;
mod fairness;
mod labels;
mod lifecycle;
mod limits;
mod operator;

#[path = "../common/mod.rs"]
mod common;
