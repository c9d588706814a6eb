//! Network isolators. `network/ports`: tasks may only listen on the ports they were given.

pub mod ports;
